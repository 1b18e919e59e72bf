package io.stevedore.builder.dockerfile;

/** An ENV or LABEL pair, both sides raw (quotes not yet removed, nothing expanded). */
public record KeyValue(String key, String value) {}
