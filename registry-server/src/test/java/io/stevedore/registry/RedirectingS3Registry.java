package io.stevedore.registry;

import io.stevedore.storage.s3.S3ProxyServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A registry server of its own, on an S3Proxy of its own, that answers blob GETs with a 307 to a
 * presigned URL of the bucket ({@code registry.storage.s3.redirect=true}); the shared test
 * registry does not redirect. Closing it stops both.
 */
public final class RedirectingS3Registry implements AutoCloseable {
    private final S3ProxyServer s3;
    private final ConfigurableApplicationContext server;

    private RedirectingS3Registry(S3ProxyServer s3, ConfigurableApplicationContext server) {
        this.s3 = s3;
        this.server = server;
    }

    /** Starts it with its data under {@code target/<dataDirName>-<pid>} and {@code extraArguments}. */
    public static RedirectingS3Registry start(String dataDirName, String... extraArguments) throws Exception {
        S3ProxyServer s3 = S3ProxyServer.start();
        try {
            List<String> arguments = new ArrayList<>(List.of("--registry.storage.s3.redirect=true"));
            arguments.addAll(List.of(extraArguments));
            return new RedirectingS3Registry(s3,
                    TestStorage.startS3Registry(s3, dataDirName, arguments.toArray(String[]::new)));
        } catch (Exception | Error e) {
            s3.close();
            throw e;
        }
    }

    /** The bucket's server, whose endpoint the redirects lead to. */
    public S3ProxyServer s3() {
        return s3;
    }

    /** host:port, as in image names. */
    public String host() {
        return "127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");
    }

    public URI url() {
        return URI.create("http://" + host());
    }

    @Override
    public void close() throws Exception {
        try {
            server.close();
        } finally {
            s3.close();
        }
    }
}
