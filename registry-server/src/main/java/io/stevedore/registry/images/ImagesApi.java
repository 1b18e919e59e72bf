package io.stevedore.registry.images;

import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Reference;
import io.stevedore.oci.RepositoryName;
import io.stevedore.oci.Tag;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.api.RequestBodies;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.auth.access.ReadableRepositories;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.registry.metadata.DeadlockRetry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/images}: browse repositories and tags, inspect an image's config, manifest and
 * history, tag, copy and delete, export as a tar and import one. Repository names hold slashes,
 * so the routes end like the {@code /v2/} ones ({@code <name>/tags}, {@code <name>/manifests/<ref>}...)
 * and are matched here from the end of the path. The routes are listed in README.md.
 */
@RestController
@RequestMapping(path = "/api/v1/images", produces = MediaType.APPLICATION_JSON_VALUE)
class ImagesApi {
    static final String IMAGE_TAGGED = "image.tagged";
    static final String IMAGE_COPIED = "image.copied";
    static final String IMAGE_IMPORTED = "image.imported";
    private static final int MAX_PAGE = 100;
    private static final Pattern TAGS = Pattern.compile("/(?<name>.+)/tags");
    private static final Pattern TAG = Pattern.compile("/(?<name>.+)/tags/(?<tag>[^/]+)");
    private static final Pattern MANIFEST = Pattern.compile(
            "/(?<name>.+)/manifests/(?<ref>[^/]+?)(?:/(?<view>config|history|export))?");
    private static final Pattern ACTION = Pattern.compile("/(?<name>.+)/(?<action>copy|import)");

    private final ImageAccess access;
    private final ReadableRepositories readable;
    private final Images images;
    private final TagListing listing;
    private final ImageCopier copier;
    private final ArchiveExporter exporter;
    private final ArchiveImporter importer;
    private final ImageWrites writes;
    private final TransactionTemplate transaction;
    private final AuditLog audit;
    private final long maxImportSize;

    ImagesApi(ImageAccess access, ReadableRepositories readable, Images images, TagListing listing,
              ImageCopier copier, ArchiveExporter exporter, ArchiveImporter importer, ImageWrites writes,
              TransactionTemplate transaction, AuditLog audit, RegistryProperties properties) {
        this.access = access;
        this.readable = readable;
        this.images = images;
        this.listing = listing;
        this.copier = copier;
        this.exporter = exporter;
        this.importer = importer;
        this.writes = writes;
        this.transaction = transaction;
        this.audit = audit;
        this.maxImportSize = properties.images().maxImportSize().toBytes();
    }

    /** Repositories the caller may read whose name contains {@code q}, sorted, paged with a Link header. */
    @GetMapping
    ResponseEntity<List<Map<String, Object>>> repositories(HttpServletRequest request,
                                                           @RequestParam(required = false) String q,
                                                           @RequestParam(required = false) Integer n,
                                                           @RequestParam(required = false) String last) {
        Caller caller = access.signedIn(request);
        int limit = pageSize(n);
        List<String> page = readable.catalog(caller, q).page(last, limit + 1);
        ResponseEntity.BodyBuilder answer = ResponseEntity.ok();
        if (page.size() > limit) {
            page = page.subList(0, limit);
            answer.header("Link", "</api/v1/images?" + (q == null ? "" : "q=" + encode(q) + "&") + "n=" + limit
                    + "&last=" + encode(page.getLast()) + ">; rel=\"next\"");
        }
        return answer.body(page.stream().map(name -> Map.<String, Object>of("name", name)).toList());
    }

    @GetMapping("/{*path}")
    ResponseEntity<?> get(HttpServletRequest request, HttpServletResponse response, @PathVariable String path,
                          @RequestParam(required = false) Integer n, @RequestParam(required = false) String last,
                          @RequestParam(required = false) String platform,
                          @RequestParam(required = false) String format) throws IOException {
        Matcher m;
        if ((m = TAGS.matcher(path)).matches()) {
            String repository = readableRepository(request, m.group("name"));
            int limit = pageSize(n);
            List<Map<String, Object>> page = listing.page(repository, last, limit + 1);
            ResponseEntity.BodyBuilder answer = ResponseEntity.ok();
            if (page.size() > limit) {
                page = page.subList(0, limit);
                answer.header("Link", "</api/v1/images/" + repository + "/tags?n=" + limit + "&last="
                        + encode((String) page.getLast().get("tag")) + ">; rel=\"next\"");
            }
            return answer.body(page);
        }
        if (!(m = MANIFEST.matcher(path)).matches()) {
            throw ApiException.notFound("no such route: GET /api/v1/images" + path);
        }
        String repository = readableRepository(request, m.group("name"));
        Images.Loaded loaded = images.load(repository, Images.reference(m.group("ref")));
        String view = m.group("view");
        if (view == null) {
            return ResponseEntity.ok().contentType(MediaType.parseMediaType(loaded.mediaType()))
                    .header("Docker-Content-Digest", loaded.digest().toString()).body(loaded.content());
        }
        return switch (view) {
            case "config" -> {
                Images.Loaded image = images.platformImage(loaded, platform);
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("digest", image.digest().toString());
                body.put("config", image.manifest().config().digest().toString());
                body.putAll(ImageInspection.config(images.config(image)));
                yield ResponseEntity.ok(body);
            }
            case "history" -> {
                Images.Loaded image = images.platformImage(loaded, platform);
                yield ResponseEntity.ok(ImageInspection.history(images.config(image), image.manifest().layers()));
            }
            default -> {
                export(response, loaded, m.group("ref"), platform, format);
                yield null;
            }
        };
    }

