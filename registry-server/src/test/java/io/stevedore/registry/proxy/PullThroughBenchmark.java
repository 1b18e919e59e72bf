package io.stevedore.registry.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.client.RegistryClient;
import io.stevedore.client.RegistryCredentials;
import io.stevedore.registry.AuthRegistryTestSupport;
import io.stevedore.registry.proxy.ProxyTestServers.ProxyServer;
import io.stevedore.registry.proxy.ProxyTestServers.UpstreamArgs;
import io.stevedore.registry.proxy.TestImages.Image;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures for docs/benchmarks.md, run only with {@code -Dstevedore.bench=true}: cached pulls of a
 * blob from a proxy repository against pulls of the same blob pushed to a local repository, and
 * first pulls through the cache against pulls straight from the upstream (CNCF Distribution), on
 * loopback (where every process competes for the same CPU) and over a {@link ThrottledLink} of
 * {@link #LINK_MB_PER_SECOND} (a remote upstream, as Docker Hub is). Medians of several rounds;
 * prints, asserts nothing about time.
 */
class PullThroughBenchmark {
    private static final int BLOB_BYTES = 64 * 1024 * 1024;
    private static final int ROUNDS = 7;
    /** The link to the remote upstream: 110 MB/s is about 1 Gbit/s ({@code -Dstevedore.bench.link-mbps}). */
    private static final long LINK_MB_PER_SECOND = Long.getLong("stevedore.bench.link-mbps", 110);
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path work;

    @Test
    void cachedAndFirstPulls() throws Exception {
        assumeTrue(Boolean.getBoolean("stevedore.bench"), "benchmarks run only with -Dstevedore.bench=true");
        try (DistributionRegistry upstream = DistributionRegistry.start(Files.createDirectories(work.resolve("up")));
             ThrottledLink link = new ThrottledLink(upstream.url(), LINK_MB_PER_SECOND * 1_000_000);
             ProxyServer cache = ProxyTestServers.start("proxy-bench",
                     List.of(new UpstreamArgs("up", upstream.url(), "1h", List.of()),
                             new UpstreamArgs("far", link.url(), "1h", List.of())))) {
            String basic = AuthRegistryTestSupport.basic("admin", cache.adminPassword());
            RegistryClient toUpstream = RegistryClient.builder(upstream.host()).build();
            RegistryClient toCache = RegistryClient.builder(cache.host())
                    .credentials(RegistryCredentials.basic("admin", cache.adminPassword())).build();

            // cached vs local: the same blob, once pushed to admin/local, once cached in up/bench
            Image image = TestImages.image("amd64", BLOB_BYTES, 42);
            TestImages.push(toUpstream, "bench/cached", image, "1");
            TestImages.push(toCache, "admin/local", image, "1");
            get(cache.url(), "/v2/up/bench/cached/manifests/1", basic);
            String layer = "/blobs/" + image.layer().digest();
            get(cache.url(), "/v2/up/bench/cached" + layer, basic); // fills the cache
            List<Double> local = new ArrayList<>();
            List<Double> cached = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                local.add(mbPerSecond(cache.url(), "/v2/admin/local" + layer, basic));
                cached.add(mbPerSecond(cache.url(), "/v2/up/bench/cached" + layer, basic));
            }

            // first pull through the cache vs straight from the upstream: a new blob each round
            List<Double> direct = new ArrayList<>();
            List<Double> first = new ArrayList<>();
            List<Double> directOverLink = new ArrayList<>();
            List<Double> firstOverLink = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                for (String namespace : List.of("up", "far")) {
                    boolean far = namespace.equals("far");
                    String repository = "bench/first-" + UUID.randomUUID().toString().substring(0, 8);
                    Image fresh = TestImages.image("amd64", BLOB_BYTES, 100 + 2 * i + (far ? 1 : 0));
                    TestImages.push(toUpstream, repository, fresh, "1");
                    get(cache.url(), "/v2/" + namespace + "/" + repository + "/manifests/1", basic);
                    String blob = "/blobs/" + fresh.layer().digest();
                    (far ? directOverLink : direct).add(mbPerSecond(far ? link.url() : upstream.url(),
                            "/v2/" + repository + blob, null));
                    (far ? firstOverLink : first).add(mbPerSecond(cache.url(),
                            "/v2/" + namespace + "/" + repository + blob, basic));
                }
            }
            System.out.printf(Locale.ROOT, "pull-through bench, %d MB blob, median of %d:%n", BLOB_BYTES >> 20, ROUNDS);
            System.out.printf(Locale.ROOT, "  local repository   %8.1f MB/s%n", median(local));
            System.out.printf(Locale.ROOT, "  cached (proxy)     %8.1f MB/s%n", median(cached));
            System.out.printf(Locale.ROOT, "  upstream directly  %8.1f MB/s%n", median(direct));
            System.out.printf(Locale.ROOT, "  first pull (proxy) %8.1f MB/s%n", median(first));
            System.out.printf(Locale.ROOT, "  over a %d MB/s link: upstream directly %8.1f MB/s, first pull (proxy) %8.1f MB/s%n",
                    LINK_MB_PER_SECOND, median(directOverLink), median(firstOverLink));
        }
    }

    private double mbPerSecond(URI base, String path, String authorization) throws Exception {
        long start = System.nanoTime();
        long bytes = get(base, path, authorization);
        return bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
    }

    private long get(URI base, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .header("Accept", TestImages.OCI_MANIFEST);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        // counted, not kept: 64 MB arrays per GET made the client's own garbage collections land
        // on alternate rounds, which read as one side being 2-3x slower than the other
        HttpResponse<java.io.InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.InputStream body = response.body()) {
            long bytes = body.transferTo(java.io.OutputStream.nullOutputStream());
            assertThat(response.statusCode()).as("GET %s", path).isEqualTo(200);
            return bytes;
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
