package io.stevedore.client;

import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The distribution API's URLs, and how its things are named in messages. Repository names,
 * tags and digests are validated types or grammar-checked, so they need no escaping in a path.
 */
final class RegistryPaths {
    private RegistryPaths() {
    }

    static URI manifest(URI base, RepositoryName repository, String reference) {
        return URI.create(base + "/v2/" + repository + "/manifests/" + reference);
    }

    static URI blob(URI base, RepositoryName repository, Digest digest) {
        return URI.create(base + "/v2/" + repository + "/blobs/" + digest);
    }

    static URI uploads(URI base, RepositoryName repository) {
        return URI.create(base + "/v2/" + repository + "/blobs/uploads/");
    }

    static URI tags(URI base, RepositoryName repository, int pageSize) {
        return URI.create(base + "/v2/" + repository + "/tags/list" + (pageSize > 0 ? "?n=" + pageSize : ""));
    }

    /** {@code location} with one more query parameter, whatever query it already has. */
    static URI withParameter(URI location, String name, String value) {
        String separator = location.getRawQuery() == null ? "?" : "&";
        String text = location.toString();
        int fragment = text.indexOf('#');
        if (fragment >= 0) {
            text = text.substring(0, fragment);
        }
        return URI.create(text + separator + name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    /** registry/repository:tag or registry/repository@digest, as people write it. */
    static String image(String registry, RepositoryName repository, String reference) {
        return registry + "/" + repository + (Digest.looksLikeDigest(reference) ? "@" : ":") + reference;
    }

    static String manifestNotFound(String registry, RepositoryName repository, String reference, RegistryError error) {
        String code = error.code() != null ? error.code() : "MANIFEST_UNKNOWN";
        String what = "NAME_UNKNOWN".equals(code) ? "repository " + registry + "/" + repository + " not found"
                : "manifest for " + image(registry, repository, reference) + " not found";
        return code + ": " + what;
    }

    /** A reference that is a valid tag or digest, so it can go into a URL path as it is. */
    static String checkedReference(String reference) {
        io.stevedore.oci.Reference.parse(reference);
        return reference;
    }
}
