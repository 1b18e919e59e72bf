package io.stevedore.registry.distribution;

import io.stevedore.json.Json;
import io.stevedore.registry.auth.access.ReadableRepositories;
import io.stevedore.registry.metadata.NamePage;
import io.stevedore.registry.metadata.TagPages;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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

    private final TagPages tags;
    private final ReadableRepositories readable;

    ListingHandler(TagPages tags, ReadableRepositories readable) {
        this.tags = tags;
        this.readable = readable;
    }

    void tags(Exchange x) throws IOException {
        page(x, "/v2/" + x.repository() + "/tags/list", "tags",
                (last, limit) -> tags.page(x.repository(), last, limit).orElseThrow(() -> new RegistryException(
                        ErrorCode.NAME_UNKNOWN, "repository name not known to registry",
                        Map.of("name", x.repository()))),
                x.repository());
    }

    /** Only repositories the caller may pull; the filter is in the query, so pages stay full. */
    void catalog(Exchange x) throws IOException {
        ReadableRepositories.Catalog catalog = readable.catalog(x.caller());
        page(x, "/v2/_catalog", "repositories", (last, limit) -> {
            List<String> names = catalog.page(last, limit + 1);
            boolean more = names.size() > limit;
            if (more) {
                names = names.subList(0, limit);
            }
            return new NamePage(Json.MAPPER.writeValueAsString(names), names.size(),
                    names.isEmpty() ? null : names.getLast(), more);
        }, null);
    }

    /**
     * Writes {@code {"name": <name>, <field>: [...]}} (no name for the catalog) from pages of at
     * most {@code limit} names that {@code query} answers.
     */
    private void page(Exchange x, String path, String field, BiFunction<String, Integer, NamePage> query,
                      String name) throws IOException {
        Integer n = pageSize(x.param("n"));
        String last = x.param("last");
        if (last != null && last.indexOf('\u0000') >= 0) {
            // no name holds one, and PostgreSQL refuses it in text: a bad request, not a failure
            throw new RegistryException(ErrorCode.UNSUPPORTED, 400, "'last' must not contain a NUL character", null,
                    Map.of());
        }
        StringBuilder items = new StringBuilder();
        String linkLast = null;
        if (n == null) {
            // complete listing: pages of UNBOUNDED_PAGE joined into one array, no Link
            String after = last;
            NamePage page;
            do {
                page = query.apply(after, UNBOUNDED_PAGE);
                appendElements(items, page);
                after = page.size() > 0 ? page.last() : after;
            } while (page.more());
        } else {
            NamePage page = query.apply(last, n); // n = 0: nothing to list, but an unknown repository is still a 404
            appendElements(items, page);
            linkLast = page.more() && page.size() > 0 ? page.last() : null;
        }
        if (linkLast != null) {
            x.header("Link", "<" + path + "?n=" + n + "&last=" + URLEncoder.encode(linkLast, StandardCharsets.UTF_8)
                    + ">; rel=\"next\"");
        }
        StringBuilder body = new StringBuilder(items.length() + 64).append('{');
        if (name != null) {
            body.append("\"name\":").append(Json.MAPPER.writeValueAsString(name)).append(',');
        }
        body.append('"').append(field).append("\":[").append(items).append("]}");
        x.status(HttpServletResponse.SC_OK);
        x.response().setContentType("application/json");
        byte[] json = body.toString().getBytes(StandardCharsets.UTF_8);
        x.response().setContentLength(json.length);
        x.response().getOutputStream().write(json);
    }

    /** Adds the page's names to a comma-separated list of JSON strings (its array without the brackets). */
    private static void appendElements(StringBuilder items, NamePage page) {
        if (page.size() > 0) {
            String json = page.json();
            items.append(items.isEmpty() ? "" : ",").append(json, 1, json.length() - 1);
        }
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
