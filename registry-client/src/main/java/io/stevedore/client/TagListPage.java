package io.stevedore.client;

import io.stevedore.json.Json;
import io.stevedore.oci.RepositoryName;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/** GET one page of a repository's tags; the Link header with {@code rel="next"} names the next page. */
final class TagListPage implements RegistryEndpoint<TagListPage.Page> {
    private static final Pattern NEXT = Pattern.compile("<([^>]*)>\\s*;[^,]*rel=\"?next\"?", Pattern.CASE_INSENSITIVE);

    /** Tags of one page, and the next page's URL or null. A repository the registry does not know has none. */
    record Page(List<String> tags, URI next) {
    }

    private final String registry;
    private final RepositoryName repository;
    private final URI page;

    /** {@code page}: the first page's URL or a Link's, absolute. */
    TagListPage(String registry, RepositoryName repository, URI page) {
        this.registry = registry;
        this.repository = repository;
        this.page = page;
    }

    @Override
    public String method() {
        return "GET";
    }

    @Override
    public URI uri(URI base) {
        return page;
    }

    @Override
    public Set<String> scopes() {
        return Scopes.pull(repository);
    }

    @Override
    public String description() {
        return "list tags of " + registry + "/" + repository;
    }

    @Override
    public boolean accepts(int status) {
        return status == 200 || status == 404;
    }

    @Override
    public Page handle(RegistryResponse response) throws IOException {
        if (response.status() == 404) {
            return new Page(List.of(), null);
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(response.document());
        } catch (RuntimeException e) {
            throw new RegistryClientException(description() + ": the registry answered something other than JSON",
                    200, null, e);
        }
        List<String> tags = new ArrayList<>();
        root.path("tags").forEach(tag -> tags.add(tag.asString()));
        URI next = null;
        for (String link : response.headers("Link")) {
            Matcher matcher = NEXT.matcher(link);
            if (matcher.find()) {
                next = response.uri().resolve(matcher.group(1));
            }
        }
        return new Page(tags, next);
    }
}
