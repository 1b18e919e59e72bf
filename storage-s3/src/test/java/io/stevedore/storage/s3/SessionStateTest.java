package io.stevedore.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class SessionStateTest {
    private static final long PART = 5L * 1024 * 1024;

    @Test
    void aSessionWithPartsAndATailSurvivesTheTripThroughJson() throws Exception {
        SessionState state = SessionState.empty(PART).withMultipartUpload("mpu-1").withPart("\"e1\"").withPart("\"e2\"")
                .withTail(123, "\"t\"");
        SessionState back = SessionState.fromJson(state.toJson());
        assertThat(back).isEqualTo(state);
        assertThat(back.size()).isEqualTo(2 * PART + 123);
        assertThat(back.nextPartNumber()).isEqualTo(3);
    }

    @Test
    void aFullPartAbsorbsTheTail() {
        SessionState state = SessionState.empty(PART).withTail(10, "\"t\"").withMultipartUpload("m").withPart("\"e\"");
        assertThat(state.tailSize()).isZero();
        assertThat(state.tailETag()).isNull();
        assertThat(state.size()).isEqualTo(PART);
    }

    @Test
    void statesThatNoSessionCouldHaveAreRefused() {
        String[] broken = {
            "not json",
            "{\"v\":2,\"partSize\":5242880,\"parts\":[],\"tailSize\":0}",
            // a tail as long as a part
            "{\"v\":1,\"partSize\":5242880,\"parts\":[],\"tailSize\":5242880,\"tailETag\":\"x\"}",
            // a tail without its ETag
            "{\"v\":1,\"partSize\":5242880,\"parts\":[],\"tailSize\":3}",
            // parts without a multipart upload
            "{\"v\":1,\"partSize\":5242880,\"parts\":[{\"number\":1,\"etag\":\"e\",\"size\":5242880}],\"tailSize\":0}",
            // uneven parts
            "{\"v\":1,\"partSize\":5242880,\"multipartUploadId\":\"m\",\"parts\":[{\"number\":1,\"etag\":\"e\",\"size\":5}],\"tailSize\":0}",
            // a gap in the numbering
            "{\"v\":1,\"partSize\":5242880,\"multipartUploadId\":\"m\",\"parts\":[{\"number\":2,\"etag\":\"e\",\"size\":5242880}],\"tailSize\":0}",
        };
        for (String json : broken) {
            assertThatThrownBy(() -> SessionState.fromJson(json)).as(json).isInstanceOf(IOException.class);
        }
    }
}
