package io.stevedore.registry.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.registry.AuthRegistryTestSupport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless chromium (Debian's chromium and chromium-driver) against the real server of
 * {@link AuthRegistryTestSupport} (authentication on), with the helpers the Web UI tests share.
 * Tests are skipped when either program is missing. With {@code -Dstevedore.ui.screenshots=DIR}
 * the pages a test names are saved as PNGs there (docs/ui).
 */
abstract class BrowserTestSupport extends AuthRegistryTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(20);

    protected static ChromeDriver browser;
    protected static WebDriverWait wait;

    @BeforeAll
    static void startBrowser() {
        browser = Chromium.start();
        wait = new WebDriverWait(browser, WAIT);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @AfterEach
    void logOut() {
        if (browser != null) {
            browser.manage().window().setSize(new Dimension(1200, 900));
            browser.get(authRegistryUrl() + "/");
            browser.executeScript("sessionStorage.clear()");
        }
    }

    protected static void logIn(TestUser user) {
        browser.get(authRegistryUrl() + "/");
        type(By.id("username"), user.name());
        type(By.id("password"), user.password());
        if (user.name().startsWith("alice")) {
            screenshot("login");
        }
        click(By.id("login-submit"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), user.name()));
        visible(By.id("repositories"));
    }

    protected static void logOutInBrowser() {
        click(By.id("logout"));
        visible(By.id("login-form"));
    }

    protected static WebElement visible(By by) {
        try {
            return wait.until(ExpectedConditions.visibilityOfElementLocated(by));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("not visible: " + by + "\nbrowser console: " + browser.manage().logs()
                    .get("browser").getAll() + "\npage: " + browser.getPageSource(), e);
        }
    }

    protected static String text(By by) {
        return visible(by).getText();
    }

    protected static void click(By by) {
        wait.until(ExpectedConditions.elementToBeClickable(by)).click();
    }

    protected static void type(By by, String text) {
        WebElement input = visible(by);
        input.clear();
        input.sendKeys(text);
    }

    protected static void screenshot(String name) {
        String dir = System.getProperty("stevedore.ui.screenshots");
        if (dir == null || dir.isBlank()) {
            return;
        }
        try {
            Files.createDirectories(Path.of(dir));
            Files.write(Path.of(dir, name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A manifest as pushed: its digest and size, for an index to list it. */
    protected record Pushed(String digest, int size) {
    }

    /** An image with one layer and a history of three steps, the last one making no layer. */
    protected static String pushImageWithHistory(TestUser user, String repository, String tag) {
        return pushImageWithHistory(user, repository, tag, "amd64", "RUN echo hello > /hello").digest();
    }

    /**
     * A linux image of {@code architecture} whose history is {@code ADD rootfs.tar /}, {@code runStep}
     * (each making a layer) and {@code CMD ["sh"]} (no layer); pushed under {@code reference}, or
     * by digest when it is null.
     */
    protected static Pushed pushImageWithHistory(TestUser user, String repository, String reference,
                                                 String architecture, String runStep) {
        byte[] layer = tar(Map.of("hello", "hello " + architecture + "\n"));
        String layerDigest = sha256(layer);
        Map<String, Object> config = Map.of("architecture", architecture, "os", "linux",
                "created", "2024-01-01T00:00:00Z",
                "config", Map.of("Env", List.of("PATH=/bin"), "Cmd", List.of("sh")),
                "rootfs", Map.of("type", "layers", "diff_ids", List.of(layerDigest, layerDigest)),
                "history", List.of(
                        Map.of("created", "2024-01-01T00:00:00Z", "created_by", "ADD rootfs.tar /"),
                        Map.of("created", "2024-01-01T00:00:00Z", "created_by", runStep),
                        Map.of("created", "2024-01-01T00:00:00Z", "created_by", "CMD [\"sh\"]", "empty_layer", true)),
                "nonce", UUID.randomUUID().toString());
        byte[] configBytes = Json.MAPPER.writeValueAsBytes(config);
        for (byte[] blob : List.of(layer, configBytes)) {
            Response pushed = send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + sha256(blob), blob,
                    "Authorization", user.basic(), "Content-Type", "application/octet-stream");
            assertThat(pushed.status()).as(pushed.body()).isIn(201, 202);
        }
        String layerDescriptor = "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layerDigest
                + "\",\"size\":" + layer.length + "}";
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                + sha256(configBytes) + "\",\"size\":" + configBytes.length + "},\"layers\":[" + layerDescriptor + ","
                + layerDescriptor + "]}").getBytes(StandardCharsets.UTF_8);
        return putManifest(user, repository, reference, "application/vnd.oci.image.manifest.v1+json", manifest);
    }

    /** An OCI index of linux images, one per architecture, tagged {@code tag}. */
    protected static Pushed pushIndex(TestUser user, String repository, String tag, Map<String, Pushed> byArchitecture) {
        List<Map<String, Object>> manifests = byArchitecture.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> Map.<String, Object>of("mediaType", "application/vnd.oci.image.manifest.v1+json",
                        "digest", e.getValue().digest(), "size", e.getValue().size(),
                        "platform", Map.of("os", "linux", "architecture", e.getKey())))
                .toList();
        byte[] index = Json.MAPPER.writeValueAsBytes(Map.of("schemaVersion", 2,
                "mediaType", "application/vnd.oci.image.index.v1+json", "manifests", manifests));
        return putManifest(user, repository, tag, "application/vnd.oci.image.index.v1+json", index);
    }

    private static Pushed putManifest(TestUser user, String repository, String reference, String mediaType,
                                      byte[] manifest) {
        Response put = send("PUT", "/v2/" + repository + "/manifests/" + (reference == null ? sha256(manifest) : reference),
                manifest,
                "Authorization", user.basic(), "Content-Type", mediaType);
        assertThat(put.status()).as(put.body()).isEqualTo(201);
        return new Pushed(sha256(manifest), manifest.length);
    }

    protected static byte[] tar(Map<String, String> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                byte[] content = file.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
                entry.setSize(content.length);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
