package io.stevedore.oci;

/** Manifest bytes that are not a manifest the registry accepts; the message says why. */
public class InvalidManifestException extends IllegalArgumentException {
    public InvalidManifestException(String message) {
        super(message);
    }
}
