package io.stevedore.builder.context;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cases from moby/patternmatcher's TestMatches (MatchesOrParentMatches column) and ignorefile. */
class DockerIgnoreTest {

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiterString = " ; ", value = {
            "** ; file ; true", "**/ ; file ; true", "** ; dir/file ; true", "**/ ; dir/file ; true", "**/** ; dir/file ; true",
            "dir/** ; dir/file ; true", "dir/** ; dir/dir2/file ; true", "**/dir ; dir ; true", "**/dir ; dir/file ; true",
            "**/dir2/* ; dir/dir2/file ; true", "**/dir2/** ; dir/dir2/dir3/file ; true", "**file ; file ; true",
            "**file ; dir/file ; true", "**/file ; dir/file ; true", "**file ; dir/dir/file ; true", "**/file ; dir/dir/file ; true",
            "**/file* ; dir/dir/file ; true", "**/file* ; dir/dir/file.txt ; true", "**/file*txt ; dir/dir/file.txt ; true",
            "**/file*.txt ; dir/dir/file.txt ; true", "**/file*.txt* ; dir/dir/file.txt ; true",
            "**/**/*.txt ; dir/dir/file.txt ; true", "**/**/*.txt2 ; dir/dir/file.txt ; false", "**/*.txt ; file.txt ; true",
            "**/**/*.txt ; file.txt ; true", "a**/*.txt ; a/file.txt ; true", "a**/*.txt ; a/dir/file.txt ; true",
            "a**/*.txt ; a/dir/dir/file.txt ; true", "a/*.txt ; a/dir/file.txt ; false", "a/*.txt ; a/file.txt ; true",
            "a/*.txt** ; a/file.txt ; true", "a[b-d]e ; ae ; false", "a[b-d]e ; ace ; true", "a[b-d]e ; aae ; false",
            "a[^b-d]e ; aze ; true", ".* ; .foo ; true", ".* ; foo ; false", "abc.def ; abcdef ; false", "abc.def ; abc.def ; true",
            "abc.def ; abcZdef ; false", "abc?def ; abcZdef ; true", "abc?def ; abcdef ; false", "**/foo/bar ; foo/bar ; true",
            "**/foo/bar ; dir/foo/bar ; true", "**/foo/bar ; dir/dir2/foo/bar ; true", "abc/** ; abc ; false",
            "abc/** ; abc/def ; true", "abc/** ; abc/def/ghi ; true", "**/.foo ; .foo ; true", "**/.foo ; bar.foo ; false",
            "a(b)c/def ; a(b)c/def ; true", "a(b)c/def ; a(b)c/xyz ; false", "a.|)$(}+{bc ; a.|)$(}+{bc ; true",
            "dist/*.whl ; dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl ; true",
            "a\\*b ; a*b ; true", "* ; fileutils.go ; true", "*.go ; fileutils.go ; true", "docs ; docs/README.md ; true",
            "a*/b ; abc/b ; true", "a*/b ; a/c/b ; false", "ab[^e-g] ; abc ; true", "[\\-x] ; - ; true", "*x ; xxx ; true",
    })
    void patternMatchesLikeMobyPatternMatcher(String pattern, String path, boolean excluded) {
        assertThat(DockerIgnore.parse(pattern).excluded(path)).isEqualTo(excluded);
    }

    @Test
    void laterExceptionsReincludeAndLaterPatternsExcludeAgain() {
        assertThat(DockerIgnore.parse("**\n!util/docker/web").excluded("util/docker/web/foo")).isFalse();
        assertThat(DockerIgnore.parse("**\n!util/docker/web\nutil/docker/web/foo").excluded("util/docker/web/foo")).isTrue();
        assertThat(DockerIgnore.parse("**\n!dist/*.whl").excluded("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl")).isFalse();
        assertThat(DockerIgnore.parse("docs\n!docs/README.md").excluded("docs/README.md")).isFalse();
        assertThat(DockerIgnore.parse("docs/\n!docs/README.md").excluded("docs/README.md")).isFalse();
        assertThat(DockerIgnore.parse("docs/*\n!docs/README.md").excluded("docs/README.md")).isFalse();
        assertThat(DockerIgnore.parse("*.go\n!fileutils.go").excluded("fileutils.go")).isFalse();
        assertThat(DockerIgnore.parse("!fileutils.go\n*.go").excluded("fileutils.go")).isTrue();
        assertThat(DockerIgnore.parse("docs\n!docs/README.md").hasExceptions()).isTrue();
    }

    @Test
    void commentsBlankLinesLeadingSlashesAndSpacesAreHandledAsTheIgnoreFileReader() {
        DockerIgnore ignore = DockerIgnore.parse("# a comment\n\n  /secret.txt  \n ! /secret.txt.keep\n./build//out/\n");

        assertThat(ignore.excluded("secret.txt")).isTrue();
        assertThat(ignore.excluded("build/out/x.o")).isTrue();
        assertThat(ignore.excluded("# a comment")).isFalse();
        assertThat(ignore.excluded("secret.txt.keep")).isFalse();
        assertThat(ignore.excluded(".")).isFalse();
    }

    @Test
    void theDockerfileAndDockerignoreAreAlwaysSent() {
        DockerIgnore ignore = DockerIgnore.parse("*\n");

        assertThat(ignore.excluded("Dockerfile")).isFalse();
        assertThat(ignore.excluded(".dockerignore")).isFalse();
        assertThat(ignore.excluded("main.go")).isTrue();
    }

    @Test
    void malformedPatternsAreRejectedWithTheirLine() {
        assertThatThrownBy(() -> DockerIgnore.parse("ok\n[")).isInstanceOf(BuildContextException.class).hasMessageContaining("line 2");
        assertThatThrownBy(() -> DockerIgnore.parse("!")).isInstanceOf(BuildContextException.class).hasMessageContaining("\"!\"");
        assertThatThrownBy(() -> DockerIgnore.parse("a[")).isInstanceOf(BuildContextException.class);
        assertThatThrownBy(() -> DockerIgnore.parse("[x-]")).isInstanceOf(BuildContextException.class);
    }

    @Test
    void noRulesExcludeNothing() {
        assertThat(DockerIgnore.none().excluded("any/path/there")).isFalse();
    }
}
