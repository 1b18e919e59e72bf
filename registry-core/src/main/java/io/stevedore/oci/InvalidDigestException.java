package io.stevedore.oci;

/** A digest string that is not a well-formed digest of a supported algorithm. */
public class InvalidDigestException extends IllegalArgumentException {
    public InvalidDigestException(String message) {
        super(message);
    }
}