    private void export(HttpServletResponse response, Images.Loaded loaded, String ref, String platform,
                        String format) throws IOException {
        String tag = Tag.isValid(ref) ? ref : null;
        String file = loaded.repository().replace('/', '_') + (tag == null ? "" : "_" + tag);
        if (format == null || format.equals("docker-archive")) {
            Images.Loaded image = images.platformImage(loaded, platform);
            ArchiveExporter.requireExportable(image);
            start(response, file + ".tar");
            exporter.dockerArchive(image, tag == null ? null : loaded.repository() + ":" + tag,
                    response.getOutputStream());
        } else if (format.equals("oci")) {
            ArchiveExporter.requireExportable(loaded);
            start(response, file + ".oci.tar");
            exporter.ociLayout(loaded, tag, response.getOutputStream());
        } else {
            throw ApiException.badRequest("format must be docker-archive (the default) or oci");
        }
    }

    private static void start(HttpServletResponse response, String file) {
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("application/x-tar");
        response.setHeader("Content-Disposition", "attachment; filename=\"" + file + "\"");
    }

    record TagRequest(String source) {
    }

    /** Points the tag at a manifest of the same repository, named by digest or by another tag. */
    @PutMapping(path = "/{*path}", consumes = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> tag(HttpServletRequest request, @PathVariable String path, @RequestBody TagRequest body) {
        Matcher m = TAG.matcher(path);
        if (!m.matches()) {
            throw ApiException.notFound("no such route: PUT /api/v1/images" + path);
        }
        String repository = Images.repositoryName(m.group("name")).value();
        String tag = validTag(m.group("tag"));
        Caller caller = access.mayWrite(request, repository);
        if (body == null || body.source() == null) {
            throw ApiException.badRequest("source (a tag or digest in the repository) is required");
        }
        Images.Loaded source = images.load(repository, Images.reference(body.source()));
        copier.tag(source, tag, caller.actor());
        audit.recordRepository(IMAGE_TAGGED, caller.actor(), request.getRemoteAddr(), repository,
                Map.of("reference", tag, "digest", source.digest().toString(), "source", body.source()));
        return Map.of("repository", repository, "tag", tag, "digest", source.digest().toString());
    }

    /**
     * {@code from}: {@code repo:tag} or {@code repo@digest}; {@code tag}: the tag in this
     * repository (default: the source's tag); {@code referrers}: false leaves the source's
     * referrers (signatures, SBOMs) behind (default: they are copied too).
     */
    record CopyRequest(String from, String tag, Boolean referrers) {
    }

    @PostMapping(path = "/{*path}", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> copy(HttpServletRequest request, @PathVariable String path,
                                             @RequestBody CopyRequest body) {
        Matcher m = ACTION.matcher(path);
        if (!m.matches() || !m.group("action").equals("copy")) {
            throw ApiException.notFound("no such route: POST /api/v1/images" + path + " (JSON)");
        }
        RepositoryName target = Images.repositoryName(m.group("name"));
        if (body == null || body.from() == null) {
            throw ApiException.badRequest("from (repository:tag or repository@digest) is required");
        }
        String[] source = splitReference(body.from());
        String sourceRepository = Images.repositoryName(source[0]).value();
        Reference reference = Images.reference(source[1]);
        String tag = body.tag() != null ? validTag(body.tag()) : reference.isDigest() ? null : reference.tag().value();
        access.mayRead(request, sourceRepository);
        Caller caller = access.mayWrite(request, target.value());
        ImageCopier.Copied result = copier.copy(images.load(sourceRepository, reference), target, tag,
                !Boolean.FALSE.equals(body.referrers()), caller.actor());
        Images.Loaded copied = result.manifest();
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("reference", tag == null ? copied.digest().toString() : tag);
        detail.put("digest", copied.digest().toString());
        detail.put("from", body.from());
        detail.put("referrers", result.referrers());
        audit.recordRepository(IMAGE_COPIED, caller.actor(), request.getRemoteAddr(), target.value(), detail);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("repository", target.value());
        answer.put("tag", tag);
        answer.put("digest", copied.digest().toString());
        answer.put("mediaType", copied.mediaType());
        answer.put("manifests", 1 + copied.manifest().manifests().size());
        answer.put("referrers", result.referrers());
        return ResponseEntity.status(HttpStatus.CREATED).body(answer);
    }

    /** Imports a {@code docker save} or OCI layout tar; see {@link ArchiveImporter}. */
    @PostMapping(path = "/{*path}", consumes = {"application/x-tar", "application/gzip", "application/x-gzip",
            "application/octet-stream"})
    ResponseEntity<Map<String, Object>> importArchive(HttpServletRequest request, @PathVariable String path,
                                                      @RequestParam(required = false) String tag) throws IOException {
        Matcher m = ACTION.matcher(path);
        if (!m.matches() || !m.group("action").equals("import")) {
            throw ApiException.notFound("no such route: POST /api/v1/images" + path + " (tar)");
        }
        RepositoryName repository = Images.repositoryName(m.group("name"));
        Caller caller = access.mayWrite(request, repository.value());
        if (request.getContentLengthLong() > maxImportSize) {
            throw tooLarge();
        }
        List<ArchiveImporter.ImportedImage> imported = importer.importArchive(
                limited(RequestBodies.decompressed(limited(request.getInputStream()))), repository,
                tag == null ? null : validTag(tag), caller.actor(),
                image -> audit.recordRepository(IMAGE_IMPORTED, caller.actor(), request.getRemoteAddr(),
                        repository.value(), Map.of("reference", image.tag() == null ? image.digest() : image.tag(),
                                "digest", image.digest())));
        return ResponseEntity.status(HttpStatus.CREATED).body(Map.of("repository", repository.value(),
                "images", imported));
    }

    /** A tag deletes only the tag; a digest deletes the manifest and its tags, as DELETE /v2/ does. */
    @DeleteMapping("/{*path}")
    ResponseEntity<Void> delete(HttpServletRequest request, @PathVariable String path) {
        Matcher tag = TAG.matcher(path);
        Matcher manifest = MANIFEST.matcher(path);
        boolean byTag = tag.matches();
        if (!byTag && !(manifest.matches() && manifest.group("view") == null)) {
            throw ApiException.notFound("no such route: DELETE /api/v1/images" + path);
        }
        String repository = Images.repositoryName((byTag ? tag : manifest).group("name")).value();
        Caller caller = access.mayDelete(request, repository);
        String reference = byTag ? validTag(tag.group("tag")) : manifest.group("ref");
        Reference ref = byTag ? null : Images.reference(reference);
        if (ref != null && !ref.isDigest()) {
            throw ApiException.badRequest("delete a tag with DELETE /api/v1/images/" + repository + "/tags/"
                    + reference + "; manifests/ takes a digest");
        }
        DeadlockRetry.run(transaction, status -> {
            boolean deleted = byTag ? writes.deleteTag(repository, reference, caller.actor())
                    : writes.deleteManifest(repository, ref.digest(), caller.actor());
            if (!deleted) {
                throw ApiException.notFound("no " + (byTag ? "tag " : "manifest ") + reference + " in " + repository);
            }
            audit.recordRepository(byTag ? AuditLog.TAG_DELETED : AuditLog.MANIFEST_DELETED, caller.actor(),
                    request.getRemoteAddr(), repository, Map.of("reference", reference));
        });
        return ResponseEntity.noContent().build();
    }

    private String readableRepository(HttpServletRequest request, String name) {
        String repository = Images.repositoryName(name).value();
        access.mayRead(request, repository);
        return repository;
    }

    /** {@code repo:tag} or {@code repo@digest} into the repository and the reference. */
    private static String[] splitReference(String text) {
        int at = text.indexOf('@');
        if (at > 0) {
            return new String[] {text.substring(0, at), text.substring(at + 1)};
        }
        int colon = text.lastIndexOf(':');
        if (colon > text.lastIndexOf('/') && colon > 0) {
            return new String[] {text.substring(0, colon), text.substring(colon + 1)};
        }
        throw ApiException.badRequest("from must be repository:tag or repository@digest, not " + text);
    }

    private static String validTag(String tag) {
        if (!Tag.isValid(tag)) {
            throw ApiException.badRequest("invalid tag \"" + tag + "\"");
        }
        return tag;
    }

    private static int pageSize(Integer n) {
        int limit = n == null ? 50 : n;
        if (limit < 1 || limit > MAX_PAGE) {
            throw ApiException.badRequest("n must be 1 to " + MAX_PAGE);
        }
        return limit;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Applied to the body and, when gzipped, to what it inflates to (against gzip bombs). */
    private InputStream limited(InputStream body) {
        return RequestBodies.limited(body, maxImportSize, "the archive", "registry.images.max-import-size");
    }

    private ApiException tooLarge() {
        return new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, "the archive is larger than the " + maxImportSize
                + " bytes this registry imports (registry.images.max-import-size)");
    }
}
