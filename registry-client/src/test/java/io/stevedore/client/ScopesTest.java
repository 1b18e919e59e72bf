package io.stevedore.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.RepositoryName;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScopesTest {

    @Test
    void aChallengedPullScopeAddsNothingToOurPushScope() {
        assertThat(Scopes.merge(Scopes.push(RepositoryName.of("a/b")), List.of("repository:a/b:pull")))
                .containsExactly("repository:a/b:pull,push");
    }

    @Test
    void actionsOfOneResourceAreUnitedAndSortedAndOtherResourcesKept() {
        assertThat(Scopes.merge(List.of("repository:a:push"), List.of("repository:a:pull", "repository:c:pull",
                "registry:catalog:*"))).containsExactlyInAnyOrder("repository:a:pull,push", "repository:c:pull",
                "registry:catalog:*");
    }

    @Test
    void aMountNeedsPushOnTheTargetAndPullOnTheSource() {
        assertThat(Scopes.mount(RepositoryName.of("t"), RepositoryName.of("s")))
                .containsExactlyInAnyOrder("repository:t:pull,push", "repository:s:pull");
        assertThat(Scopes.mount(RepositoryName.of("t"), RepositoryName.of("t"))).containsExactly("repository:t:pull,push");
    }

    @Test
    void aScopeWithoutActionsIsKeptAsItIs() {
        assertThat(Scopes.merge(List.of("odd"), List.of())).containsExactly("odd");
    }
}
