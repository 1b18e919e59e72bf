package io.stevedore.registry.auth.accounts;

import java.util.Optional;
import org.springframework.stereotype.Component;

/** Finds an account by its login name: {@code acme+ci} is a robot, any other name a user. */
@Component
public class Accounts {
    private final UserStore users;
    private final RobotStore robots;

    public Accounts(UserStore users, RobotStore robots) {
        this.users = users;
        this.robots = robots;
    }

    public Optional<Account> find(String name) {
        return name.indexOf(RobotStore.SEPARATOR) >= 0
                ? robots.find(name).map(Account.class::cast)
                : users.find(name).map(Account.class::cast);
    }
}
