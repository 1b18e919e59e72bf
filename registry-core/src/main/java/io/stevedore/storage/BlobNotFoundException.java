package io.stevedore.storage;

import io.stevedore.oci.Digest;
import java.io.FileNotFoundException;

/** The store does not hold the blob asked for. */
public class BlobNotFoundException extends FileNotFoundException {
    public BlobNotFoundException(Digest digest) {
        super("blob not found: " + digest);
    }
}
