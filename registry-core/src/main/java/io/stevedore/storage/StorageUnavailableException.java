package io.stevedore.storage;

import java.io.IOException;

/**
 * The store could not do it now, though the request was fine: unreachable, throttling, or failing
 * on its side (5xx) after the retries its client makes. The server answers 503 with Retry-After
 * instead of 500, since the same request may succeed later.
 */
public class StorageUnavailableException extends IOException {
    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
