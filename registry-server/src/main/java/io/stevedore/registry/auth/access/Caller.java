package io.stevedore.registry.auth.access;

import io.stevedore.registry.auth.accounts.Account;
import java.util.List;

/** Who sent a request, as far as access is concerned. */
public sealed interface Caller {

    /** Authentication is switched off: every caller may do everything. */
    Caller UNRESTRICTED = new Unrestricted();
    Caller ANONYMOUS = new Anonymous();

    /** The name the audit log records for the caller; null when there is none. */
    String actor();

    record Unrestricted() implements Caller {
        @Override
        public String actor() {
            return null;
        }
    }

    /** No credentials: what anyone may do (pull public repositories). */
    record Anonymous() implements Caller {
        @Override
        public String actor() {
            return null;
        }
    }

    /**
     * An account that sent its secret (HTTP Basic: a password, a personal access token or a robot
     * token); what it may do is looked up per request.
     */
    record Password(Account account) implements Caller {
        @Override
        public String actor() {
            return account.name();
        }
    }

    /**
     * The bearer of one of our tokens: what the token grants, decided when it was issued, plus
     * what anyone may do.
     *
     * @param subject the account the token was issued to, or null for an anonymous token
     */
    record Bearer(String subject, List<Scope> access) implements Caller {
        public Bearer {
            access = List.copyOf(access);
        }

        @Override
        public String actor() {
            return subject;
        }
    }
}
