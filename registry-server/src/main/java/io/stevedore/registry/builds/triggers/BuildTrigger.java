package io.stevedore.registry.builds.triggers;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A git repository whose pushes build into a repository of this registry. Its secrets (the
 * webhook's and the git credential) are kept sealed apart from it: see {@link BuildTriggerStore}.
 *
 * @param branches              glob patterns of the branches whose pushes build; empty: none
 * @param tags                  glob patterns of the git tags whose pushes build; empty: none
 * @param subdir                the build context inside the checkout, or null for its root
 * @param tagTemplates          what each push is tagged, e.g. {@code {branch}}, {@code {sha:7}}
 * @param latestOnDefaultBranch whether a push to the git repository's default branch is also tagged latest
 * @param createdBy             the account its builds run as, or null with authentication off
 */
public record BuildTrigger(long id, String repository, String gitUrl, List<String> branches, List<String> tags,
                           String dockerfile, String subdir, List<String> tagTemplates,
                           boolean latestOnDefaultBranch, Map<String, String> buildArgs, List<String> platforms,
                           boolean privateRepository, String createdBy, Instant createdAt, boolean enabled) {

    public BuildTrigger {
        branches = List.copyOf(branches);
        tags = List.copyOf(tags);
        tagTemplates = List.copyOf(tagTemplates);
        buildArgs = new LinkedHashMap<>(buildArgs == null ? Map.of() : buildArgs);
        platforms = List.copyOf(platforms);
    }
}
