package io.stevedore.registry.builds.triggers;

import io.stevedore.oci.Tag;
import io.stevedore.registry.api.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tags a push gets: templates of literal text and placeholders, {@code {branch}} (the branch,
 * '/' made '-'), {@code {tag}} (the git tag), {@code {sha}} and {@code {sha:N}} (the commit's first
 * N hex digits). A template naming what the push lacks ({@code {tag}} on a branch push) gives no
 * tag. Values are made valid OCI tags: characters outside {@code [A-Za-z0-9_.-]} become '-'.
 */
final class TagTemplates {
    static final int MAX_TEMPLATES = 16;
    static final String LATEST = "latest";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)(?::([0-9]{1,2}))?}");
    private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9_.-]*");
    private static final Pattern NOT_TAG_CHARACTER = Pattern.compile("[^A-Za-z0-9_.-]");
    private static final int MAX_TAG = 128;

    private TagTemplates() {
    }

    /** The templates, checked: known placeholders only, literal text of tag characters. */
    static List<String> check(List<String> templates) {
        List<String> given = templates == null ? List.of() : templates;
        if (given.size() > MAX_TEMPLATES) {
            throw ApiException.badRequest("tagTemplates: at most " + MAX_TEMPLATES);
        }
        for (String template : given) {
            if (template == null || template.isEmpty()) {
                throw ApiException.badRequest("tagTemplates: a template must not be empty");
            }
            Matcher placeholder = PLACEHOLDER.matcher(template);
            int literalFrom = 0;
            while (placeholder.find()) {
                checkLiteral(template, template.substring(literalFrom, placeholder.start()));
                String name = placeholder.group(1);
                String length = placeholder.group(2);
                boolean known = switch (name) {
                    case "branch", "tag" -> length == null;
                    case "sha" -> length == null || Integer.parseInt(length) >= 1 && Integer.parseInt(length) <= 40;
                    default -> false;
                };
                if (!known) {
                    throw ApiException.badRequest("tagTemplates: \"" + template + "\": " + placeholder.group()
                            + " is not {branch}, {tag}, {sha} or {sha:N} with N from 1 to 40");
                }
                literalFrom = placeholder.end();
            }
            checkLiteral(template, template.substring(literalFrom));
        }
        return List.copyOf(given);
    }

    private static void checkLiteral(String template, String literal) {
        if (!LITERAL.matcher(literal).matches()) {
            throw ApiException.badRequest("tagTemplates: \"" + template + "\": \"" + literal
                    + "\" is neither a placeholder nor tag characters (letters, digits, '_', '.', '-')");
        }
    }

    /** The push's tags in template order, then {@code latest} if the trigger asks for it; no repeats. */
    static List<String> render(BuildTrigger trigger, WebhookEvent.Push push) {
        Set<String> tags = new LinkedHashSet<>();
        for (String template : trigger.tagTemplates()) {
            render(template, push).ifPresent(tags::add);
        }
        if (trigger.latestOnDefaultBranch() && push.branch() != null && push.branch().equals(push.defaultBranch())) {
            tags.add(LATEST);
        }
        return new ArrayList<>(tags);
    }

    /** The template's tag for the push; empty when it names what the push lacks. */
    static Optional<String> render(String template, WebhookEvent.Push push) {
        Matcher placeholder = PLACEHOLDER.matcher(template);
        StringBuilder tag = new StringBuilder();
        int literalFrom = 0;
        while (placeholder.find()) {
            tag.append(template, literalFrom, placeholder.start());
            String value = switch (placeholder.group(1)) {
                case "branch" -> push.branch() == null ? null : push.branch().replace('/', '-');
                case "tag" -> push.tag();
                case "sha" -> placeholder.group(2) == null ? push.sha()
                        : push.sha().substring(0, Math.min(push.sha().length(), Integer.parseInt(placeholder.group(2))));
                default -> null;
            };
            if (value == null) {
                return Optional.empty();
            }
            tag.append(NOT_TAG_CHARACTER.matcher(value).replaceAll("-"));
            literalFrom = placeholder.end();
        }
        tag.append(template, literalFrom, template.length());
        return Optional.of(tag).map(TagTemplates::valid).filter(Tag::isValid);
    }

    /** A tag starts with a letter, digit or '_' and has at most 128 characters. */
    private static String valid(CharSequence rendered) {
        String tag = rendered.length() > MAX_TAG ? rendered.subSequence(0, MAX_TAG).toString() : rendered.toString();
        return !tag.isEmpty() && (tag.charAt(0) == '.' || tag.charAt(0) == '-') ? "_" + tag.substring(1) : tag;
    }
}
