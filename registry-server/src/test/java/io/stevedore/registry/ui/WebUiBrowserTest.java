package io.stevedore.registry.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The Web UI's repository, image, organization, token, build and audit pages in a real browser;
 * see {@link BrowserTestSupport}.
 */
class WebUiBrowserTest extends BrowserTestSupport {

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
    void imageDetailShowsThePlatformsOfAnIndexAndTheHistoryOfEachFromTheImagesApi() {
        TestUser gina = newUser("gina");
        String repository = gina.name() + "/multi";
        Pushed amd64 = pushImageWithHistory(gina, repository, null, "amd64", "RUN make amd64");
        Pushed arm64 = pushImageWithHistory(gina, repository, null, "arm64", "RUN make arm64");
        Pushed index = pushIndex(gina, repository, "1.0", Map.of("amd64", amd64, "arm64", arm64));

        logIn(gina);
        click(By.linkText(repository));
        assertThat(text(By.id("tags"))).contains("1.0").contains("linux/amd64, linux/arm64");
        click(By.linkText("1.0"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("digest"), index.digest()));
        assertThat(text(By.id("platforms"))).contains("linux/amd64").contains("linux/arm64")
                .contains(amd64.digest().substring(0, 19)).contains(arm64.digest().substring(0, 19));
        assertThat(text(By.id("config"))).as("linux/amd64 by default").contains("linux/amd64");
        assertThat(text(By.id("history"))).contains("RUN make amd64").doesNotContain("arm64");
        assertThat(browser.findElements(By.cssSelector("#layers tbody tr"))).hasSize(2);

        click(By.linkText("Inspect linux/arm64"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("history"), "RUN make arm64"));
        List<WebElement> rows = browser.findElements(By.cssSelector("#history tbody tr"));
        assertThat(rows).hasSize(3);
        assertThat(rows.getFirst().getText()).contains("CMD [\"sh\"]").contains("0 B");
        assertThat(text(By.id("config"))).contains("linux/arm64");
        assertThat(text(By.id("platforms"))).contains("shown below");
        screenshot("image-index");
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
}
