package io.stevedore.registry.e2e;

import static io.stevedore.registry.e2e.Processes.check;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Base images for build tests, made of Debian's busybox-static like {@link BusyboxImages} but
 * with every applet linked, a small /etc (root and user {@code app} 1000:1000), /tmp, /home/app and
 * a file {@code /etc/base-file} that builds delete (to see whiteouts). Pushed with skopeo as
 * {@code HOST/builds/base:amd64}, {@code :arm64} and the two-platform index {@code :multi}.
 */
final class BuildBaseImages {
    static final String REPOSITORY = "builds/base";

    private BuildBaseImages() {
    }

    /** Pushes the base images once per registry (idempotent: same bytes each time). */
    static synchronized String push(String registryHost, Path work, boolean withArm64) {
        return push(registryHost, REPOSITORY, null, work, withArm64);
    }

    /** As above into {@code repository}, authenticating with {@code credentials} ("user:password") when given. */
    static synchronized String push(String registryHost, String repository, String credentials, Path work,
                                    boolean withArm64) {
        Processes.assumeInstalled("skopeo", "skopeo");
        List<String> applets = applets(BusyboxBinaries.amd64());
        BusyboxImages.Image amd64 = image("amd64", null, BusyboxBinaries.amd64(), applets);
        Map<String, BusyboxImages.Blob> refs = new LinkedHashMap<>();
        List<BusyboxImages.Blob> blobs = new ArrayList<>(amd64.blobs());
        refs.put("amd64", amd64.manifest());
        if (withArm64) {
            BusyboxImages.Image arm64 = image("arm64", "v8", BusyboxBinaries.arm64(), applets);
            BusyboxImages.Blob index = BusyboxImages.index(List.of(amd64, arm64));
            blobs.addAll(arm64.blobs());
            blobs.add(index);
            refs.put("arm64", arm64.manifest());
            refs.put("multi", index);
        }
        BusyboxImages.Layout layout = BusyboxImages.writeLayout(work.resolve("base-layout"), refs, blobs);
        for (String tag : refs.keySet()) {
            List<String> command = new ArrayList<>(List.of("skopeo", "copy", "--all", "--dest-tls-verify=false"));
            if (credentials != null) {
                command.addAll(List.of("--dest-creds", credentials));
            }
            command.addAll(List.of(layout.reference(tag), "docker://" + registryHost + "/" + repository + ":" + tag));
            check(command.toArray(String[]::new));
        }
        return registryHost + "/" + repository;
    }

    private static List<String> applets(Path busybox) {
        TreeSet<String> names = new TreeSet<>();
        for (String line : check(busybox.toString(), "--list").out().split("\n")) {
            String name = line.trim();
            if (!name.isEmpty() && !name.contains("/") && !name.equals("busybox")) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    private static BusyboxImages.Image image(String architecture, String variant, Path busybox, List<String> applets) {
        byte[] tar = layerTar(busybox, applets);
        String diffId = BusyboxImages.sha256(tar);
        BusyboxImages.Blob layer = new BusyboxImages.Blob(BusyboxImages.OCI_LAYER_GZIP, BusyboxImages.gzip(tar));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("created", BusyboxImages.CREATED.toString());
        config.put("architecture", architecture);
        config.put("os", "linux");
        if (variant != null) {
            config.put("variant", variant);
        }
        config.put("config", Map.of("Env", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                "Cmd", List.of("sh")));
        config.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(diffId)));
        config.put("history", List.of(Map.of("created", BusyboxImages.CREATED.toString(),
                "created_by", "Stevedore build-test base: Debian busybox-static " + architecture)));
        BusyboxImages.Blob configBlob = new BusyboxImages.Blob(BusyboxImages.OCI_CONFIG, BusyboxImages.json(config));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", BusyboxImages.OCI_MANIFEST);
        manifest.put("config", configBlob.descriptor());
        manifest.put("layers", List.of(layer.descriptor()));
        return new BusyboxImages.Image(architecture, variant, tar, diffId, layer, configBlob,
                new BusyboxImages.Blob(BusyboxImages.OCI_MANIFEST, BusyboxImages.json(manifest)));
    }

    private static byte[] layerTar(Path busybox, List<String> applets) {
        try {
            byte[] binary = Files.readAllBytes(busybox);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(binary.length + 64 * 1024);
            try (TarArchiveOutputStream tar = BusyboxImages.tarStream(bytes)) {
                directory(tar, "bin/", 0755, 0);
                BusyboxImages.putFile(tar, "bin/busybox", binary, 0755);
                for (String applet : applets) {
                    TarArchiveEntry link = new TarArchiveEntry("bin/" + applet, TarConstants.LF_SYMLINK);
                    link.setLinkName("busybox");
                    BusyboxImages.fixOwnerAndTime(link, 0120777);
                    tar.putArchiveEntry(link);
                    tar.closeArchiveEntry();
                }
                directory(tar, "etc/", 0755, 0);
                text(tar, "etc/base-file", "deleted by builds\n");
                text(tar, "etc/group", "root:x:0:\napp:x:1000:\n");
                text(tar, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n");
                directory(tar, "home/", 0755, 0);
                directory(tar, "home/app/", 0755, 1000);
                directory(tar, "root/", 0700, 0);
                directory(tar, "tmp/", 01777, 0);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void directory(TarArchiveOutputStream tar, String name, int mode, int owner) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_DIR);
        BusyboxImages.fixOwnerAndTime(entry, 040000 | mode);
        entry.setIds(owner, owner);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    private static void text(TarArchiveOutputStream tar, String name, String content) throws IOException {
        BusyboxImages.putFile(tar, name, content.getBytes(StandardCharsets.UTF_8), 0644);
    }
}
