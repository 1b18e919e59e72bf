package io.stevedore.registry.auth.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScopeTest {

    @Test
    void parsesTypeNameAndActionsInTheProtocolsOrder() {
        Scope scope = Scope.parse("repository:alice/app:push,pull").orElseThrow();
        assertThat(scope.type()).isEqualTo("repository");
        assertThat(scope.name()).isEqualTo("alice/app");
        assertThat(scope.actions()).containsExactly("pull", "push");
        assertThat(scope).hasToString("repository:alice/app:pull,push");
    }

    @Test
    void aNameMayHoldAColonSoTheActionsStartAfterTheLastOne() {
        Scope scope = Scope.parse("repository:registry.example:5000/alice/app:pull").orElseThrow();
        assertThat(scope.name()).isEqualTo("registry.example:5000/alice/app");
        assertThat(scope.actions()).containsExactly("pull");
    }

    @Test
    void malformedScopesAreLeftOutNotErrors() {
        List<Scope> scopes = Scope.parseAll(List.of("garbage", "repository::pull", "repository:x:",
                ":x:pull", "Repo:x:pull", "repository:x:pull;rm", "repository:alice/app:pull"));
        assertThat(scopes).extracting(Scope::toString).containsExactly("repository:alice/app:pull");
    }

    @Test
    void spaceSeparatedScopesOfTheOauth2FormAreSplitAndRepeatedResourcesMerged() {
        List<Scope> scopes = Scope.parseAll(List.of("repository:a/b:pull registry:catalog:*",
                "repository:a/b:push"));
        assertThat(scopes).extracting(Scope::toString)
                .containsExactly("repository:a/b:pull,push", "registry:catalog:*");
    }

    @Test
    void roundTripsThroughTheAccessClaim() {
        Scope scope = new Scope("repository", "alice/app", Set.of("delete", "pull"));
        Map<String, Object> claim = scope.toClaim();
        assertThat(claim).containsEntry("actions", List.of("pull", "delete"));
        assertThat(Scope.fromClaim(claim)).contains(scope);
        assertThat(Scope.fromClaim(Map.of("type", "repository"))).isEmpty();
        assertThat(Scope.fromClaim("repository:x:pull")).isEmpty();
    }
}
