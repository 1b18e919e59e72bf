package io.stevedore.registry.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/** Storage usage and quotas, garbage collection, retention and immutable tags in a real browser. */
class StoragePagesBrowserTest extends BrowserTestSupport {

    @Test
    void siteAdminSeesUsageAndSetsAQuota() {
        TestUser henry = newUser("henry");
        pushImageWithHistory(henry, henry.name() + "/app", "1");

        logIn(admin());
        click(By.linkText("Storage"));
        assertThat(text(By.id("site-usage"))).contains(henry.name());
        type(By.id("usage-namespace"), henry.name());
        click(By.cssSelector("main form button"));
        assertThat(text(By.id("namespace-usage"))).contains(henry.name() + "/app");
        assertThat(text(By.id("usage-bytes"))).isNotEqualTo("0 B");
        assertThat(text(By.id("quota-bytes"))).isEqualTo("none");

        type(By.id("quota-amount"), "1");
        new Select(visible(By.id("quota-unit"))).selectByValue("GB");
        click(By.id("quota-save"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"),
                "Quota of " + henry.name() + " set to 1.0 GB"));
        assertThat(text(By.id("quota-bytes"))).isEqualTo("1.0 GB");
        visible(By.id("quota-meter"));
        assertThat(api(200, "GET", "/api/v1/namespaces/" + henry.name() + "/quota", null, adminBasic()).json()
                .get("limitBytes").asLong()).isEqualTo(1_000_000_000L);
        screenshot("usage");
    }

    @Test
    void userSeesTheUsageOfTheirNamespaceButNoQuotaForm() {
        TestUser iris = newUser("iris");
        pushImageWithHistory(iris, iris.name() + "/app", "1");
        logIn(iris);
        click(By.linkText("Storage"));
        assertThat(text(By.id("namespace-usage"))).contains(iris.name() + "/app");
        assertThat(browser.findElements(By.id("quota-save"))).isEmpty();
        assertThat(browser.findElements(By.id("site-usage"))).isEmpty();
        assertThat(browser.findElement(By.id("nav-gc")).isDisplayed()).as("GC is for site admins").isFalse();
    }

    @Test
    void siteAdminStartsAGarbageCollectionAndSeesTheRunListed() {
        logIn(admin());
        click(By.linkText("Garbage collection"));
        visible(By.id("gc-runs"));
        click(By.id("gc-start"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("gc-progress"), "finished"));
        String run = text(By.id("gc-progress")).replaceAll("^Run #(\\d+) finished.*", "$1");
        List<WebElement> rows = browser.findElements(By.cssSelector("#gc-runs tbody tr"));
        assertThat(rows.getFirst().getText()).startsWith("#" + run).contains("api by admin").doesNotContain("running");
        screenshot("gc");
    }

    @Test
    void retentionDryRunListsTheTagsItWouldDeleteAndDeletesNothing() {
        TestUser jane = newUser("jane");
        String repository = jane.name() + "/app";
        for (String tag : List.of("1", "2", "3")) {
            pushImageWithHistory(jane, repository, tag);
        }
        logIn(jane);
        click(By.linkText(repository));
        click(By.linkText("Retention and immutable tags"));
        assertThat(text(By.id("retention-policy"))).contains("No retention policy");
        type(By.id("retention-keep"), "* 1");
        click(By.id("retention-save"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Retention policy of " + repository + " saved"));
        assertThat(text(By.id("retention-policy"))).contains("last 1 of *");

        click(By.id("retention-dry-run"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("retention-summary"), "would be deleted"));
        assertThat(text(By.id("retention-summary"))).startsWith("2 tags and");
        List<String> tags = browser.findElements(By.cssSelector("#retention-tags tbody tr td:nth-child(2)")).stream()
                .map(WebElement::getText).toList();
        assertThat(tags).containsExactly("1", "2");
        assertThat(get("/v2/" + repository + "/tags/list", "Authorization", jane.basic()).body())
                .as("a dry run deletes nothing").contains("\"1\"").contains("\"2\"").contains("\"3\"");
        screenshot("retention");
    }

    @Test
    void immutableTagRuleIsCreated() {
        TestUser kate = newUser("kate");
        String repository = kate.name() + "/app";
        pushImageWithHistory(kate, repository, "v1");
        logIn(kate);
        browser.get(authRegistryUrl() + "/#/retention?repository=" + repository);
        type(By.id("immutable-patterns"), "v*, release-*");
        click(By.id("immutable-save"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("immutable-rules"), "Immutable here: v*, release-*"));
        assertThat(api(200, "GET", "/api/v1/immutable-tags/repositories/" + repository, null, kate.basic()).json()
                .get("patterns").toString()).isEqualTo("[\"v*\",\"release-*\"]");
        assertThat(send("DELETE", "/v2/" + repository + "/manifests/v1", null, "Authorization", kate.basic()).status())
                .as("the immutable tag stays").isNotIn(200, 202, 204);
    }

    private static TestUser admin() {
        return new TestUser("admin", adminPassword());
    }
}
