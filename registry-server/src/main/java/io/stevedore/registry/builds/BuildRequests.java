package io.stevedore.registry.builds;

import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidNameException;
import io.stevedore.oci.RepositoryName;
import io.stevedore.oci.Tag;
import io.stevedore.registry.api.ApiException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A build submission as it arrives ({@code POST /api/v1/builds}), and its checks: everything that
 * can be known wrong before a worker spends time on it is a 400 here, with what is wrong.
 */
public final class BuildRequests {
    static final int MAX_TAGS = 32;
    static final int MAX_SECRET_BYTES = 512 * 1024;
    private static final Pattern BUILD_ARG = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SECRET_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern STAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern PLATFORM = Pattern.compile("[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?");
    /** A ref as git allows it, and never an option: no leading '-', no space, no control character. */
    private static final Pattern GIT_REF = Pattern.compile("[A-Za-z0-9_./@^{}~+][A-Za-z0-9_./@^{}~+-]{0,254}");
    private static final Pattern GIT_URL = Pattern.compile("(https?|file|ssh|git)://\\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\\S+");

    private BuildRequests() {
    }

    /** The body of {@code POST /api/v1/builds}. */
    public record Submission(List<String> tags, String context, BuildSpec.GitSource git, String dockerfile,
                      Map<String, String> buildArgs, String target, List<String> platforms, Boolean noCache,
                      Map<String, String> labels, Map<String, String> secrets) {
    }

    /** A checked submission: the spec to store and the secrets to seal. */
    public record Checked(BuildSpec spec, Map<String, String> secrets, Digest context) {
    }

    public static Checked check(Submission submission) {
        if (submission == null) {
            throw ApiException.badRequest("the body must be the build as JSON");
        }
        List<String> tags = tags(submission.tags());
        if ((submission.context() == null) == (submission.git() == null)) {
            throw ApiException.badRequest("give exactly one source: \"context\" (an uploaded context's digest) or \"git\"");
        }
        Digest context = null;
        if (submission.context() != null) {
            try {
                context = Digest.parse(submission.context());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("context must be the digest POST /api/v1/builds/contexts answered: "
                        + e.getMessage());
            }
        }
        Map<String, String> secrets = secrets(submission.secrets());
        BuildSpec.GitSource git = submission.git() == null ? null : git(submission.git(), secrets);
        String dockerfile = submission.dockerfile() == null || submission.dockerfile().isBlank() ? "Dockerfile"
                : relativePath(submission.dockerfile(), "dockerfile");
        String target = submission.target() == null || submission.target().isBlank() ? null : submission.target();
        if (target != null && !STAGE.matcher(target).matches()) {
            throw ApiException.badRequest("target is not a stage name: " + target);
        }
        List<String> platforms = new ArrayList<>();
        for (String platform : submission.platforms() == null ? List.<String>of() : submission.platforms()) {
            if (platform == null || !PLATFORM.matcher(platform).matches()) {
                throw ApiException.badRequest("bad platform \"" + platform + "\": expected os/architecture[/variant],"
                        + " e.g. linux/amd64 or linux/arm64/v8");
            }
            platforms.add(platform);
        }
        Map<String, String> buildArgs = new LinkedHashMap<>();
        (submission.buildArgs() == null ? Map.<String, String>of() : submission.buildArgs()).forEach((name, value) -> {
            if (!BUILD_ARG.matcher(name).matches()) {
                throw ApiException.badRequest("build argument name is not a variable name: " + name);
            }
            buildArgs.put(name, value == null ? "" : value);
        });
        Map<String, String> labels = submission.labels() == null ? Map.of() : submission.labels();
        if (labels.keySet().stream().anyMatch(key -> key == null || key.isBlank())) {
            throw ApiException.badRequest("label names must not be empty");
        }
        String cache = repositoryOf(tags.getFirst()) + "/buildcache";
        BuildSpec spec = new BuildSpec(tags, context == null ? null : context.toString(), git, dockerfile, buildArgs,
                target, platforms, Boolean.TRUE.equals(submission.noCache()), labels, cache,
                List.copyOf(secrets.keySet()));
        return new Checked(spec, secrets, context);
    }

