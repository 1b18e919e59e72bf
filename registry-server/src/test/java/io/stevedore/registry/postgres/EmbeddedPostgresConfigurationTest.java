package io.stevedore.registry.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.stevedore.registry.config.RegistryProperties;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The configuration in a minimal context with Boot's DataSource and Flyway auto-configuration;
 * not the registry application.
 */
class EmbeddedPostgresConfigurationTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RegistryProperties.class)
    static class Properties {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class))
            .withUserConfiguration(Properties.class, EmbeddedPostgresConfiguration.class);

    @Test
    void startsPostgresAndProvidesTheOnlyDataSourceWhichFlywayMigrates() throws Exception {
        Path dataDir = PostgresTestSupport.ROOT.resolve("configuration");
        FileTrees.delete(dataDir);
        runner.withPropertyValues("registry.data-dir=" + dataDir,
                        "spring.flyway.locations=classpath:db/embedded-postgres-test",
                        "spring.datasource.hikari.connection-timeout=4321",
                        "spring.datasource.hikari.validation-timeout=1234")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(EmbeddedPostgres.class).hasSingleBean(DataSource.class);
                    DataSource dataSource = context.getBean(DataSource.class);
                    assertThat(dataSource).isInstanceOfSatisfying(HikariDataSource.class, hikari -> {
                        assertThat(hikari.getMaximumPoolSize()).isEqualTo(20);
                        // what lets requests fail fast with 503 while PostgreSQL is down (docs/reliability.md)
                        assertThat(hikari.getConnectionTimeout()).isEqualTo(4321);
                        assertThat(hikari.getValidationTimeout()).isEqualTo(1234);
                        assertThat(hikari.getJdbcUrl()).isEqualTo(context.getBean(EmbeddedPostgres.class).endpoint().jdbcUrl());
                    });
                    assertThat(context.getBean(Flyway.class).getConfiguration().getDataSource()).isSameAs(dataSource);
                    JdbcTemplate jdbc = new JdbcTemplate(dataSource);
                    assertThat(jdbc.queryForObject("SELECT count(*) FROM flyway_probe", Integer.class)).isZero();
                    assertThat(jdbc.queryForObject("SELECT current_database()", String.class)).isEqualTo("stevedore");
                    assertThat(jdbc.queryForObject("SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
                            Boolean.class)).as("the pool's user is a superuser").isFalse();
                    assertThat(jdbc.queryForObject("SELECT tableowner FROM pg_tables WHERE tablename = 'flyway_probe'",
                            String.class)).isEqualTo("registry");
                });
        assertThat(dataDir.resolve("postgres/postmaster.pid")).as("server stopped with the context").doesNotExist();
        FileTrees.delete(dataDir);
    }

    @Test
    void staysOutOfTheWayWhenADataSourceUrlIsConfigured() {
        // Flyway off: it would try to reach that (nonexistent) database.
        runner.withPropertyValues("spring.datasource.url=jdbc:postgresql://db.invalid/registry", "spring.flyway.enabled=false")
                .run(context -> assertThat(context).hasNotFailed()
                        .doesNotHaveBean(EmbeddedPostgres.class)
                        .doesNotHaveBean(EmbeddedPostgresConfiguration.class)
                        .getBean(DataSource.class).isNotInstanceOfAny(EmbeddedPostgres.class)
                        .satisfies(ds -> assertThat(((HikariDataSource) ds).getJdbcUrl()).contains("db.invalid")));
    }
}
