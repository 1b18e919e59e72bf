package io.stevedore.builder.worker;

/** The registry answered 409: another worker holds the build now, or it has ended. Stop, report nothing more. */
final class LeaseLostException extends RuntimeException {
    LeaseLostException(Job job) {
        super(job.name() + ": lease lost");
    }
}
