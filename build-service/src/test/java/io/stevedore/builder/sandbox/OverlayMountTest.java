package io.stevedore.builder.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OverlayMountTest {

    @TempDir
    Path dir;

    @BeforeEach
    void needsOverlay() throws IOException {
        TestRootfs.assumeOverlay();
    }

    @Test
    void upperLayersHideLowerOnesInListOrder() throws IOException {
        Path top = layer("top", "same", "from top");
        Path bottom = layer("bottom", "same", "from bottom");
        Files.writeString(bottom.resolve("only-bottom"), "b");
        try (OverlayMount overlay = writable(List.of(top, bottom))) {
            assertThat(Files.readString(overlay.merged().resolve("same"))).isEqualTo("from top");
            assertThat(overlay.merged().resolve("only-bottom")).exists();
        }
    }

    @Test
    void writesLandInTheUpperAndDeletionsBecomeWhiteouts() throws IOException {
        Path lower = layer("lower", "doomed", "x");
        try (OverlayMount overlay = writable(List.of(lower))) {
            Files.writeString(overlay.merged().resolve("new"), "fresh");
            Files.delete(overlay.merged().resolve("doomed"));

            assertThat(Files.readString(overlay.upper().resolve("new"))).isEqualTo("fresh");
            assertThat(TestRootfs.isWhiteout(overlay.upper().resolve("doomed"))).isTrue();
            assertThat(lower.resolve("doomed")).exists();
        }
    }

    @Test
    void noLayersGiveAnEmptyWritableRoot() throws IOException {
        try (OverlayMount overlay = writable(List.of())) {
            try (var entries = Files.list(overlay.merged())) {
                assertThat(entries).isEmpty();
            }
            Files.writeString(overlay.merged().resolve("file"), "x");
            assertThat(overlay.upper().resolve("file")).exists();
        }
    }

    @Test
    void aHundredLayersWithLongPathsMount() throws IOException {
        Path deep = dir.resolve("a-rather-long-directory-name-for-extracted-layers/sha256");
        List<Path> lowers = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            Path layer = Files.createDirectories(deep.resolve("%064x".formatted(i)));
            Files.writeString(layer.resolve("file-" + i), Integer.toString(i));
            lowers.add(layer);
        }
        try (OverlayMount overlay = writable(lowers)) {
            for (int i = 0; i < 120; i++) {
                assertThat(Files.readString(overlay.merged().resolve("file-" + i))).isEqualTo(Integer.toString(i));
            }
        }
    }

    @Test
    void readOnlyMountShowsTheLayersAndRefusesWrites() throws IOException {
        Path lower = layer("stage", "built", "artifact");
        try (OverlayMount overlay = OverlayMount.mountReadOnly(List.of(lower), dir.resolve("view"))) {
            assertThat(overlay.readOnly()).isTrue();
            assertThat(Files.readString(overlay.merged().resolve("built"))).isEqualTo("artifact");
            assertThatThrownBy(() -> Files.writeString(overlay.merged().resolve("other"), "x"))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void closeUnmounts() throws IOException {
        OverlayMount overlay = writable(List.of(layer("lower", "f", "x")));
        assertThat(TestRootfs.isMounted(overlay.merged())).isTrue();
        overlay.close();
        assertThat(TestRootfs.isMounted(overlay.merged())).isFalse();
    }

    @Test
    void closeOfABusyMountDetachesItWithoutThrowing() throws IOException {
        OverlayMount overlay = writable(List.of(layer("lower", "f", "x")));
        try (InputStream stillOpen = Files.newInputStream(overlay.merged().resolve("f"))) {
            overlay.close();
            assertThat(TestRootfs.isMounted(overlay.merged())).isFalse();
            assertThat(stillOpen.read()).isEqualTo('x');
        }
    }

    @Test
    void missingLowerDirIsAClearError() {
        assertThatThrownBy(() -> writable(List.of(dir.resolve("absent"))))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("absent");
    }

    private OverlayMount writable(List<Path> lowers) {
        return OverlayMount.mount(lowers, dir.resolve("upper"), dir.resolve("work"), dir.resolve("merged"));
    }

    private Path layer(String name, String file, String content) throws IOException {
        Path layer = Files.createDirectories(dir.resolve(name));
        Files.writeString(layer.resolve(file), content);
        return layer;
    }
}
