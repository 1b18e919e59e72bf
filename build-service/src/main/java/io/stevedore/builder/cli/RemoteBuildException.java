package io.stevedore.builder.cli;

/** The registry refused a remote-build call for a reason retrying cannot fix; the message is for the user. */
final class RemoteBuildException extends RuntimeException {
    RemoteBuildException(String message) {
        super(message);
    }
}
