package io.stevedore.registry.distribution;

import io.stevedore.json.Json;
import io.stevedore.oci.Digest;
import io.stevedore.oci.MediaTypes;
import io.stevedore.registry.metadata.ManifestStore;
import io.stevedore.registry.metadata.ManifestStore.Referrer;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** {@code GET /v2/<name>/referrers/<digest>}: an OCI index of the manifests whose subject it is. */
@Component
class ReferrersHandler {
    private final ManifestStore manifests;

    ReferrersHandler(ManifestStore manifests) {
        this.manifests = manifests;
    }

    void get(Exchange x) throws IOException {
        Digest subject = Exchange.digest(x.reference());
        String artifactType = x.param("artifactType");
        List<Map<String, Object>> descriptors = manifests.referrers(x.repository(), subject, artifactType).stream()
                .map(ReferrersHandler::descriptor).toList();
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        index.put("manifests", descriptors);
        if (artifactType != null) {
            x.header("OCI-Filters-Applied", "artifactType");
        }
        byte[] json = Json.MAPPER.writeValueAsBytes(index);
        x.status(HttpServletResponse.SC_OK);
        x.response().setContentType(MediaTypes.OCI_INDEX);
        x.response().setContentLength(json.length);
        x.response().getOutputStream().write(json);
    }

    private static Map<String, Object> descriptor(Referrer r) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", r.mediaType());
        d.put("digest", r.digest());
        d.put("size", r.size());
        if (r.artifactType() != null) {
            d.put("artifactType", r.artifactType());
        }
        if (!r.annotations().isEmpty()) {
            d.put("annotations", r.annotations());
        }
        return d;
    }
}
