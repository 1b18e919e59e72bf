package io.stevedore.registry.postgres;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/** A generated password, kept in a file only its owner may read or write (0600). */
public record PasswordFile(Path path) {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    public boolean exists() {
        return Files.exists(path);
    }

    /** The password; the mode is put back to 0600 first, should someone have loosened it. */
    public String read() throws IOException {
        Files.setPosixFilePermissions(path, OWNER_ONLY);
        String password = Files.readString(path).strip();
        if (password.isEmpty()) {
            throw new IllegalStateException(path + " is empty");
        }
        return password;
    }

    /** The password, generated first (with its directory) if there is none yet. */
    public String readOrCreate() {
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            return exists() ? read() : create();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep a secret in " + path, e);
        }
    }

    /** A new random password, written over any earlier one. */
    public String create() throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        // Created 0600 from the start and renamed into place: never readable by others, never half written.
        Path temp = Files.createTempFile(path.toAbsolutePath().getParent(), path.getFileName() + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Files.writeString(temp, password + "\n");
        Files.move(temp, path, ATOMIC_MOVE);
        return password;
    }
}
