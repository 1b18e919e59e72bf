package io.stevedore.build.cli;

/** Entry point of `java -jar build-service.jar`; the build command arrives with the engine. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.err.println("usage: build-service build -t REGISTRY/REPO:TAG [options] CONTEXT");
        System.exit(2);
    }
}
