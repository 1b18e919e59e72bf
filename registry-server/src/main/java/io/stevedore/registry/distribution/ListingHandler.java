package io.stevedore.registry.distribution;

import io.stevedore.json.Json;
import io.stevedore.registry.auth.access.ReadableRepositories;
import io.stevedore.registry.metadata.RepositoryStore;
import io.stevedore.registry.metadata.TagStore;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.springframework.stereotype.Component;

/**
 * {@code GET /v2/<name>/tags/list} and {@code GET /v2/_catalog}: sorted, paginated with
 * {@code n} and {@code last}, and a {@code Link} header to the next page, straight from SQL.
 */
@Component
class ListingHandler {
    /** Without {@code n} a listing is complete; this only bounds one query's page. */
    private static final int UNBOUNDED_PAGE = 100_000;
    /** A larger {@code n} gets this many and a Link to the rest, as the spec allows. */
    private static final int MAX_PAGE = 100_000;

    private final RepositoryStore repositories;
    private final TagStore tags;
    private final ReadableRepositories readable;

    ListingHandler(RepositoryStore repositories, TagStore tags, ReadableRepositories readable) {
        this.repositories = repositories;
        this.tags = tags;
        this.readable = readable;
    }

    void tags(Exchange x) throws IOException {
        page(x, "/v2/" + x.repository() + "/tags/list", "tags", (last, limit) -> {
            List<String> page = tags.list(x.repository(), last, limit);
            // Only an empty page raises the question whether the repository exists at all.
            if (page.isEmpty() && repositories.find(x.name()).isEmpty()) {
                throw new RegistryException(ErrorCode.NAME_UNKNOWN, "repository name not known to registry",
                        Map.of("name", x.repository()));
            }
            return page;
        }, Map.of("name", x.repository()));
    }

    /** Only repositories the caller may pull; the filter is in the query, so pages stay full. */
    void catalog(Exchange x) throws IOException {
        ReadableRepositories.Catalog catalog = readable.catalog(x.caller());
        page(x, "/v2/_catalog", "repositories", catalog::page, Map.of());
    }

    private void page(Exchange x, String path, String field, BiFunction<String, Integer, List<String>> query,
                      Map<String, Object> head) throws IOException {
        Integer n = pageSize(x.param("n"));
        String last = x.param("last");
        if (last != null && last.indexOf('\u0000') >= 0) {
            // no name holds one, and PostgreSQL refuses it in text: a bad request, not a failure
            throw new RegistryException(ErrorCode.UNSUPPORTED, 400, "'last' must not contain a NUL character", null,
                    Map.of());
        }
        List<String> items;
        boolean more = false;
        if (n == null) {
            items = new ArrayList<>();
            String after = last;
            List<String> batch;
            do {
                batch = query.apply(after, UNBOUNDED_PAGE);
                items.addAll(batch);
                after = batch.isEmpty() ? after : batch.getLast();
            } while (batch.size() == UNBOUNDED_PAGE);
        } else if (n == 0) {
            items = query.apply(last, 0); // nothing to list, but an unknown repository is still a 404
        } else {
            items = query.apply(last, n + 1);
            if (items.size() > n) {
                items = items.subList(0, n);
                more = true;
            }
        }
        if (more) {
            x.header("Link", "<" + path + "?n=" + n + "&last=" + URLEncoder.encode(items.getLast(), StandardCharsets.UTF_8)
                    + ">; rel=\"next\"");
        }
        Map<String, Object> body = new LinkedHashMap<>(head);
        body.put(field, items);
        x.status(HttpServletResponse.SC_OK);
        x.response().setContentType("application/json");
        byte[] json = Json.MAPPER.writeValueAsBytes(body);
        x.response().setContentLength(json.length);
        x.response().getOutputStream().write(json);
    }

    private static Integer pageSize(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            long n = Long.parseLong(text);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return (int) Math.min(n, MAX_PAGE);
        } catch (NumberFormatException e) {
            throw new RegistryException(ErrorCode.UNSUPPORTED, 400, "n must be a non-negative integer", null, Map.of());
        }
    }
}
