package io.stevedore.registry.auth.login;

import io.stevedore.registry.auth.accounts.Account;

/**
 * A successful login: the account, and the personal access token it used, if any (refresh
 * tokens issued for it die with that token).
 */
public record Login(Account account, Long accessTokenId) {

    public Login(Account account) {
        this(account, null);
    }
}
