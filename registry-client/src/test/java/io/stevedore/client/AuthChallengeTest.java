package io.stevedore.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {

    @Test
    void bearerChallengeKeepsCommasInsideQuotedScopes() {
        List<AuthChallenge> challenges = AuthChallenge.parse("Bearer realm=\"https://auth.docker.io/token\","
                + "service=\"registry.docker.io\",scope=\"repository:samalba/my-app:pull,push\"");
        assertThat(challenges).hasSize(1);
        AuthChallenge bearer = challenges.getFirst();
        assertThat(bearer.isBearer()).isTrue();
        assertThat(bearer.realm()).isEqualTo("https://auth.docker.io/token");
        assertThat(bearer.service()).isEqualTo("registry.docker.io");
        assertThat(bearer.scopes()).containsExactly("repository:samalba/my-app:pull,push");
    }

    @Test
    void severalScopesAreSpaceSeparatedAndErrorsAreParameters() {
        AuthChallenge bearer = AuthChallenge.parse("Bearer realm=\"https://r/t\", error=\"insufficient_scope\", "
                + "scope=\"repository:a:pull repository:b:pull,push\"").getFirst();
        assertThat(bearer.scopes()).containsExactly("repository:a:pull", "repository:b:pull,push");
        assertThat(bearer.parameter("error")).isEqualTo("insufficient_scope");
    }

    @Test
    void schemeAndParameterNamesAreCaseInsensitiveAndValuesMayBeUnquoted() {
        AuthChallenge bearer = AuthChallenge.parse("bearer Realm=https://auth.example/token,Service=registry").getFirst();
        assertThat(bearer.isBearer()).isTrue();
        assertThat(bearer.realm()).isEqualTo("https://auth.example/token");
        assertThat(bearer.service()).isEqualTo("registry");
    }

    @Test
    void escapedQuotesInsideValuesAreUnescaped() {
        AuthChallenge basic = AuthChallenge.parse("Basic realm=\"say \\\"hi\\\", please\"").getFirst();
        assertThat(basic.isBasic()).isTrue();
        assertThat(basic.realm()).isEqualTo("say \"hi\", please");
    }

    @Test
    void severalChallengesInOneHeaderAreSeparated() {
        List<AuthChallenge> challenges = AuthChallenge.parse(
                "Basic realm=\"registry\", Bearer realm=\"https://r/token\",service=\"s\"");
        assertThat(challenges).extracting(AuthChallenge::scheme).containsExactly("Basic", "Bearer");
        assertThat(challenges.get(1).service()).isEqualTo("s");
        assertThat(challenges.get(0).realm()).isEqualTo("registry");
    }

    @Test
    void aBareSchemeAndGarbageNeverThrow() {
        assertThat(AuthChallenge.parse("Basic")).singleElement()
                .satisfies(c -> assertThat(c.parameters()).isEmpty());
        assertThat(AuthChallenge.parse("")).isEmpty();
        assertThat(AuthChallenge.parse(null)).isEmpty();
        assertThat(AuthChallenge.parse("Bearer realm=\"unterminated")).singleElement()
                .satisfies(c -> assertThat(c.realm()).isEqualTo("unterminated"));
        assertThat(AuthChallenge.parse(",,, ;;; Bearer realm=x")).extracting(AuthChallenge::scheme).contains("Bearer");
    }
}
