package io.stevedore.registry.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.registry.RegistryTestSupport;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What an operator's probes and Prometheus see. */
class OperationsEndpointsTest extends RegistryTestSupport {

    private static String get(String path) throws Exception {
        var response = http().send(HttpRequest.newBuilder(registryUrl().resolve(path)).build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    @Test
    void livenessAndReadinessAreUpAndReadinessChecksPostgresAndStorage() throws Exception {
        assumeTrue(context() != null, "needs our own server, not an external registry");
        assertThat(get("/actuator/health/liveness")).contains("\"status\":\"UP\"");
        String readiness = get("/actuator/health/readiness");
        assertThat(readiness).contains("\"status\":\"UP\"").contains("\"db\"").contains("\"storage\"");
    }

    @Test
    void requestMetricsAreTaggedByRouteTemplateNotByPath() throws Exception {
        assumeTrue(context() != null, "needs our own server, not an external registry");
        http().send(HttpRequest.newBuilder(registryUrl().resolve("/v2/ops/metrics-probe/manifests/no-such-tag")).build(),
                BodyHandlers.discarding());
        String metrics = get("/actuator/prometheus");
        assertThat(metrics).contains("http_server_requests_seconds_count{")
                .contains("uri=\"/v2/{name}/manifests/{reference}\"")
                .doesNotContain("metrics-probe");
    }

    @Test
    void requestLatencyIsAHistogramWithMillisecondBuckets() throws Exception {
        assumeTrue(context() != null, "needs our own server, not an external registry");
        http().send(HttpRequest.newBuilder(registryUrl().resolve("/v2/ops/latency-probe/manifests/no-such-tag")).build(),
                BodyHandlers.discarding());
        String manifestBuckets = get("/actuator/prometheus").lines()
                .filter(line -> line.startsWith("http_server_requests_seconds_bucket{"))
                .filter(line -> line.contains("uri=\"/v2/{name}/manifests/{reference}\""))
                .collect(Collectors.joining("\n"));
        assertThat(manifestBuckets).contains("le=\"0.001\"").contains("le=\"0.01\"").contains("le=\"60.0\"")
                .contains("le=\"+Inf\"");
    }
}
