package io.stevedore.registry.config;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The operator's settings under {@code registry.*}; each also binds from the environment
 * ({@code REGISTRY_DATA_DIR}, {@code REGISTRY_STORAGE_TYPE}, ...).
 *
 * @param dataDir  where the embedded default keeps blobs and its PostgreSQL
 * @param storage  which blob store
 * @param auth     authentication and access control
 * @param builds   the remote build queue and its workers
 * @param webhooks outbound webhooks
 * @param images   the image management API (export, import)
 * @param gc       online garbage collection
 * @param retention when retention policies run on their own
 */
@ConfigurationProperties("registry")
public record RegistryProperties(@DefaultValue("./data") Path dataDir,
                                 @DefaultValue Storage storage,
                                 @DefaultValue Auth auth,
                                 @DefaultValue EmbeddedPostgres embeddedPostgres,
                                 @DefaultValue Builds builds,
                                 @DefaultValue Webhooks webhooks,
                                 @DefaultValue Images images,
                                 @DefaultValue Gc gc,
                                 @DefaultValue Retention retention) {

    public enum StorageType { FS, S3 }

    /**
     * @param type           fs (default) or s3
     * @param s3             the bucket, when type is s3
     * @param uploadTimeout  an upload session idle this long is cancelled and its bytes removed
     */
    public record Storage(@DefaultValue("fs") StorageType type, @DefaultValue S3 s3,
                          @DefaultValue("24h") Duration uploadTimeout) {
    }

    /**
     * An S3 bucket (AWS S3, MinIO, S3Proxy, ...).
     *
     * @param endpoint  the S3 API's URL; unset means AWS's endpoint for the region
     * @param region    the signing region
     * @param accessKey with secretKey: static credentials; unset means AWS's default credential chain
     * @param pathStyle path-style URLs (MinIO, S3Proxy) instead of virtual-hosted buckets
     * @param prefix    a key prefix, to share a bucket
     * @param partSize  multipart upload part size (S3's minimum is 5 MiB)
     * @param redirect  answer blob GETs with 307 to a presigned URL instead of streaming through
     */
    public record S3(String endpoint, @DefaultValue("us-east-1") String region, String bucket, String accessKey,
                     String secretKey, @DefaultValue("false") boolean pathStyle, @DefaultValue("") String prefix,
                     @DefaultValue("8MB") DataSize partSize,
                     @DefaultValue("false") boolean redirect) {
    }

    /**
     * Authentication and access control.
     *
     * @param enabled              on by default; off: every route is open to every caller
     * @param adminPassword        the {@code admin} user's password, applied at every start; unset, with auth
     *                             on and no admin yet, one is generated and logged once
     * @param service              the service named in challenges, and the audience of the tokens
     * @param realm                the token endpoint's URL in challenges; unset: the request's own
     *                             scheme, host and port plus {@code /auth/token}
     * @param issuer               the {@code iss} of the tokens
     * @param tokenLifetime        how long a bearer token is valid
     * @param refreshTokenLifetime how long a refresh token is valid (docker login keeps one instead of
     *                             the password)
     * @param signingKey           PEM PKCS#8 RSA private key signing the tokens; unset: one created at
     *                             first start in {@code <data-dir>/auth/}. Replicas must share one.
     * @param failedLogins         the failed-login rate limit
     * @param credentialCacheTtl   how long verified credentials are remembered, so that HTTP Basic on
     *                             every request does not cost a password hash each time; 0 disables
     * @param accessCacheTtl       how long a replica remembers that an account may act on a repository, so
     *                             that each request does not ask PostgreSQL again; changes to grants made
     *                             through this replica apply at once, through others within this; 0 disables
     */
    public record Auth(@DefaultValue("true") boolean enabled, String adminPassword,
                       @DefaultValue("stevedore") String service, String realm,
                       @DefaultValue("stevedore") String issuer,
                       @DefaultValue("5m") Duration tokenLifetime,
                       @DefaultValue("30d") Duration refreshTokenLifetime,
                       Path signingKey,
                       @DefaultValue FailedLogins failedLogins,
                       @DefaultValue("60s") Duration credentialCacheTtl,
                       @DefaultValue("2s") Duration accessCacheTtl) {
    }

    /**
     * After this many failed logins within the window, for one user name or from one client
     * address, further logins are refused with 429 until the oldest of those failures ages out.
     */
    public record FailedLogins(@DefaultValue("10") int perUser, @DefaultValue("10") int perAddress,
                               @DefaultValue("5m") Duration window) {
    }

    /**
     * The PostgreSQL the registry starts itself when no {@code spring.datasource.url} is given.
     *
     * @param port  0 picks a free loopback port at each start
     * @param runAs the account PostgreSQL runs under when the registry runs as root (PostgreSQL
     *              refuses to run as root)
     */
    public record EmbeddedPostgres(@DefaultValue("0") int port, @DefaultValue("nobody") String runAs) {
    }

    /**
     * Remote builds.
     *
     * @param workerToken     the secret build workers present; unset: one is created at first start in
     *                        {@code <data-dir>/builds/worker-token} (mode 0600). Replicas must share one.
     * @param secretKey       base64 AES key (16 or 32 bytes) sealing build and webhook secrets in the
     *                        database; unset: created in {@code <data-dir>/builds/secret-key}. Replicas
     *                        must share one.
     * @param leaseTimeout    a running build whose worker has not reported for this long is handed to
     *                        another worker
     * @param heartbeat       how often workers report (well under the lease timeout)
     * @param maxContextSize  the largest build context accepted
     * @param logRetention    logs of builds that ended longer ago are deleted (the build rows stay)
     * @param embeddedWorker  auto: start a worker process beside the registry when running as root with
     *                        runc and the worker jar at hand; true: always try; false: never
     * @param workerJar       the build-service jar the embedded worker runs; unset: looked for beside
     *                        the registry's jar and in {@code build-service/target}
     */
    public record Builds(String workerToken, String secretKey,
                         @DefaultValue("30s") Duration leaseTimeout,
                         @DefaultValue("2s") Duration heartbeat,
                         @DefaultValue("2GB") DataSize maxContextSize,
                         @DefaultValue("30d") Duration logRetention,
                         @DefaultValue("auto") String embeddedWorker,
                         Path workerJar) {
    }

    /**
     * Outbound webhooks, delivered from a queue in PostgreSQL by every replica.
     *
     * @param connectTimeout       connecting to a receiver
     * @param readTimeout          waiting for a receiver's response (and reading its first bytes)
     * @param retryDelay           the wait before the first retry; each later one waits 3 times longer
     * @param maxRetryDelay        the longest wait between two attempts
     * @param maxAttempts          a delivery fails for good after this many attempts ...
     * @param maxAge               ... or once it is this old
     * @param pollInterval         how often a replica looks for due deliveries (it is also woken at once
     *                             by its own events)
     * @param concurrency          deliveries in flight per replica
     * @param retention            deliveries that ended longer ago are deleted, with their attempts
     * @param allowPrivateTargets  false: refuse targets that are or resolve to loopback, link-local,
     *                             private (RFC 1918, fc00::/7) or wildcard addresses
     */
    public record Webhooks(@DefaultValue("5s") Duration connectTimeout,
                           @DefaultValue("10s") Duration readTimeout,
                           @DefaultValue("10s") Duration retryDelay,
                           @DefaultValue("1h") Duration maxRetryDelay,
                           @DefaultValue("10") int maxAttempts,
                           @DefaultValue("24h") Duration maxAge,
                           @DefaultValue("1s") Duration pollInterval,
                           @DefaultValue("8") int concurrency,
                           @DefaultValue("30d") Duration retention,
                           @DefaultValue("true") boolean allowPrivateTargets) {
    }

    /** @param maxImportSize the largest image tar {@code POST /api/v1/images/.../import} accepts */
    public record Images(@DefaultValue("10GB") DataSize maxImportSize) {
    }

    /**
     * Online garbage collection (docs/gc.md).
     *
     * @param interval  how often one replica collects; 0 turns the schedule off (POST /api/v1/gc still works)
     * @param blobGrace a blob, link or orphan file younger than this is never collected: the time a
     *                  client may take between uploading a blob and pushing the manifest naming it
     * @param batchSize rows per statement and transaction
     * @param dutyCycle the share of wall-clock time a collection works, resting between batches
     *                  for the rest, so pushes and pulls keep their speed while it runs; 1 = full speed
     * @param walkInterval a collection walks the whole store for orphan files (bytes no blobs row
     *                  describes, left by a crash) only if no collection did within this time; 0 =
     *                  every collection. Walking is most of a collection's work on a large store,
     *                  and orphans are rare; they wait at most grace + this interval
     */
    public record Gc(@DefaultValue("1h") Duration interval, @DefaultValue("24h") Duration blobGrace,
                     @DefaultValue("500") int batchSize, @DefaultValue("0.1") double dutyCycle,
                     @DefaultValue("6h") Duration walkInterval) {
    }

    /**
     * Retention policies (set through the API) run on one replica at a time, every {@code interval}
     * (the first run {@code interval} after start); {@code 0} runs them only on demand.
     */
    public record Retention(@DefaultValue("1h") Duration interval) {
    }
}
