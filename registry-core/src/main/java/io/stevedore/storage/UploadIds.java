package io.stevedore.storage;

import java.util.UUID;
import java.util.regex.Pattern;

/** Upload session ids: random UUIDs, so they are unguessable and safe as path components. */
public final class UploadIds {
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private UploadIds() {
    }

    public static String newId() {
        return UUID.randomUUID().toString();
    }

    public static boolean isValid(String id) {
        return id != null && UUID_TEXT.matcher(id).matches();
    }

    public static String require(String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException("invalid upload id");
        }
        return id;
    }
}
