package io.stevedore.builder.dockerfile;

/** One name of an ARG instruction; {@code defaultValue} raw, or null when none was given. */
public record ArgDeclaration(String name, String defaultValue) {}
