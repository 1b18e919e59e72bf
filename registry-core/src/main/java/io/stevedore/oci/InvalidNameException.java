package io.stevedore.oci;

/** A repository name or tag that the distribution spec's grammar does not allow. */
public class InvalidNameException extends IllegalArgumentException {
    public InvalidNameException(String message) {
        super(message);
    }
}
