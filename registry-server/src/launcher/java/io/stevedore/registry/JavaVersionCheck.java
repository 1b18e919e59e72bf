package io.stevedore.registry;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The jar's Start-Class: on a Java older than 21 it says in one line which Java Stevedore needs
 * and exits 1, instead of the UnsupportedClassVersionError stack trace that loading the
 * application would end in; on 21 or newer it starts {@code StevedoreApplication}.
 *
 * <p>Compiled for Java 8 on its own (src/launcher/java, see the pom), so that an old JVM can load
 * it; it names the application only by string and uses nothing newer than Java 8.
 */
public final class JavaVersionCheck {
    static final int REQUIRED = 21;
    private static final String APPLICATION = "io.stevedore.registry.StevedoreApplication";

    private JavaVersionCheck() {
    }

    public static void main(String[] args) throws Throwable {
        int feature = feature(System.getProperty("java.specification.version"));
        if (feature < REQUIRED) {
            System.err.println(message(feature, System.getProperty("java.home"), jar()));
            System.exit(1);
        }
        Method main = Class.forName(APPLICATION, true, Thread.currentThread().getContextClassLoader())
                .getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause(); // the application's own failure, as if it had been called directly
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
        return first.endsWith(".jar") ? first : "registry-server.jar";
    }
}
