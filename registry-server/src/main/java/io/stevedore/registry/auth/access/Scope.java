package io.stevedore.registry.auth.access;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Access to one resource in the Docker token protocol: {@code repository:alice/app:pull,push} as
 * a scope parameter or challenge, {@code {"type","name","actions"}} in a token's access claim.
 *
 * @param actions in the protocol's usual order (pull, push, delete, *), others after them
 */
public record Scope(String type, String name, Set<String> actions) {

    public static final String REPOSITORY = "repository";
    public static final String REGISTRY = "registry";
    public static final String PULL = "pull";
    public static final String PUSH = "push";
    public static final String DELETE = "delete";
    public static final String ALL = "*";

    /** Every action there is on a repository; {@code *} on a repository means these. */
    public static final Set<String> REPOSITORY_ACTIONS = Set.of(PULL, PUSH, DELETE);

    private static final List<String> ORDER = List.of(PULL, PUSH, DELETE, ALL);
    private static final Comparator<String> ACTION_ORDER = Comparator
            .comparingInt((String a) -> ORDER.contains(a) ? ORDER.indexOf(a) : ORDER.size())
            .thenComparing(Comparator.naturalOrder());
    private static final Pattern TYPE = Pattern.compile("[a-z0-9]+(?:\\([a-z0-9]+\\))?");
    private static final Pattern ACTION = Pattern.compile("[a-z*]+");

    public Scope {
        Set<String> sorted = new TreeSet<>(ACTION_ORDER);
        sorted.addAll(actions);
        actions = Collections.unmodifiableSet(new LinkedHashSet<>(sorted));
    }

    public static Scope repository(String name, String... actions) {
        return new Scope(REPOSITORY, name, Set.of(actions));
    }

    /** {@code registry:catalog:*}, what {@code /v2/_catalog} needs. */
    public static Scope catalog() {
        return new Scope(REGISTRY, "catalog", Set.of(ALL));
    }

    public boolean isCatalog() {
        return REGISTRY.equals(type) && "catalog".equals(name);
    }

    public boolean isRepository() {
        return REPOSITORY.equals(type);
    }

    /**
     * Parses {@code type:name:actions}. The name may hold colons (a registry host with a port), so
     * the type ends at the first colon and the actions begin after the last one.
     */
    public static Optional<Scope> parse(String text) {
        int first = text.indexOf(':');
        int last = text.lastIndexOf(':');
        if (first <= 0 || last <= first + 1 || last == text.length() - 1) {
            return Optional.empty();
        }
        String type = text.substring(0, first);
        Set<String> actions = new LinkedHashSet<>();
        for (String action : text.substring(last + 1).split(",")) {
            if (!ACTION.matcher(action).matches()) {
                return Optional.empty();
            }
            actions.add(action);
        }
        if (!TYPE.matcher(type).matches()) {
            return Optional.empty();
        }
        return Optional.of(new Scope(type, text.substring(first + 1, last), actions));
    }

    /**
     * Every well-formed scope in the parameters, each of which may hold several separated by
     * spaces (the OAuth2 form); malformed ones are left out, as the token specification wants.
     */
    public static List<Scope> parseAll(Collection<String> parameters) {
        List<Scope> scopes = new ArrayList<>();
        for (String parameter : parameters) {
            for (String text : parameter.trim().split("\\s+")) {
                if (!text.isEmpty()) {
                    parse(text).ifPresent(scopes::add);
                }
            }
        }
        return merge(scopes);
    }

    /** One scope per resource, with the union of the actions asked for it. */
    public static List<Scope> merge(Collection<Scope> scopes) {
        Map<List<String>, Set<String>> byResource = new LinkedHashMap<>();
        for (Scope scope : scopes) {
            byResource.computeIfAbsent(List.of(scope.type, scope.name), k -> new LinkedHashSet<>())
                    .addAll(scope.actions);
        }
        List<Scope> merged = new ArrayList<>();
        byResource.forEach((resource, actions) -> merged.add(new Scope(resource.get(0), resource.get(1), actions)));
        return merged;
    }

    /** The entry of a token's {@code access} claim. */
    public Map<String, Object> toClaim() {
        Map<String, Object> claim = new LinkedHashMap<>();
        claim.put("type", type);
        claim.put("name", name);
        claim.put("actions", List.copyOf(actions));
        return claim;
    }

    /** Reads an entry of a token's {@code access} claim; empty if it is not one. */
    public static Optional<Scope> fromClaim(Object entry) {
        if (!(entry instanceof Map<?, ?> map) || !(map.get("type") instanceof String type)
                || !(map.get("name") instanceof String name) || !(map.get("actions") instanceof List<?> list)) {
            return Optional.empty();
        }
        Set<String> actions = new LinkedHashSet<>();
        for (Object action : list) {
            if (action instanceof String s) {
                actions.add(s);
            }
        }
        return Optional.of(new Scope(type, name, actions));
    }

    @Override
    public String toString() {
        return type + ":" + name + ":" + String.join(",", actions);
    }
}
