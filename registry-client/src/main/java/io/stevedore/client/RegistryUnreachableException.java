package io.stevedore.client;

/** No HTTP answer at all: the host does not resolve, refuses connections, times out, or TLS failed. */
public class RegistryUnreachableException extends RegistryClientException {

    public RegistryUnreachableException(String message, Throwable cause) {
        super(message, 0, null, cause);
    }
}
