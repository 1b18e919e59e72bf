package io.stevedore.registry.builds.triggers;

import java.util.regex.Pattern;

/** What a verified webhook delivery announced. */
sealed interface WebhookEvent {

    /** GitHub's test delivery when a webhook is added. */
    record Ping() implements WebhookEvent {
    }

    /** An event that is not a push (an issue, a merge request...): acknowledged, nothing more. */
    record Other(String event) implements WebhookEvent {
    }

    /**
     * A push to a branch or a tag.
     *
     * @param ref           {@code refs/heads/<branch>} or {@code refs/tags/<tag>}
     * @param sha           the commit the ref now points at, or null when the push deleted the ref
     * @param defaultBranch the git repository's default branch as the sender says, or null
     */
    record Push(String ref, String sha, String defaultBranch) implements WebhookEvent {
        private static final String HEADS = "refs/heads/";
        private static final String TAGS = "refs/tags/";
        /** SHA-1 object names, and SHA-256 ones of repositories that use them. */
        private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");
        private static final Pattern ZEROS = Pattern.compile("0+");

        /** A push whose commit is given as an all-zero name (git's "no object") deleted its ref. */
        public Push {
            if (sha != null && ZEROS.matcher(sha).matches()) {
                sha = null;
            }
        }

        boolean deletion() {
            return sha == null;
        }

        /** The branch pushed to, or null for a tag push. */
        String branch() {
            return ref.startsWith(HEADS) ? ref.substring(HEADS.length()) : null;
        }

        /** The tag pushed, or null for a branch push. */
        String tag() {
            return ref.startsWith(TAGS) ? ref.substring(TAGS.length()) : null;
        }

        static boolean isCommit(String sha) {
            return sha != null && COMMIT.matcher(sha).matches();
        }
    }
}
