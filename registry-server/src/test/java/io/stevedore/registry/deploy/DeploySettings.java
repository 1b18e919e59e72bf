package io.stevedore.registry.deploy;

import io.stevedore.json.Json;
import io.stevedore.registry.config.RegistryProperties;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.boot.convert.DurationStyle;
import tools.jackson.databind.JsonNode;

/**
 * Checks that the environment a deployment file gives the registry names real settings, the way
 * the server reads them: {@code REGISTRY_*} bound to {@link RegistryProperties} by Spring's own
 * relaxed binding, failing on any name no setting was bound from and on any value that does
 * not convert; {@code SPRING_*}, {@code SERVER_*}, {@code MANAGEMENT_*} looked up in Spring Boot's
 * configuration metadata (the {@code spring-configuration-metadata.json} of every jar on the class
 * path), where {@code _} stands for {@code .} or {@code -}.
 */
public final class DeploySettings {
    private static final List<String> SPRING_PREFIXES = List.of("SPRING_", "SERVER_", "MANAGEMENT_", "LOGGING_");

    private DeploySettings() {
    }

    /**
     * How long the registry lets requests in flight finish once asked to stop
     * ({@code spring.lifecycle.timeout-per-shutdown-phase} in its application.properties): a
     * deployment must give the container longer before it kills it.
     */
    public static Duration shutdownTimeout() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = DeploySettings.class.getResourceAsStream("/application.properties")) {
            properties.load(in);
        }
        return DurationStyle.detectAndParse(properties.getProperty("spring.lifecycle.timeout-per-shutdown-phase"));
    }

    /** The names in {@code environment} that are no setting of the registry; empty when all are. */
    public static List<String> unknownSettings(Map<String, String> environment) {
        List<String> unknown = new ArrayList<>();
        Map<String, Object> registry = new TreeMap<>();
        for (Map.Entry<String, String> variable : environment.entrySet()) {
            String name = variable.getKey();
            if (name.startsWith("REGISTRY_")) {
                registry.put(name, variable.getValue());
            } else if (SPRING_PREFIXES.stream().anyMatch(name::startsWith) && !springMetadata().contains(relaxed(name))) {
                unknown.add(name + " (no such Spring Boot property)");
            }
        }
        Set<String> bound = new HashSet<>();
        try {
            bind(registry, new BindHandler() {
                @Override
                public Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                                        Object result) {
                    bound.add(name.toString().toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
                    return result;
                }
            });
        } catch (RuntimeException e) {
            unknown.add("REGISTRY_* does not bind to RegistryProperties: " + rootMessage(e));
        }
        registry.keySet().stream().filter(name -> !bound.contains(name))
                .forEach(name -> unknown.add(name + " (binds to no registry.* setting)"));
        return unknown;
    }

    /** The registry's settings as the server would bind them from this environment. */
    public static RegistryProperties bind(Map<String, Object> environment) {
        return bind(environment, BindHandler.DEFAULT);
    }

    private static RegistryProperties bind(Map<String, Object> environment, BindHandler handler) {
        MutablePropertySources sources = new MutablePropertySources();
        sources.addFirst(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, environment));
        return new Binder(ConfigurationPropertySources.from(sources))
                .bindOrCreate("registry", Bindable.of(RegistryProperties.class), handler);
    }

    private static String rootMessage(Throwable e) {
        StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            message.append(" <- ").append(cause.getMessage());
        }
        return message.toString();
    }

    private static String relaxed(String name) {
        return name.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    private static Set<String> metadata;

    private static synchronized Set<String> springMetadata() {
        if (metadata == null) {
            Set<String> names = new HashSet<>();
            try {
                for (String resource : List.of("META-INF/spring-configuration-metadata.json",
                        "META-INF/additional-spring-configuration-metadata.json")) {
                    for (URL url : Collections.list(DeploySettings.class.getClassLoader().getResources(resource))) {
                        try (InputStream in = url.openStream()) {
                            JsonNode properties = Json.MAPPER.readTree(in).get("properties");
                            if (properties != null) {
                                properties.forEach(p -> names.add(p.get("name").asString().replace('-', '.')));
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read Spring Boot's configuration metadata", e);
            }
            if (!names.contains("spring.datasource.url")) {
                throw new IllegalStateException("Spring Boot's configuration metadata is not on the class path");
            }
            metadata = names;
        }
        return metadata;
    }
}
