package io.stevedore.builder.layers;

import java.io.IOException;
import java.io.InputStream;

/** zstd layers (application/vnd.oci.image.layer.v1.tar+zstd) through zstd-jni's native decoder. */
final class ZstdSupport {
    private ZstdSupport() {}

    static InputStream open(InputStream in) throws IOException {
        return new com.github.luben.zstd.ZstdInputStream(in);
    }
}
