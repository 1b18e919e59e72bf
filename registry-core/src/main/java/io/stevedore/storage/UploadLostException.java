package io.stevedore.storage;

import java.io.IOException;

/**
 * An upload session's stored bytes no longer match the state the registry recorded for it (the
 * registry was killed between writing them and recording that): the session cannot go on, and
 * the client has to start the blob again. Not a failure of the store.
 */
public class UploadLostException extends IOException {
    public UploadLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
