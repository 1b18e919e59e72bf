package io.stevedore.registry.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.retention.RetentionPlan.ManifestDeletion;
import io.stevedore.registry.retention.RetentionPlan.ManifestRow;
import io.stevedore.registry.retention.RetentionPlan.TagDeletion;
import io.stevedore.registry.retention.RetentionPlan.TagRow;
import io.stevedore.registry.retention.RetentionPolicy.KeepRule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The plan alone, on rows made up here: which tags and manifests a policy deletes, and in what order. */
class RetentionPlanTest {
    private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
    private static final Instant OLD = NOW.minus(Duration.ofDays(30));
    private static final String IMAGE = "application/vnd.oci.image.manifest.v1+json";
    private static final String INDEX = "application/vnd.oci.image.index.v1+json";

    private final List<TagRow> tags = new ArrayList<>();
    private final List<ManifestRow> manifests = new ArrayList<>();

    private void manifest(String digest, Instant pushedAt) {
        manifests.add(new ManifestRow(digest, IMAGE, null, pushedAt));
    }

    private void tag(String name, String digest, int minute) {
        tags.add(new TagRow(name, digest, NOW.minus(Duration.ofDays(1)).plus(Duration.ofMinutes(minute))));
    }

    @Test
    void keepsTheLastNPushedTagsOfAPatternAndLeavesProtectedImmutableAndUnmatchedTagsAlone() {
        for (int i = 1; i <= 6; i++) {
            manifest("m" + i, OLD);
            tag("v" + i, "m" + i, i);
        }
        manifest("r", OLD);
        tag("release-1", "r", 0);
        tag("latest", "m1", 7);
        RetentionPolicy policy = new RetentionPolicy(List.of(new KeepRule("v*", 2), new KeepRule("release-*", 0)),
                List.of("release-*"), null);

        RetentionPlan plan = RetentionPlan.of(policy, List.of("v2"), tags, manifests, Map.of(), NOW);

        assertThat(plan.tags()).extracting(TagDeletion::tag).containsExactly("v1", "v3", "v4");
        assertThat(plan.tags().getFirst().reason()).startsWith("not among the last 2 pushed tags matching v*");
        assertThat(plan.manifests()).as("m1 stays: latest points at it").extracting(ManifestDeletion::digest)
                .containsExactly("m3", "m4");
    }

    @Test
    void deletesOldUntaggedManifestsButNotWhatAStayingIndexOrSubjectReaches() {
        manifest("tagged", OLD);
        tag("latest", "tagged", 0);
        manifests.add(new ManifestRow("signature", IMAGE, "tagged", OLD));
        manifests.add(new ManifestRow("orphan-signature", IMAGE, "gone", OLD));
        manifests.add(new ManifestRow("young-index", INDEX, null, NOW));
        manifest("child-of-young", OLD);
        manifests.add(new ManifestRow("old-index", INDEX, null, OLD));
        manifest("child-of-old", OLD);
        manifest("young", NOW.minus(Duration.ofHours(1)));
        manifest("old", OLD);
        manifests.add(new ManifestRow("signature-of-old", IMAGE, "old", NOW));
        Map<String, List<String>> children = Map.of("young-index", List.of("child-of-young"),
                "old-index", List.of("child-of-old"));
        RetentionPolicy policy = new RetentionPolicy(List.of(), List.of(), Duration.ofDays(7));

        RetentionPlan plan = RetentionPlan.of(policy, List.of(), tags, manifests, children, NOW);

        assertThat(plan.tags()).isEmpty();
        List<String> doomed = plan.manifests().stream().map(ManifestDeletion::digest).toList();
        assertThat(doomed).as("the young referrer of an old manifest stays (it is young)")
                .containsExactlyInAnyOrder("old", "old-index", "child-of-old", "orphan-signature");
        assertThat(doomed.indexOf("old-index")).as("an index goes before its child")
                .isLessThan(doomed.indexOf("child-of-old"));
    }

    @Test
    void aManifestLiveOnlyThroughDeletedTagsGoesWithThemAndTakesItsChildrenAndReferrers() {
        manifests.add(new ManifestRow("index", INDEX, null, NOW));
        manifest("child", NOW);
        manifests.add(new ManifestRow("sbom", IMAGE, "index", NOW));
        tag("v1", "index", 1);
        manifest("m2", NOW);
        tag("v2", "m2", 2);
        RetentionPolicy policy = new RetentionPolicy(List.of(new KeepRule("v*", 1)), List.of(), null);

        RetentionPlan plan = RetentionPlan.of(policy, List.of(), tags, manifests,
                Map.of("index", List.of("child")), NOW);

        assertThat(plan.tags()).extracting(TagDeletion::tag).containsExactly("v1");
        assertThat(plan.manifests()).extracting(ManifestDeletion::digest).containsExactly("index", "child", "sbom");
        assertThat(plan.manifests().getFirst().reason()).isEqualTo("its tags v1 are deleted by this policy");
    }

    @Test
    void globsMatchWholeTags() {
        assertThat(TagPatterns.matches("v*", "v1.2.3")).isTrue();
        assertThat(TagPatterns.matches("v*", "latest")).isFalse();
        assertThat(TagPatterns.matches("**", "anything")).isTrue();
        assertThat(TagPatterns.matches("release-?", "release-1")).isTrue();
        assertThat(TagPatterns.matches("release-?", "release-10")).isFalse();
        assertThat(TagPatterns.matches("1.0", "1x0")).as("a dot is literal").isFalse();
    }
}
