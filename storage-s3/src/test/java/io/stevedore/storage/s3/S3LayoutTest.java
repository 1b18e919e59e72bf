package io.stevedore.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stevedore.oci.Digest;
import org.junit.jupiter.api.Test;

class S3LayoutTest {
    private final S3Layout layout = new S3Layout("reg/");
    private final Digest digest = Digest.sha256("hello".getBytes());

    @Test
    void blobsAreContentAddressedUnderThePrefix() {
        assertThat(layout.blobKey(digest)).isEqualTo("reg/blobs/sha256/" + digest.hex().substring(0, 2) + "/" + digest.hex());
        assertThat(layout.digestOf(layout.blobKey(digest))).contains(digest);
    }

    @Test
    void sessionObjectsLiveUnderTheirUploadId() {
        String id = "0c3f1a8e-7b5d-4c2e-9f10-1a2b3c4d5e6f";
        assertThat(layout.tailKey(id)).isEqualTo("reg/uploads/" + id + "/tail");
        assertThat(layout.dataKey(id)).isEqualTo("reg/uploads/" + id + "/data");
        assertThatThrownBy(() -> layout.tailKey("../blobs")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysThatAreNotBlobsOfOursAreNotDigests() {
        String hex = digest.hex();
        for (String key : new String[] {
            "other/blobs/sha256/" + hex.substring(0, 2) + "/" + hex,
            "reg/blobs/sha256/" + hex,
            "reg/blobs/sha256/zz/" + hex,
            "reg/blobs/md5/" + hex.substring(0, 2) + "/" + hex,
            "reg/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + ".bak",
            "reg/uploads/x/tail",
        }) {
            assertThat(layout.digestOf(key)).as(key).isEmpty();
        }
    }
}
