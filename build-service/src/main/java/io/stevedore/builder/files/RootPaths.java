package io.stevedore.builder.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves an in-image path inside a root directory the way the image would see it, following
 * symlinks as if {@code root} were {@code /}: absolute link targets restart at the root and
 * {@code ..} stops at the root (moby's FollowSymlinkInScope, cyphar's securejoin). The result is
 * always {@code root} or below it; components that do not exist yet are kept as written.
 */
public final class RootPaths {
    private static final int MAX_LINKS = 255;

    private RootPaths() {}

    public static Path resolve(Path root, String pathInImage) {
        Deque<String> pending = new ArrayDeque<>(split(pathInImage));
        List<String> resolved = new ArrayList<>();
        int linksFollowed = 0;
        boolean missing = false; // once a component is missing, nothing under it can be a symlink
        while (!pending.isEmpty()) {
            String component = pending.removeFirst();
            if (component.isEmpty() || component.equals(".")) {
                continue;
            }
            if (component.equals("..")) {
                if (!resolved.isEmpty()) {
                    resolved.remove(resolved.size() - 1);
                }
                missing = false;
                continue;
            }
            Path candidate = join(root, resolved).resolve(component);
            if (!missing) {
                BasicFileAttributes attributes = lstat(candidate);
                if (attributes == null) {
                    missing = true;
                } else if (attributes.isSymbolicLink()) {
                    if (++linksFollowed > MAX_LINKS) {
                        throw new SymlinkLoopException("too many levels of symbolic links resolving " + pathInImage);
                    }
                    String target = readLink(candidate);
                    if (target.startsWith("/")) {
                        resolved.clear();
                    }
                    List<String> targetComponents = split(target);
                    for (int i = targetComponents.size() - 1; i >= 0; i--) {
                        pending.addFirst(targetComponents.get(i));
                    }
                    continue;
                }
            }
            resolved.add(component);
        }
        return join(root, resolved);
    }

    private static List<String> split(String path) {
        List<String> components = new ArrayList<>();
        for (String component : path.split("/")) {
            if (!component.isEmpty()) {
                components.add(component);
            }
        }
        return components;
    }

    private static Path join(Path root, List<String> components) {
        Path path = root;
        for (String component : components) {
            path = path.resolve(component);
        }
        return path;
    }

    private static BasicFileAttributes lstat(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (java.nio.file.FileSystemException e) {
            if ("Not a directory".equals(e.getReason())) {
                return null; // a parent is a file: nothing below it exists
            }
            throw new UncheckedIOException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readLink(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
