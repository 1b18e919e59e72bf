package io.stevedore.builder.worker;

import io.stevedore.builder.engine.BuildException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A job's git source checked out with Debian's git: a shallow fetch of the ref (branch, tag or
 * commit), falling back to a full fetch for servers that refuse to serve a bare commit. A token
 * reaches git through GIT_CONFIG_* environment variables as an http.extraHeader, an SSH key as a
 * 0600 file named in GIT_SSH_COMMAND: neither is on a command line or in the log.
 */
final class GitCheckout {
    /** Transports a submitter may name; file:// and ext:: would reach the worker's own disk and shell. */
    static final String NETWORK_PROTOCOLS = "https:http:ssh:git";

    private final String allowedProtocols;
    private final Consumer<String> log;

    GitCheckout(String allowedProtocols, Consumer<String> log) {
        this.allowedProtocols = allowedProtocols;
        this.log = log;
    }

    /**
     * Checks {@code git} out into {@code scratch}/src and returns the context directory in it.
     *
     * @param secret the job secret named by {@code git.secret()}, or null
     */
    Path checkout(Job.GitSource git, byte[] secret, Path scratch) throws IOException, InterruptedException {
        refuseOptionLike(git.url(), "url");
        refuseOptionLike(git.ref(), "ref");
        Path checkout = scratch.resolve("src");
        Map<String, String> environment = environment(git.url(), secret, scratch);
        run(environment, scratch, "git", "init", "-q", checkout.toString());
        run(environment, checkout, "git", "remote", "add", "origin", git.url());
        String ref = git.ref() == null || git.ref().isBlank() ? "HEAD" : git.ref();
        if (run(environment, checkout, "git", "fetch", "-q", "--depth", "1", "origin", ref) == 0) {
            requireSuccess(run(environment, checkout, "git", "checkout", "-q", "--detach", "FETCH_HEAD"), git, ref);
        } else {
            log.accept("git: shallow fetch of " + ref + " failed, fetching the whole repository");
            if (run(environment, checkout, "git", "fetch", "-q", "--tags", "origin", "+refs/heads/*:refs/remotes/origin/*") != 0) {
                throw new BuildException("git: cannot fetch " + git.url());
            }
            requireSuccess(run(environment, checkout, "git", "checkout", "-q", "--detach", ref + "^{commit}"), git, ref);
        }
        log.accept("git: checked out " + ref + " of " + git.url());
        return ContextPaths.inside(checkout, git.subdir() == null ? "" : git.subdir(), "git subdir");
    }

    private static void requireSuccess(int status, Job.GitSource git, String ref) {
        if (status != 0) {
            throw new BuildException("git: ref '" + ref + "' not found in " + git.url());
        }
    }

    private static void refuseOptionLike(String value, String what) {
        if (value != null && value.startsWith("-")) {
            throw new BuildException("git " + what + " must not start with '-': " + value);
        }
    }

    private Map<String, String> environment(String url, byte[] secret, Path scratch) throws IOException {
        Map<String, String> environment = new java.util.HashMap<>(System.getenv());
        environment.keySet().removeIf(name -> name.startsWith("GIT_TRACE") || name.equals("GIT_CURL_VERBOSE")
                || name.startsWith("GIT_CONFIG") || name.equals("GIT_ASKPASS") || name.equals("SSH_ASKPASS"));
        environment.put("GIT_TERMINAL_PROMPT", "0");
        environment.put("GIT_ALLOW_PROTOCOL", allowedProtocols);
        Path knownHosts = scratch.resolve("known_hosts");
        String ssh = "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=" + quote(knownHosts);
        if (secret != null && isHttp(url)) {
            String basic = Base64.getEncoder().encodeToString(
                    ("x-access-token:" + new String(secret, StandardCharsets.UTF_8).strip()).getBytes(StandardCharsets.UTF_8));
            environment.put("GIT_CONFIG_COUNT", "1");
            environment.put("GIT_CONFIG_KEY_0", "http.extraHeader");
            environment.put("GIT_CONFIG_VALUE_0", "Authorization: Basic " + basic);
        } else if (secret != null) {
            Path key = Files.createFile(scratch.resolve("git-key"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            byte[] text = secret.length > 0 && secret[secret.length - 1] != '\n' ? concat(secret, (byte) '\n') : secret;
            Files.write(key, text);
            ssh += " -o IdentitiesOnly=yes -i " + quote(key);
        }
        environment.put("GIT_SSH_COMMAND", ssh);
        return environment;
    }

    private static boolean isHttp(String url) {
        String lower = url.toLowerCase(java.util.Locale.ROOT);
        return lower.startsWith("https://") || lower.startsWith("http://");
    }

    /** Runs git with its output in the build log; kills it (and its ssh or https helper) when interrupted. */
    private int run(Map<String, String> environment, Path directory, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .directory(directory.toFile());
        builder.environment().clear();
        builder.environment().putAll(environment);
        Process git = builder.start();
        Thread output = Thread.ofPlatform().daemon().start(() -> relay(git.getInputStream()));
        try {
            int status = git.waitFor();
            output.join();
            return status;
        } catch (InterruptedException e) {
            git.descendants().forEach(ProcessHandle::destroyForcibly);
            git.destroyForcibly();
            throw e;
        }
    }

    private void relay(InputStream output) {
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(output, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                log.accept("git: " + line);
            }
        } catch (IOException e) {
            // git went away
        }
    }

    private static String quote(Path path) {
        return "'" + path.toString().replace("'", "'\\''") + "'";
    }

    private static byte[] concat(byte[] bytes, byte last) {
        byte[] result = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        result[bytes.length] = last;
        return result;
    }

}
