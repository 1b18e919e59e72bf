package io.stevedore.storage;

import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The running SHA state of upload sessions this process has been writing, keyed by upload id and
 * valid only at the recorded length. A chunked upload then hashes each byte once; when a session
 * is continued by another process (or after a restart) the state is missing and the store re-reads
 * what is already written instead. Bounded, because abandoned sessions leave entries behind.
 */
public final class HashStates {
    private static final int MAX_ENTRIES = 4096;

    private record State(long length, MessageDigest digest) {
    }

    private final Map<String, State> states = new ConcurrentHashMap<>();

    /** A copy of the state after {@code length} bytes of the session, or null. */
    public MessageDigest take(String uploadId, long length) {
        State s = states.remove(uploadId);
        return s != null && s.length == length ? s.digest : null;
    }

    public void put(String uploadId, long length, MessageDigest digest) {
        if (states.size() >= MAX_ENTRIES) {
            states.clear();
        }
        states.put(uploadId, new State(length, digest));
    }

    public void forget(String uploadId) {
        states.remove(uploadId);
    }
}
