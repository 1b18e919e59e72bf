package io.stevedore.registry.auth.accounts;

import java.util.Set;

/**
 * A build, while a worker runs it: it reads what its submitter may read and writes only to the
 * repositories it builds into (its tags' and its cache's), and deletes nothing, whatever more the
 * submitter may do. Its name ({@code build@17}) cannot be an account's: names never hold '@'.
 *
 * @param writable the repositories it may push to, within what the submitter may push to
 */
public record BuildAccount(long buildId, Account submitter, Set<String> writable) implements Account {
    public static final String NAME_PREFIX = "build@";

    public BuildAccount {
        writable = Set.copyOf(writable);
    }

    public static String nameOf(long buildId) {
        return NAME_PREFIX + buildId;
    }

    @Override
    public String name() {
        return nameOf(buildId);
    }

    @Override
    public Long userId() {
        return submitter.userId();
    }

    @Override
    public Long robotId() {
        return submitter.robotId();
    }
}
