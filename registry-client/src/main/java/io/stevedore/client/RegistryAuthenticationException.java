package io.stevedore.client;

/** The registry refused who we are (401) or what we asked to do (403). */
public class RegistryAuthenticationException extends RegistryClientException {

    public RegistryAuthenticationException(String message, int status, String errorCode) {
        super(message, status, errorCode);
    }
}
