package io.stevedore.registry;

import io.stevedore.storage.s3.S3ProxyServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Which storage the registry under test uses: {@code -Dstevedore.test.storage=fs|s3} (default fs). */
public final class TestStorage {
    private TestStorage() {
    }

    public static boolean s3() {
        return "s3".equals(System.getProperty("stevedore.test.storage", "fs"));
    }

    /**
     * A registry server of its own on {@code s3} (a fresh bucket), on a free port of 127.0.0.1, its
     * data under {@code target/<dataDirName>-<pid>}, with {@code extraArguments} such as
     * {@code --registry.storage.s3.redirect=true}.
     */
    public static ConfigurableApplicationContext startS3Registry(S3ProxyServer s3, String dataDirName,
                                                                 String... extraArguments) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
                "--registry.data-dir=" + Path.of("target", dataDirName + "-" + ProcessHandle.current().pid())
                        .toAbsolutePath()));
        args.addAll(List.of(extraArguments));
        args.addAll(s3Arguments(s3));
        return new SpringApplicationBuilder(StevedoreApplication.class).run(args.toArray(String[]::new));
    }

    /**
     * Registry arguments for a fresh bucket of {@code s3}, with the smallest part size S3 allows so
     * that tests reach the multipart paths with little data.
     */
    public static List<String> s3Arguments(S3ProxyServer s3) {
        return List.of("--registry.storage.type=s3",
                "--registry.storage.s3.endpoint=" + s3.endpoint(),
                "--registry.storage.s3.bucket=" + s3.createBucket(),
                "--registry.storage.s3.region=" + S3ProxyServer.REGION,
                "--registry.storage.s3.access-key=" + S3ProxyServer.ACCESS_KEY,
                "--registry.storage.s3.secret-key=" + S3ProxyServer.SECRET_KEY,
                "--registry.storage.s3.path-style=true",
                "--registry.storage.s3.part-size=5MB");
    }
}
