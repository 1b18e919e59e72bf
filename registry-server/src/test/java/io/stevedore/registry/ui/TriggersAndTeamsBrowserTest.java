package io.stevedore.registry.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/** Build triggers on the builds page, webhooks, and an organization's team pages, in a real browser. */
class TriggersAndTeamsBrowserTest extends BrowserTestSupport {

    @Test
    void triggerIsCreatedAndItsWebhookSecretIsShownOnce() throws Exception {
        TestUser lena = newUser("lena");
        String repository = lena.name() + "/app";
        String gitUrl = "https://git.example.com/" + lena.name() + "/app.git";
        logIn(lena);
        click(By.linkText("Builds"));
        type(By.id("builds-repository"), repository);
        click(By.cssSelector("main form button"));
        visible(By.id("triggers"));
        type(By.id("trigger-git-url"), gitUrl);
        type(By.id("trigger-tags"), "v*");
        click(By.id("trigger-create"));

        String secret = visible(By.cssSelector("#trigger-secret code.token")).getText();
        String github = browser.findElements(By.cssSelector("#trigger-webhooks code.webhook-url")).stream()
                .map(e -> e.getText()).filter(url -> url.endsWith("/webhook/github")).findFirst().orElseThrow();
        assertThat(text(By.id("triggers"))).contains(gitUrl).contains("branch main").contains("tag v*");
        screenshot("triggers");

        byte[] ping = "{\"zen\":\"hello\"}".getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        Response delivered = send("POST", github, ping, "Content-Type", "application/json", "X-GitHub-Event", "ping",
                "X-GitHub-Delivery", "ui-test", "X-Hub-Signature-256", "sha256=" + HexFormat.of().formatHex(mac.doFinal(ping)));
        assertThat(delivered.status()).as("the secret shown signs deliveries: %s", delivered.body()).isEqualTo(200);

        browser.navigate().refresh();
        assertThat(text(By.id("triggers"))).contains(gitUrl);
        assertThat(browser.findElements(By.id("trigger-secret"))).as("shown once only").isEmpty();
        assertThat(browser.getPageSource()).doesNotContain(secret);
    }

    @Test
    void webhookIsCreatedForANamespaceAndItsSigningSecretIsShownOnce() {
        TestUser olga = newUser("olga");
        String target = "http://127.0.0.1:9/hooks/" + olga.name();
        logIn(olga);
        browser.get(authRegistryUrl() + "/#/webhooks?namespace=" + olga.name());
        type(By.id("webhook-url"), target);
        click(By.id("webhook-create"));
        String secret = visible(By.cssSelector("#webhook-secret code.token")).getText();
        assertThat(secret).isNotBlank();
        assertThat(text(By.id("webhooks"))).contains(target).contains("push").contains("enabled");
        screenshot("webhooks");
        assertThat(api(200, "GET", "/api/v1/webhooks?namespace=" + olga.name(), null, olga.basic()).json()
                .get(0).get("url").asString()).isEqualTo(target);

        browser.navigate().refresh();
        assertThat(text(By.id("webhooks"))).contains(target);
        assertThat(browser.findElements(By.id("webhook-secret"))).as("shown once only").isEmpty();
        assertThat(browser.getPageSource()).doesNotContain(secret);
    }

    @Test
    void teamMemberIsAddedAndGivenWriteOnARepository() {
        TestUser mia = newUser("mia");
        TestUser nick = newUser("nick");
        String org = newOrganization("crew", mia);
        String repository = org + "/app";
        assertThat(send("POST", "/v2/" + repository + "/blobs/uploads/", null, "Authorization", nick.basic()).status())
                .as("no access before").isIn(401, 403);

        logIn(mia);
        click(By.linkText("Organizations"));
        click(By.linkText(org));
        type(By.id("team-name"), "devs");
        click(By.id("team-name-submit"));
        click(By.linkText("devs"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Team devs of " + org));
        type(By.id("team-member"), nick.name());
        click(By.id("team-member-submit"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("team-members"), nick.name()));

        type(By.id("grant-repository"), "app");
        new Select(visible(By.id("grant-role"))).selectByValue("write");
        click(By.id("grant-submit"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("team-permissions"), repository));
        assertThat(text(By.id("team-permissions"))).contains("write");
        screenshot("team");

        pushImage(nick.basic(), repository, "1"); // asserts the push is accepted
    }
}
