package io.stevedore.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ObjectCopierTest {
    private static final long MIB = S3Settings.MIB;
    private static final long GIB = S3Settings.GIB;

    @Test
    void copyRangesAreNeverSmallerThanAPart() {
        assertThat(ObjectCopier.copyPartSize(12 * MIB, 5 * MIB)).isEqualTo(5 * MIB);
    }

    @Test
    void largeBlobsAreCopiedInAboutAHundredWholeMibRanges() {
        for (long size : new long[] {5 * GIB + 1, 37 * GIB + 12345, 78 * GIB}) {
            long piece = ObjectCopier.copyPartSize(size, 8 * MIB);
            assertThat(piece % MIB).isZero();
            assertThat(Math.ceilDiv(size, piece)).isBetween(90L, 100L);
            assertThat(piece).isLessThanOrEqualTo(5 * GIB);
        }
    }
}
