package io.stevedore.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class S3SettingsTest {

    private final S3Settings defaults = S3Settings.of("eu-west-1", "registry");

    @Test
    void defaultsAreEightMibPartsAndCopiesWholeUpToFiveGib() {
        assertThat(defaults.partSize()).isEqualTo(8L * 1024 * 1024);
        assertThat(defaults.multipartCopyThreshold()).isEqualTo(5L * 1024 * 1024 * 1024);
        assertThat(defaults.prefix()).isEmpty();
        assertThat(defaults.endpoint()).isNull();
        assertThat(defaults.accessKey()).as("the AWS default credentials chain").isNull();
    }

    @Test
    void partsSmallerThanS3sMinimumAreRefused() {
        assertThatThrownBy(() -> defaults.withPartSize(5L * 1024 * 1024 - 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(defaults.withPartSize(5L * 1024 * 1024).partSize()).isEqualTo(5L * 1024 * 1024);
    }

    @Test
    void aThresholdAboveWhatOneCopyObjectCanCopyIsRefused() {
        assertThatThrownBy(() -> defaults.withMultipartCopyThreshold(5L * 1024 * 1024 * 1024 + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thePrefixIsNormalisedToEndWithASlash() {
        assertThat(defaults.withPrefix("registry").prefix()).isEqualTo("registry/");
        assertThat(defaults.withPrefix("/a/b/").prefix()).isEqualTo("a/b/");
        assertThat(defaults.withPrefix("/").prefix()).isEmpty();
        assertThat(defaults.withPrefix(null).prefix()).isEmpty();
    }

    @Test
    void prefixesThatWalkOrHaveEmptySegmentsAreRefused() {
        for (String prefix : new String[] {"../x", "a/./b", "a//b", "a/.."}) {
            assertThatThrownBy(() -> defaults.withPrefix(prefix)).as(prefix).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void anAccessKeyNeedsItsSecretKey() {
        assertThatThrownBy(() -> defaults.withCredentials("id", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSecretKeyNeverAppearsInToString() {
        String text = defaults.withCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG").toString();
        assertThat(text).contains("AKIDEXAMPLE").doesNotContain("wJalrXUtnFEMI");
    }
}
