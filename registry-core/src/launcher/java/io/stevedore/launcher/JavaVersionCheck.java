package io.stevedore.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;

/**
 * The main class of Stevedore's jars (registry-server.jar, build-service.jar): on a Java older
 * than 21 it says in one line which Java is needed and exits 1, instead of the
 * UnsupportedClassVersionError stack trace that loading the application would end in; on 21 or
 * newer it starts the application named in the jar's {@value #APPLICATION_RESOURCE}.
 *
 * <p>Compiled for Java 8 on its own (src/launcher/java, see registry-core's pom), so that an old
 * JVM can load it; it names the application only by string and uses nothing newer than Java 8.
 */
public final class JavaVersionCheck {
    static final int REQUIRED = 21;
    static final String APPLICATION_RESOURCE = "META-INF/stevedore-application";

    private JavaVersionCheck() {
    }

    public static void main(String[] args) throws Throwable {
        int feature = feature(System.getProperty("java.specification.version"));
        if (feature < REQUIRED) {
            System.err.println(message(feature, System.getProperty("java.home"), jar()));
            System.exit(1);
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Method main = Class.forName(application(loader), true, loader).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause(); // the application's own failure, as if it had been called directly
        }
    }

    /** The class name the jar's {@value #APPLICATION_RESOURCE} holds (its first line). */
    static String application(ClassLoader loader) throws IOException {
        InputStream in = loader.getResourceAsStream(APPLICATION_RESOURCE);
        if (in == null) {
            throw new IllegalStateException(APPLICATION_RESOURCE + " is missing from the jar");
        }
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line = reader.readLine();
            if (line == null || line.trim().isEmpty()) {
                throw new IllegalStateException(APPLICATION_RESOURCE + " is empty");
            }
            return line.trim();
        }
    }

    /** 8 for "1.8", 17 for "17"; 0 when unreadable, which counts as too old. */
    static int feature(String specificationVersion) {
        if (specificationVersion == null) {
            return 0;
        }
        String version = specificationVersion.startsWith("1.") ? specificationVersion.substring(2) : specificationVersion;
        int dot = version.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String message(int feature, String javaHome, String jar) {
        return "Stevedore needs Java " + REQUIRED + " or newer; this is Java " + feature + " (" + javaHome + ")."
                + " Run it with a Java " + REQUIRED + "+ instead: <JDK " + REQUIRED + "+>/bin/java -jar " + jar;
    }

    /** The jar as it was given to {@code java -jar}, from the launch command. */
    private static String jar() {
        String command = System.getProperty("sun.java.command", "");
        String first = command.split(" ", 2)[0];
        return first.endsWith(".jar") ? first : "<the jar>";
    }
}
