package io.stevedore.registry.auth.management;

import io.stevedore.registry.auth.access.Grant;

/** A grant as the API reads and writes it: {@code {"repository","role"}} with the role's wire name. */
record GrantView(String repository, String role) {
    static GrantView of(Grant grant) {
        return new GrantView(grant.repository(), grant.role().wireName());
    }
}
