package io.stevedore.registry.builds;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to build, as submitted and as stored (the {@code spec} column), secrets aside.
 *
 * @param tags            {@code repository:tag} names in this registry, at least one
 * @param context         an uploaded context's digest, or null for a git source
 * @param git             the git source, or null for an uploaded context
 * @param cacheRepository where the build cache lives: the first tag's repository + {@code /buildcache}
 * @param secretIds       the names of the secrets it was given (their values are sealed elsewhere)
 */
public record BuildSpec(List<String> tags, String context, GitSource git, String dockerfile,
                        Map<String, String> buildArgs, String target, List<String> platforms, boolean noCache,
                        Map<String, String> labels, String cacheRepository, List<String> secretIds) {

    public BuildSpec {
        tags = List.copyOf(tags);
        buildArgs = new LinkedHashMap<>(buildArgs == null ? Map.of() : buildArgs);
        platforms = List.copyOf(platforms == null ? List.of() : platforms);
        labels = new LinkedHashMap<>(labels == null ? Map.of() : labels);
        secretIds = List.copyOf(secretIds == null ? List.of() : secretIds);
    }

    /**
     * A git repository at a ref.
     *
     * @param ref    a branch, tag or commit; null for the remote's default branch
     * @param subdir the context inside the checkout, or null for its root
     * @param secret the name of the build secret holding an HTTPS token or an SSH deploy key, or null
     */
    public record GitSource(String url, String ref, String subdir, String secret) {
    }
}
