package io.stevedore.registry.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.stevedore.registry.config.RegistryProperties;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * The embedded default database: with no {@code spring.datasource.url}, start PostgreSQL under
 * the data dir and hand Spring a DataSource for it. Being a DataSource bean of the application,
 * it makes Boot's DataSource auto-configuration back off, and Flyway's migrates it.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedPostgresConfiguration.NoDataSourceUrl.class)
class EmbeddedPostgresConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresConfiguration.class);
    static final int MAXIMUM_POOL_SIZE = 20;

    @Bean(destroyMethod = "stop")
    EmbeddedPostgres embeddedPostgres(RegistryProperties properties) throws IOException {
        RegistryProperties.EmbeddedPostgres settings = properties.embeddedPostgres();
        EmbeddedPostgres postgres = new EmbeddedPostgres(properties.dataDir(), settings.port(), settings.runAs());
        EmbeddedPostgres.Endpoint endpoint = postgres.start();
        log.info("Embedded PostgreSQL listening on {}:{} (user {}), data in {}, log in {} (set spring.datasource.url "
                + "to use another database)", endpoint.host(), endpoint.port(), endpoint.username(), postgres.clusterDir(),
                postgres.logFile());
        return postgres;
    }

    /**
     * Takes the started server as a parameter, so the server is running before the pool opens
     * and the pool is closed before the server stops. Logs in as the registry's own role, not
     * the superuser: Flyway, running on this pool, creates the tables as that role.
     */
    @Bean
    HikariDataSource dataSource(EmbeddedPostgres postgres, Environment environment) {
        EmbeddedPostgres.Endpoint endpoint = postgres.endpoint();
        HikariConfig config = new HikariConfig();
        config.setPoolName("embedded-postgres");
        config.setJdbcUrl(endpoint.jdbcUrl());
        config.setUsername(endpoint.username());
        config.setPassword(endpoint.password());
        config.setMaximumPoolSize(MAXIMUM_POOL_SIZE);
        // The pool settings an external database's pool gets (its timeouts, application.properties).
        Binder.get(environment).bind("spring.datasource.hikari", Bindable.ofInstance(config));
        return new HikariDataSource(config);
    }

    /** Matches when {@code spring.datasource.url} (or SPRING_DATASOURCE_URL) is unset or blank. */
    static final class NoDataSourceUrl extends SpringBootCondition {
        private static final String PROPERTY = "spring.datasource.url";

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            ConditionMessage.Builder message = ConditionMessage.forCondition("Embedded PostgreSQL");
            if (StringUtils.hasText(context.getEnvironment().getProperty(PROPERTY))) {
                return ConditionOutcome.noMatch(message.found("property").items(PROPERTY));
            }
            return ConditionOutcome.match(message.didNotFind("property").items(PROPERTY));
        }
    }
}
