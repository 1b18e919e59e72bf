package io.stevedore.builder.dockerfile;

/**
 * A here-document body that followed its instruction ({@code <<EOF}, {@code <<-EOF},
 * {@code <<"EOF"}).
 *
 * @param name    the delimiter without quotes; for COPY/ADD the name of the file it becomes
 * @param content the body lines, each with its line break, without the delimiter line; when
 *                {@code chomp} the leading tabs of every line are already removed
 * @param expand  false when the delimiter was quoted, in whole or in part: the body is taken
 *                literally. For COPY/ADD the executor expands an unquoted body with
 *                {@link ShellWords#heredocBody}; for RUN the shell does its own expansion.
 * @param chomp   written as {@code <<-}
 */
public record Heredoc(String name, String content, boolean expand, boolean chomp) {}
