package io.stevedore.storage;

import io.stevedore.oci.Digest;
import java.io.IOException;

/** Uploaded bytes did not hash to the digest the client claimed. */
public class DigestMismatchException extends IOException {
    private final Digest expected;
    private final Digest actual;

    public DigestMismatchException(Digest expected, Digest actual) {
        super("uploaded content has digest " + actual + ", not " + expected);
        this.expected = expected;
        this.actual = actual;
    }

    public Digest expected() {
        return expected;
    }

    public Digest actual() {
        return actual;
    }
}
