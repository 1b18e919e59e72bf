package io.stevedore.builder.worker;

/** How a build ended, as `POST .../finish` reports it: succeeded with a digest, failed with an error, or cancelled. */
record Outcome(String status, String digest, String error) {

    static Outcome succeeded(String digest) {
        return new Outcome("succeeded", digest, null);
    }

    static Outcome failed(String error) {
        return new Outcome("failed", null, error);
    }

    static Outcome cancelled() {
        return new Outcome("cancelled", null, null);
    }
}