    /** {@code repository:tag}, the tag defaulting to latest. */
    private static List<String> tags(List<String> tags) {
        if (tags == null || tags.isEmpty()) {
            throw ApiException.badRequest("tags must name at least one repository:tag to push the result to");
        }
        if (tags.size() > MAX_TAGS) {
            throw ApiException.badRequest("at most " + MAX_TAGS + " tags");
        }
        List<String> normalised = new ArrayList<>();
        for (String tag : tags) {
            if (tag == null || tag.contains("@")) {
                throw ApiException.badRequest("a tag is repository:tag, not a digest: " + tag);
            }
            int colon = tag.lastIndexOf(':');
            boolean hasTag = colon > tag.lastIndexOf('/');
            String repository = hasTag ? tag.substring(0, colon) : tag;
            String name = hasTag ? tag.substring(colon + 1) : "latest";
            try {
                RepositoryName.of(repository);
            } catch (InvalidNameException e) {
                throw ApiException.badRequest("tag " + tag + ": " + e.getMessage());
            }
            if (!Tag.isValid(name)) {
                throw ApiException.badRequest("tag " + tag + ": \"" + name + "\" is not a valid tag");
            }
            normalised.add(repository + ":" + name);
        }
        return normalised;
    }

    static String repositoryOf(String tag) {
        return tag.substring(0, tag.lastIndexOf(':'));
    }

    private static Map<String, String> secrets(Map<String, String> secrets) {
        Map<String, String> checked = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<String, String> secret : (secrets == null ? Map.<String, String>of() : secrets).entrySet()) {
            if (!SECRET_ID.matcher(secret.getKey()).matches()) {
                throw ApiException.badRequest("secret id must be letters, digits, '.', '_' or '-': " + secret.getKey());
            }
            try {
                total += Base64.getDecoder().decode(secret.getValue() == null ? "" : secret.getValue()).length;
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("secret " + secret.getKey() + " is not base64");
            }
            checked.put(secret.getKey(), secret.getValue() == null ? "" : secret.getValue());
        }
        if (total > MAX_SECRET_BYTES) {
            throw ApiException.badRequest("secrets may hold at most " + MAX_SECRET_BYTES + " bytes in all");
        }
        return checked;
    }

    private static BuildSpec.GitSource git(BuildSpec.GitSource git, Map<String, String> secrets) {
        if (git.url() == null || !GIT_URL.matcher(git.url()).matches() || git.url().startsWith("-")) {
            throw ApiException.badRequest("git.url must be an https, http, ssh, git or file URL, or user@host:path");
        }
        if (git.ref() != null && !git.ref().isEmpty() && (!GIT_REF.matcher(git.ref()).matches()
                || git.ref().contains(".."))) {
            throw ApiException.badRequest("git.ref is not a branch, tag or commit name: " + git.ref());
        }
        String subdir = git.subdir() == null || git.subdir().isBlank() ? null : relativePath(git.subdir(), "git.subdir");
        if (git.secret() != null && !secrets.containsKey(git.secret())) {
            throw ApiException.badRequest("git.secret names no secret of this build: " + git.secret());
        }
        return new BuildSpec.GitSource(git.url(), git.ref() == null || git.ref().isEmpty() ? null : git.ref(), subdir,
                git.secret());
    }

    /** A path inside the context: relative, no '..', no empty or odd segment. */
    static String relativePath(String path, String what) {
        String p = path.startsWith("./") ? path.substring(2) : path;
        if (p.isEmpty() || p.startsWith("/") || p.contains("\\") || p.chars().anyMatch(c -> c < 0x20)) {
            throw ApiException.badRequest(what + " must be a relative path inside the context: " + path);
        }
        for (String segment : p.split("/", -1)) {
            if (segment.equals("..")) {
                throw ApiException.badRequest(what + " must not leave the context: " + path);
            }
        }
        return p;
    }
}
