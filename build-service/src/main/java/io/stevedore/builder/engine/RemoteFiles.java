package io.stevedore.builder.engine;

import io.stevedore.oci.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** `ADD <url>`: downloads streamed to a file, digest computed on the way, `--checksum` enforced. */
final class RemoteFiles {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30))
            .build();

    private RemoteFiles() {}

    record Download(Path file, Digest digest) {}

    static Download download(String url, Path dir, String checksum) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new BuildException("ADD " + url + ": not a valid URL");
        }
        String name = fileName(uri);
        Path file = dir.resolve(name);
        HttpResponse<InputStream> response;
        try {
            response = HTTP.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new BuildException("ADD " + url + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException("interrupted");
        }
        MessageDigest md = Digest.newMessageDigest("sha256");
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw new BuildException("ADD " + url + ": server answered " + response.statusCode());
            }
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), md)) {
                in.transferTo(out);
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            response.headers().firstValue("Last-Modified").ifPresent(value -> {
                try {
                    ZonedDateTime time = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
                    Files.setLastModifiedTime(file, FileTime.from(time.toInstant()));
                } catch (RuntimeException | IOException ignored) {
                    // no usable Last-Modified: keep the download time
                }
            });
        } catch (IOException e) {
            throw new BuildException("ADD " + url + ": " + e.getMessage(), e);
        }
        Digest digest = Digest.fromMessageDigest("sha256", md);
        if (checksum != null) {
            Digest expected;
            try {
                expected = Digest.parse(checksum);
            } catch (RuntimeException e) {
                throw new BuildException("ADD --checksum=" + checksum + ": expected sha256:<64 hex digits>");
            }
            if (!expected.algorithm().equals("sha256")) {
                throw new BuildException("ADD --checksum: only sha256 is supported");
            }
            if (!expected.equals(digest)) {
                throw new BuildException("ADD " + url + ": checksum mismatch: expected " + expected + ", got " + digest);
            }
        }
        return new Download(file, digest);
    }

    private static String fileName(URI uri) {
        String path = uri.getPath() == null ? "" : uri.getPath();
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            return "__unnamed__";
        }
        return name;
    }
}
