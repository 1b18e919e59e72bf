package io.stevedore.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class PlatformTest {

    private static Platform platform(String os, String architecture, String variant) {
        return new Platform(architecture, os, variant, null, List.of());
    }

    @Test
    void parsesTheFormsDockerAccepts() {
        assertThat(Platform.parse("linux/amd64")).isEqualTo(Platform.of("linux", "amd64"));
        assertThat(Platform.parse("arm64")).isEqualTo(Platform.of("linux", "arm64"));
        assertThat(Platform.parse(" Linux/ARM/v6 ")).isEqualTo(platform("linux", "arm", "v6"));
        assertThat(Platform.parse("windows/amd64")).isEqualTo(Platform.of("windows", "amd64"));
    }

    @Test
    void normalisesArchitectureAliasesAndDefaultVariantsAsContainerdDoes() {
        assertThat(Platform.parse("linux/x86_64")).isEqualTo(Platform.of("linux", "amd64"));
        assertThat(Platform.parse("linux/x86-64")).isEqualTo(Platform.of("linux", "amd64"));
        assertThat(Platform.parse("linux/aarch64")).isEqualTo(Platform.of("linux", "arm64"));
        assertThat(Platform.parse("linux/arm64/v8")).isEqualTo(Platform.of("linux", "arm64"));
        assertThat(Platform.parse("linux/amd64/v1")).isEqualTo(Platform.of("linux", "amd64"));
        assertThat(Platform.parse("linux/amd64/v3")).isEqualTo(platform("linux", "amd64", "v3"));
        assertThat(Platform.parse("linux/arm")).isEqualTo(platform("linux", "arm", "v7"));
        assertThat(Platform.parse("linux/armhf")).isEqualTo(platform("linux", "arm", "v7"));
        assertThat(Platform.parse("linux/armel")).isEqualTo(platform("linux", "arm", "v6"));
        assertThat(Platform.parse("linux/i686")).isEqualTo(Platform.of("linux", "386"));
        assertThat(Platform.parse("linux/riscv64")).isEqualTo(Platform.of("linux", "riscv64"));
    }

    @Test
    void normalisedDropsOsVersionAndFeaturesAndDefaultsTheOs() {
        Platform windows = new Platform("x86_64", "windows", null, "10.0.17763", List.of("win32k"));
        assertThat(windows.normalised()).isEqualTo(Platform.of("windows", "amd64"));
        assertThat(new Platform("aarch64", null, null, null, null).normalised()).isEqualTo(Platform.of("linux", "arm64"));
    }

    @Test
    void malformedPlatformsAreRejectedWithTheText() {
        assertThatThrownBy(() -> Platform.parse("linux/arm/v7/extra")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid platform \"linux/arm/v7/extra\": expected os/arch[/variant]");
        assertThatThrownBy(() -> Platform.parse("/amd64")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Platform.parse("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aListKeepsOrderAndDropsRepeatsAfterNormalising() {
        assertThat(Platform.parseList("linux/amd64, linux/arm64,linux/x86_64,,linux/aarch64/v8"))
                .containsExactly(Platform.of("linux", "amd64"), Platform.of("linux", "arm64"));
        assertThatThrownBy(() -> Platform.parseList(" , ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--platform names no platform");
    }

    @Test
    void anIndexEntryServesTheWantedPlatformWhenOsArchitectureAndAnyWantedVariantAgree() {
        Platform arm64 = Platform.of("linux", "arm64");
        assertThat(Platform.matches(arm64, platform("linux", "aarch64", "v8"))).isTrue();
        assertThat(Platform.matches(arm64, Platform.of("linux", "amd64"))).isFalse();
        assertThat(Platform.matches(arm64, null)).isFalse();
        assertThat(Platform.matches(Platform.of("linux", "amd64"), platform("linux", "amd64", "v3"))).isTrue();
        Platform armV7 = platform("linux", "arm", "v7");
        assertThat(Platform.matches(armV7, Platform.of("linux", "arm"))).isTrue();
        assertThat(Platform.matches(armV7, platform("linux", "arm", "v6"))).isFalse();
    }

    @Test
    void printsAsOsArchitectureAndVariant() {
        assertThat(Platform.parse("linux/arm").toString()).isEqualTo("linux/arm/v7");
        assertThat(Platform.parse("linux/amd64").toString()).isEqualTo("linux/amd64");
    }
}
