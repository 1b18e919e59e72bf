package io.stevedore.json;

import tools.jackson.databind.json.JsonMapper;

/** The one JSON codec of the project: Jackson, configured once. */
public final class Json {

    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {
    }
}
