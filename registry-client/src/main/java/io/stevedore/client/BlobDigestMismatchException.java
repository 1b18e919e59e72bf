package io.stevedore.client;

import io.stevedore.oci.Digest;
import java.io.IOException;

/**
 * A downloaded blob did not hash to the digest it was asked for by: the registry served other
 * content. Thrown by the stream {@link RegistryClient#openBlob} returns, at its end.
 */
public class BlobDigestMismatchException extends IOException {
    private final Digest expected;
    private final Digest actual;

    public BlobDigestMismatchException(String message, Digest expected, Digest actual) {
        super(message);
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
