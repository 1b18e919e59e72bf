package io.stevedore.build.engine;

import io.stevedore.build.context.BuildContextException;
import io.stevedore.build.context.HostileArchiveException;
import io.stevedore.build.dockerfile.DockerfileException;
import io.stevedore.client.RegistryClientException;

/** The one-line reason a build failed, as the CLI prints it after "error: " and a worker reports it. */
public final class BuildFailures {
    private BuildFailures() {}

    /** The message of failures meant for the user; the exception's class and message for anything else. */
    public static String message(RuntimeException failure) {
        boolean explained = failure instanceof DockerfileException || failure instanceof BuildException
                || failure instanceof RegistryClientException || failure instanceof BuildContextException
                || failure instanceof HostileArchiveException;
        return explained && failure.getMessage() != null ? failure.getMessage() : failure.toString();
    }
}
