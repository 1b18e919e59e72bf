package io.stevedore.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JavaVersionCheckTest {

    @Test
    void featureVersionIsReadFromOldAndNewSpecificationVersions() {
        assertThat(JavaVersionCheck.feature("1.8")).isEqualTo(8);
        assertThat(JavaVersionCheck.feature("17")).isEqualTo(17);
        assertThat(JavaVersionCheck.feature("25")).isEqualTo(25);
        assertThat(JavaVersionCheck.feature("21.0.1")).isEqualTo(21);
    }

    @Test
    void anUnreadableVersionCountsAsTooOld() {
        assertThat(JavaVersionCheck.feature(null)).isZero();
        assertThat(JavaVersionCheck.feature("x")).isZero();
    }

    @Test
    void messageSaysWhichJavaIsNeededAndHowToRunTheJar() {
        assertThat(JavaVersionCheck.message(17, "/usr/lib/jvm/java-17", "build-service.jar"))
                .isEqualTo("Stevedore needs Java 21 or newer; this is Java 17 (/usr/lib/jvm/java-17)."
                        + " Run it with a Java 21+ instead: <JDK 21+>/bin/java -jar build-service.jar");
    }

    @Test
    void theApplicationIsTheFirstLineOfTheJarsResource() throws Exception {
        assertThat(JavaVersionCheck.application(loaderWith("io.example.Main\n"))).isEqualTo("io.example.Main");
        assertThatThrownBy(() -> JavaVersionCheck.application(loaderWith("\n")))
                .hasMessageContaining("META-INF/stevedore-application is empty");
        assertThatThrownBy(() -> JavaVersionCheck.application(new ClassLoader(null) { }))
                .hasMessageContaining("META-INF/stevedore-application is missing");
    }

    private static ClassLoader loaderWith(String content) {
        return new ClassLoader(null) {
            @Override
            public InputStream getResourceAsStream(String name) {
                return name.equals(JavaVersionCheck.APPLICATION_RESOURCE)
                        ? new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)) : null;
            }
        };
    }
}
