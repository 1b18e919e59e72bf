package io.stevedore.registry.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Which URLs webhooks may target, and how long failed deliveries wait. */
class WebhookTargetsTest {
    private final WebhookTargets allowingPrivate = new WebhookTargets(true);
    private final WebhookTargets publicOnly = new WebhookTargets(false);

    @Test
    void onlyAbsoluteHttpUrlsWithoutCredentialsAreTargets() {
        assertThat(allowingPrivate.check("https://ci.example.com/hook?x=1")).hasHost("ci.example.com");
        assertThat(allowingPrivate.check("http://127.0.0.1:8080/hook")).hasPort(8080);
        for (String bad : new String[] {"ftp://example.com/", "file:///etc/passwd", "/relative", "http:///nohost",
                "https://user:pw@example.com/", "https://example.com/#frag", "not a url", "", "gopher://x/"}) {
            assertThatThrownBy(() -> allowingPrivate.check(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> allowingPrivate.check("https://example.com/" + "a".repeat(WebhookTargets.MAX_URL)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void loopbackLinkLocalAndPrivateTargetsAreRefusedWhenConfigured() {
        for (String address : new String[] {"127.0.0.1", "localhost", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                "169.254.169.254", "100.64.0.1", "0.0.0.0", "[::1]", "[fe80::1]", "[fd00::1]", "[::ffff:127.0.0.1]"}) {
            URI target = URI.create("http://" + address + "/hook");
            assertThat(publicOnly.refusal(target)).as(address).isPresent();
            assertThatThrownBy(() -> publicOnly.check(target.toString())).as(address)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allow-private-targets");
            assertThat(allowingPrivate.refusal(target)).as(address).isEmpty();
        }
        assertThat(publicOnly.refusal(URI.create("http://8.8.8.8/hook"))).isEmpty();
        assertThat(publicOnly.refusal(URI.create("http://[2001:4860:4860::8888]/hook"))).isEmpty();
    }

    @Test
    void retriesWaitThreeTimesLongerEachTimeUpToTheMaximum() {
        Duration first = Duration.ofSeconds(10);
        Duration max = Duration.ofHours(1);
        assertThat(IntStream.rangeClosed(1, 8).mapToObj(n -> WebhookDeliverer.retryDelay(n, first, max)))
                .containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(90),
                        Duration.ofSeconds(270), Duration.ofSeconds(810), Duration.ofSeconds(2430), max, max);
        assertThat(WebhookDeliverer.retryDelay(1_000_000, first, max)).isEqualTo(max);
    }
}
