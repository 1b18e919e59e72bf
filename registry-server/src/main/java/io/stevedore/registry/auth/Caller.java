package io.stevedore.registry.auth;

import io.stevedore.registry.auth.UserStore.User;
import java.util.List;

/** Who sent a request, as far as access is concerned. */
public sealed interface Caller {

    /** Authentication is switched off: every caller may do everything. */
    Caller UNRESTRICTED = new Unrestricted();
    Caller ANONYMOUS = new Anonymous();

    record Unrestricted() implements Caller {
    }

    /** No credentials: what anyone may do (pull public repositories). */
    record Anonymous() implements Caller {
    }

    /** A user who sent their password (HTTP Basic); what they may do is looked up per request. */
    record Password(User user) implements Caller {
    }

    /**
     * The bearer of one of our tokens: what the token grants, decided when it was issued, plus
     * what anyone may do.
     *
     * @param subject the user the token was issued to, or null for an anonymous token
     */
    record Bearer(String subject, List<Scope> access) implements Caller {
        public Bearer {
            access = List.copyOf(access);
        }
    }
}
