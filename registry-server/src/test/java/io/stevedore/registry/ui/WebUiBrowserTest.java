package io.stevedore.registry.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Web UI in a real headless chromium (Debian's chromium and chromium-driver) against a real
 * server with authentication on. Skipped when either program is missing. With
 * {@code -Dstevedore.ui.screenshots=DIR} the main pages are saved as PNGs there (docs/ui).
 */
class WebUiBrowserTest extends AuthRegistryTestSupport {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static ChromeDriver browser;
    private static WebDriverWait wait;

    @BeforeAll
    static void startBrowser() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the Web UI tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,900",
                "--lang=en-US");
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
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

    @Test
    void userFindsPushedImageReadsItsHistoryRetagsAndDeletesItAfterConfirming() {
        TestUser alice = newUser("alice");
        String repository = alice.name() + "/web";
        String digest = pushImageWithHistory(alice, repository, "1.0");

        logIn(alice);
        screenshot("repositories");
        type(By.id("repo-search"), "web");
        click(By.cssSelector("form[role=search] button"));
        click(By.linkText(repository));
        WebElement tags = visible(By.id("tags"));
        assertThat(tags.getText()).contains("1.0");
        screenshot("tags");

        click(By.linkText("1.0"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("digest"), digest));
        WebElement history = visible(By.id("history"));
        List<WebElement> rows = history.findElements(By.cssSelector("tbody tr"));
        assertThat(rows).hasSize(3);
        assertThat(rows.getFirst().getText()).as("newest first, as docker history").contains("CMD [\"sh\"]").contains("0 B");
        assertThat(rows.get(1).getText()).contains("RUN echo hello > /hello");
        assertThat(rows.getLast().getText()).contains("ADD rootfs.tar /");
        assertThat(text(By.id("pull-command"))).isEqualTo("docker pull " + authRegistryHost() + "/" + repository + ":1.0");
        assertThat(text(By.id("config"))).contains("linux/amd64").contains("PATH=/bin");
        screenshot("image");

        type(By.id("retag-tag"), "stable");
        click(By.id("retag-submit"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Tagged " + repository + ":stable"));
        assertThat(get("/v2/" + repository + "/manifests/stable", "Authorization", alice.basic(),
                "Accept", "application/vnd.oci.image.manifest.v1+json").header("Docker-Content-Digest")).isEqualTo(digest);

        click(By.id("delete-tag"));
        click(By.id("confirm-cancel"));
        assertThat(get("/v2/" + repository + "/manifests/stable", "Authorization", alice.basic()).status())
                .as("cancelled: the tag stays").isEqualTo(200);
        click(By.id("delete-tag"));
        screenshot("delete-confirmation");
        click(By.id("confirm-ok"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Deleted tag " + repository + ":stable"));
        assertThat(get("/v2/" + repository + "/manifests/stable", "Authorization", alice.basic()).status()).isEqualTo(404);
        assertThat(visible(By.id("tags")).getText()).contains("1.0").doesNotContain("stable");
    }

    @Test
    void organizationAndRobotAreCreatedAndTheRobotTokenIsShownOnce() {
        TestUser bob = newUser("bob");
        String org = "org-" + UUID.randomUUID().toString().substring(0, 8);
        logIn(bob);
        click(By.linkText("Organizations"));
        type(By.id("org-name"), org);
        click(By.id("org-create"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Organization " + org));
        type(By.id("robot-name"), "ci");
        click(By.id("robot-name-submit"));
        String token = visible(By.cssSelector("#robot-secret code.token")).getText();
        assertThat(text(By.id("robots"))).contains(org + "+ci");
        screenshot("organization");
        assertThat(api("GET", "/v2/", null, basic(org + "+ci", token)).status()).as("the token shown works").isEqualTo(200);

        browser.navigate().refresh();
        visible(By.id("robots"));
        assertThat(browser.findElements(By.id("robot-secret"))).as("shown once only").isEmpty();
        assertThat(browser.getPageSource()).doesNotContain(token);
    }

    @Test
    void privateRepositoryDisappearsForAnotherUser() {
        TestUser carol = newUser("carol");
        TestUser dave = newUser("dave");
        String repository = carol.name() + "/shared";
        pushImageWithHistory(carol, repository, "1");
        setVisibility(carol, repository, "public");

        logIn(dave);
        visible(By.id("repositories"));
        assertThat(browser.findElements(By.linkText(repository))).as("public at first").hasSize(1);
        logOutInBrowser();

        logIn(carol);
        click(By.linkText(repository));
        new org.openqa.selenium.support.ui.Select(visible(By.id("visibility"))).selectByValue("private");
        click(By.id("visibility-save"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), repository + " is now private"));
        logOutInBrowser();

        logIn(dave);
        visible(By.id("repositories"));
        assertThat(browser.findElements(By.linkText(repository))).as("private now").isEmpty();
    }

    @Test
    void buildStartedFromAnUploadedContextIsFollowedAndCancelled(@TempDir Path dir) throws IOException {
        TestUser erin = newUser("erin");
        Path context = dir.resolve("context.tar");
        Files.write(context, tar(Map.of("Dockerfile", "FROM busybox\nRUN echo hi\n")));
        logIn(erin);
        click(By.linkText("Builds"));
        type(By.id("builds-repository"), erin.name() + "/app");
        click(By.cssSelector("main form button"));
        visible(By.id("builds"));
        visible(By.id("build-context")).sendKeys(context.toString());
        click(By.id("build-submit"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("build-status"), "queued"));
        screenshot("build");
        click(By.id("build-cancel"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("build-status"), "cancelled"));
        click(By.linkText(erin.name() + "/app"));
        assertThat(visible(By.id("builds")).getText()).contains("cancelled").contains(erin.name() + "/app:latest");
    }

    @Test
    void siteAdminReadsTheAuditLogAndTokensPageWorksAtPhoneWidth() {
        TestUser frank = newUser("frank");
        browser.manage().window().setSize(new Dimension(400, 800));
        logIn(frank);
        click(By.linkText("Access tokens"));
        type(By.id("token-name"), "laptop");
        click(By.id("token-name-submit"));
        assertThat(visible(By.cssSelector("#token-secret code.token")).getText()).startsWith("");
        assertThat(((Number) ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth - window.innerWidth")).intValue())
                .as("no horizontal scrolling at 400 px").isLessThanOrEqualTo(0);
        screenshot("tokens-narrow");
        logOutInBrowser();

        browser.manage().window().setSize(new Dimension(1200, 900));
        logIn(new TestUser("admin", adminPassword()));
        click(By.linkText("Audit log"));
        assertThat(visible(By.id("audit")).getText()).contains("access-token.created").contains(frank.name());
        screenshot("audit");
    }

    @Test
    void uiPagesCarrySecurityHeadersAndTheApisStillAnswer() {
        Response index = get("/");
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.body()).contains("<script type=\"module\" src=\"ui/app.js\"></script>");
        assertThat(index.header("Content-Security-Policy")).contains("script-src 'self'").contains("frame-ancestors 'none'");
        assertThat(index.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(get("/ui/app.js").header("Cache-Control")).isEqualTo("no-cache");
        Response v2 = get("/v2/");
        assertThat(v2.status()).isEqualTo(401);
        assertThat(v2.header("WWW-Authenticate")).startsWith("Bearer ");
        assertThat(v2.header("Content-Security-Policy")).isNull();
        assertThat(get("/api/v1/orgs").status()).isEqualTo(401);
    }

    private void logIn(TestUser user) {
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

    private void logOutInBrowser() {
        click(By.id("logout"));
        visible(By.id("login-form"));
    }

    private static WebElement visible(By by) {
        try {
            return wait.until(ExpectedConditions.visibilityOfElementLocated(by));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("not visible: " + by + "\nbrowser console: " + browser.manage().logs()
                    .get("browser").getAll() + "\npage: " + browser.getPageSource(), e);
        }
    }

    private static String text(By by) {
        return visible(by).getText();
    }

    private static void click(By by) {
        wait.until(ExpectedConditions.elementToBeClickable(by)).click();
    }

    private static void type(By by, String text) {
        WebElement input = visible(by);
        input.clear();
        input.sendKeys(text);
    }

    private static void screenshot(String name) {
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

    /** An image with one layer and a history of three steps, the last one making no layer. */
    private static String pushImageWithHistory(TestUser user, String repository, String tag) {
        byte[] layer = tar(Map.of("hello", "hello\n"));
        String layerDigest = sha256(layer);
        Map<String, Object> config = Map.of("architecture", "amd64", "os", "linux",
                "created", "2024-01-01T00:00:00Z",
                "config", Map.of("Env", List.of("PATH=/bin"), "Cmd", List.of("sh")),
                "rootfs", Map.of("type", "layers", "diff_ids", List.of(layerDigest, layerDigest)),
                "history", List.of(
                        Map.of("created", "2024-01-01T00:00:00Z", "created_by", "ADD rootfs.tar /"),
                        Map.of("created", "2024-01-01T00:00:00Z", "created_by", "RUN echo hello > /hello"),
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
        Response put = send("PUT", "/v2/" + repository + "/manifests/" + tag, manifest,
                "Authorization", user.basic(), "Content-Type", "application/vnd.oci.image.manifest.v1+json");
        assertThat(put.status()).as(put.body()).isEqualTo(201);
        return sha256(manifest);
    }

    private static byte[] tar(Map<String, String> files) {
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
