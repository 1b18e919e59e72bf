package io.stevedore.storage.s3;

import io.stevedore.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;

/**
 * Everything another process needs to continue an upload session, as the opaque
 * {@link io.stevedore.storage.UploadWriter#state()} string (JSON). The registry stores it after
 * every append, so no replica has to remember anything, and S3 is never asked to list parts.
 *
 * @param partSize          the size of every part of this session but the last; fixed when the
 *                          session starts, so a change of settings mid-session cannot make its
 *                          parts uneven
 * @param multipartUploadId the S3 multipart upload, created with the first full part; null before
 * @param parts             the uploaded parts, numbered from 1, each exactly {@code partSize}
 * @param tailSize          bytes after the last part, kept in the session's tail object
 * @param tailETag          that object's ETag, so a stale state (or a tail rewritten behind our
 *                          back) is refused rather than read at the wrong offset (distribution#2634);
 *                          null when there is no tail
 */
record SessionState(long partSize, String multipartUploadId, List<Part> parts, long tailSize, String tailETag) {

    /** The one format so far; a later one can be told apart. */
    private static final int VERSION = 1;

    record Part(int number, String etag, long size) {
    }

    /** What is written as JSON. */
    private record Stored(int v, long partSize, String multipartUploadId, List<Part> parts, long tailSize,
                          String tailETag) {
    }

    SessionState {
        parts = List.copyOf(parts);
    }

    static SessionState empty(long partSize) {
        return new SessionState(partSize, null, List.of(), 0, null);
    }

    long size() {
        return parts.size() * partSize + tailSize;
    }

    int nextPartNumber() {
        return parts.size() + 1;
    }

    SessionState withMultipartUpload(String id) {
        return new SessionState(partSize, id, parts, tailSize, tailETag);
    }

    /** A full part uploaded: the tail it absorbed is gone. */
    SessionState withPart(String etag) {
        List<Part> more = new ArrayList<>(parts);
        more.add(new Part(nextPartNumber(), etag, partSize));
        return new SessionState(partSize, multipartUploadId, more, 0, null);
    }

    SessionState withTail(long size, String etag) {
        return new SessionState(partSize, multipartUploadId, parts, size, size == 0 ? null : etag);
    }

    String toJson() {
        return Json.MAPPER.writeValueAsString(
                new Stored(VERSION, partSize, multipartUploadId, parts, tailSize, tailETag));
    }

    /** Reads a state this class wrote, checking that it describes a session we could have made. */
    static SessionState fromJson(String json) throws IOException {
        Stored s;
        try {
            s = Json.MAPPER.readValue(json, Stored.class);
        } catch (JacksonException e) {
            throw new IOException("unreadable S3 upload state", e);
        }
        if (s.v() != VERSION || s.parts() == null || s.partSize() <= 0
                || s.tailSize() < 0 || s.tailSize() >= s.partSize()
                || (s.tailSize() > 0) != (s.tailETag() != null)
                || s.parts().isEmpty() == (s.multipartUploadId() != null)) {
            throw new IOException("inconsistent S3 upload state");
        }
        for (int i = 0; i < s.parts().size(); i++) {
            Part part = s.parts().get(i);
            if (part == null || part.number() != i + 1 || part.size() != s.partSize() || part.etag() == null) {
                throw new IOException("inconsistent S3 upload state: part " + (i + 1));
            }
        }
        return new SessionState(s.partSize(), s.multipartUploadId(), s.parts(), s.tailSize(), s.tailETag());
    }
}
