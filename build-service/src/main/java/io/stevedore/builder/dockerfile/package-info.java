/**
 * The Dockerfile language: {@link io.stevedore.builder.dockerfile.Dockerfile#parse} turns text into
 * records ({@link io.stevedore.builder.dockerfile.Instruction} and its kinds), keeping every value
 * raw for the executor, which expands it with {@link io.stevedore.builder.dockerfile.ShellWords}
 * once it knows the ARGs and ENV in force.
 *
 * <p>Semantics follow the Dockerfile reference and BuildKit's {@code frontend/dockerfile/parser}
 * and {@code shell} packages: directives only at the very top ({@code syntax}, {@code escape},
 * {@code check}; the first other line, blank or not, ends them), continuation lines joined with
 * nothing inserted, comment and blank lines inside continuations dropped, heredocs for RUN, COPY
 * and ADD in shell form, flags only before the arguments. Where this package deliberately differs
 * it says so at the place: text starting with {@code ["} that is not valid JSON is an error rather
 * than a shell command ({@code ExecForm}); a heredoc body keeps escapes before ordinary characters
 * ({@link io.stevedore.builder.dockerfile.ShellWords#heredocBody}); every problem is a
 * {@link io.stevedore.builder.dockerfile.DockerfileException} whose message starts
 * {@code Dockerfile:LINE:}.
 */
package io.stevedore.builder.dockerfile;
