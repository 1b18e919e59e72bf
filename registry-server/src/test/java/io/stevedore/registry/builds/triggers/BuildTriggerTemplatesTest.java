package io.stevedore.registry.builds.triggers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stevedore.registry.api.ApiException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tag templates and ref patterns, which decide what a push builds and how it is tagged. */
class BuildTriggerTemplatesTest {
    private static final String SHA = "89abcdef0123456789abcdef0123456789abcdef";

    @Test
    void templatesRenderWhatThePushHasAndSkipWhatItLacks() {
        WebhookEvent.Push branch = new WebhookEvent.Push("refs/heads/feature/Login+SSO", SHA, "main");
        WebhookEvent.Push tag = new WebhookEvent.Push("refs/tags/v1.2.3", SHA, "main");
        assertThat(TagTemplates.render("{branch}", branch)).contains("feature-Login-SSO");
        assertThat(TagTemplates.render("{tag}", branch)).isEmpty();
        assertThat(TagTemplates.render("{tag}", tag)).contains("v1.2.3");
        assertThat(TagTemplates.render("release-{tag}", tag)).contains("release-v1.2.3");
        assertThat(TagTemplates.render("{branch}", tag)).isEmpty();
        assertThat(TagTemplates.render("build-{sha:7}", branch)).contains("build-89abcde");
        assertThat(TagTemplates.render("{sha}", branch)).contains(SHA);
        assertThat(TagTemplates.render("{branch}-{sha:4}", branch)).contains("feature-Login-SSO-89ab");
        assertThat(TagTemplates.render("{branch}", new WebhookEvent.Push("refs/heads/" + "x".repeat(200), SHA, null)))
                .hasValueSatisfying(rendered -> assertThat(rendered).hasSize(128));
    }

    @Test
    void latestComesOnlyWithAPushToTheDefaultBranchOfATriggerThatAsksForIt() {
        BuildTrigger trigger = trigger(List.of("{branch}", "{sha:7}"), true);
        assertThat(TagTemplates.render(trigger, new WebhookEvent.Push("refs/heads/main", SHA, "main")))
                .containsExactly("main", "89abcde", "latest");
        assertThat(TagTemplates.render(trigger, new WebhookEvent.Push("refs/heads/dev", SHA, "main")))
                .containsExactly("dev", "89abcde");
        assertThat(TagTemplates.render(trigger, new WebhookEvent.Push("refs/tags/main", SHA, "main")))
                .containsExactly("89abcde");
        assertThat(TagTemplates.render(trigger(List.of("{branch}"), false),
                new WebhookEvent.Push("refs/heads/main", SHA, "main"))).containsExactly("main");
    }

    @Test
    void badTemplatesAreRefusedWhenTheTriggerIsCreated() {
        assertThat(TagTemplates.check(List.of("{branch}", "v{tag}", "build-{sha:7}", "{sha}", "latest"))).hasSize(5);
        for (String bad : List.of("{commit}", "{sha:0}", "{sha:41}", "{branch:3}", "a b", "{branch", "x/{tag}", "")) {
            assertThatThrownBy(() -> TagTemplates.check(List.of(bad))).as(bad).isInstanceOf(ApiException.class);
        }
    }

    @Test
    void globsMatchWithinASegmentAndDoubleStarsAcross() {
        assertThat(RefPatterns.matches("main", "main")).isTrue();
        assertThat(RefPatterns.matches("main", "main2")).isFalse();
        assertThat(RefPatterns.matches("release/*", "release/1.0")).isTrue();
        assertThat(RefPatterns.matches("release/*", "release/1/rc")).isFalse();
        assertThat(RefPatterns.matches("release/**", "release/1/rc")).isTrue();
        assertThat(RefPatterns.matches("v*", "v1.2.3")).isTrue();
        assertThat(RefPatterns.matches("v?.?", "v1.2")).isTrue();
        assertThat(RefPatterns.matches("v1.2", "v1x2")).as("a dot is a dot").isFalse();
        assertThatThrownBy(() -> RefPatterns.check(List.of("bad pattern"), "branches"))
                .isInstanceOf(ApiException.class);
    }

    @Test
    void anAllZeroCommitIsADeletion() {
        assertThat(new WebhookEvent.Push("refs/heads/main", "0".repeat(40), null).deletion()).isTrue();
        assertThat(new WebhookEvent.Push("refs/heads/main", SHA, null).deletion()).isFalse();
    }

    private static BuildTrigger trigger(List<String> templates, boolean latest) {
        return new BuildTrigger(1, "alice/app", "https://example.com/app.git", List.of("**"), List.of("*"),
                "Dockerfile", null, templates, latest, Map.of(), List.of(), false, "alice", Instant.now(), true);
    }
}
