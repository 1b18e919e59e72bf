package io.stevedore.builder.cli;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the other end of a Unix socket runs as this process's effective user (SO_PEERCRED). A
 * request carries its caller's environment, secrets included, and a daemon runs builds as its own
 * user, so each side talks only to its own user: a shared work dir could hold another user's
 * socket under the same name. /proc/self is owned by this process's effective user, and user
 * principals compare by uid.
 */
final class SameUser {
    private SameUser() {}

    /** False when the peer is another user, and when this cannot be told (no /proc, no jdk.net module). */
    static boolean at(SocketChannel channel) {
        try {
            return channel.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user()
                    .equals(Files.getOwner(Path.of("/proc/self")));
        } catch (IOException | UnsupportedOperationException | LinkageError e) {
            return false;
        }
    }
}
