package io.stevedore.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235): a scheme and its parameters,
 * e.g. {@code Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull,push"}.
 * Parameter names are lower-cased; values are unquoted, so commas inside quotes stay in the value.
 */
public record AuthChallenge(String scheme, Map<String, String> parameters) {

    public AuthChallenge {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    public boolean isBearer() {
        return scheme.equalsIgnoreCase("Bearer");
    }

    public boolean isBasic() {
        return scheme.equalsIgnoreCase("Basic");
    }

    public String parameter(String name) {
        return parameters.get(name.toLowerCase(Locale.ROOT));
    }

    public String realm() {
        return parameter("realm");
    }

    public String service() {
        return parameter("service");
    }

    /** The scopes the challenge names, space-separated in the header when there are several. */
    public List<String> scopes() {
        String scope = parameter("scope");
        return scope == null || scope.isBlank() ? List.of() : List.of(scope.trim().split("\\s+"));
    }

    /** Every challenge in one header value; malformed pieces are skipped, never an error. */
    public static List<AuthChallenge> parse(String header) {
        List<AuthChallenge> challenges = new ArrayList<>();
        if (header == null) {
            return challenges;
        }
        Lexer lexer = new Lexer(header);
        String scheme = null;
        Map<String, String> parameters = new LinkedHashMap<>();
        while (true) {
            lexer.skip(" \t,");
            if (lexer.atEnd()) {
                break;
            }
            String token = lexer.token();
            if (token.isEmpty()) {
                lexer.position++; // a character no grammar allows here: step over it
                continue;
            }
            lexer.skip(" \t");
            if (scheme != null && lexer.peek() == '=') {
                lexer.position++;
                lexer.skip(" \t");
                String value = lexer.peek() == '"' ? lexer.quoted() : lexer.token();
                parameters.put(token.toLowerCase(Locale.ROOT), value);
            } else {
                if (scheme != null) {
                    challenges.add(new AuthChallenge(scheme, parameters));
                }
                scheme = token;
                parameters = new LinkedHashMap<>();
            }
        }
        if (scheme != null) {
            challenges.add(new AuthChallenge(scheme, parameters));
        }
        return challenges;
    }

    private static final class Lexer {
        private final String text;
        private int position;

        Lexer(String text) {
            this.text = text;
        }

        boolean atEnd() {
            return position >= text.length();
        }

        char peek() {
            return atEnd() ? 0 : text.charAt(position);
        }

        void skip(String characters) {
            while (!atEnd() && characters.indexOf(text.charAt(position)) >= 0) {
                position++;
            }
        }

        /** An RFC 7230 token; token68 values (base64 with trailing '=') are read by the caller as a token too. */
        String token() {
            int start = position;
            while (!atEnd() && isTokenChar(text.charAt(position))) {
                position++;
            }
            return text.substring(start, position);
        }

        String quoted() {
            StringBuilder value = new StringBuilder();
            position++; // opening quote
            while (!atEnd()) {
                char c = text.charAt(position++);
                if (c == '"') {
                    return value.toString();
                }
                if (c == '\\' && !atEnd()) {
                    c = text.charAt(position++);
                }
                value.append(c);
            }
            return value.toString(); // unterminated: take what there is
        }

        private static boolean isTokenChar(char c) {
            return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={} \t".indexOf(c) < 0
                    || c == '/' || c == ':'; // unquoted realms in the wild hold URLs
        }
    }
}
