package io.stevedore.builder.engine;

import io.stevedore.builder.context.BuildContextException;
import io.stevedore.builder.dockerfile.DockerfileException;
import io.stevedore.builder.files.SymlinkLoopException;
import io.stevedore.builder.layers.HostileArchiveException;
import io.stevedore.client.RegistryClientException;

/** The one-line reason a build failed, as the CLI prints it after "error: " and a worker reports it. */
public final class BuildFailures {
    private BuildFailures() {}

    /** The message of failures meant for the user; the exception's class and message for anything else. */
    public static String message(RuntimeException failure) {
        boolean explained = failure instanceof DockerfileException || failure instanceof BuildException
                || failure instanceof RegistryClientException || failure instanceof BuildContextException
                || failure instanceof HostileArchiveException || failure instanceof SymlinkLoopException;
        return explained && failure.getMessage() != null ? failure.getMessage() : failure.toString();
    }
}
