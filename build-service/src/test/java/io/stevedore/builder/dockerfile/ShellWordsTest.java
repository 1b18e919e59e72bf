package io.stevedore.builder.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The cases of BuildKit's shell lexer tests that apply, plus the modifiers it added since. */
class ShellWordsTest {

    private static final Map<String, String> ENV = Map.of(
            "PWD", "/home", "SHELL", "bash", "KOREAN", "한국어", "EMPTY", "",
            "FILE", "archive.tar.gz", "PATHS", "/usr/local/bin/app", "SPACED", "  ab c");
    private static final Function<String, String> LOOKUP = ENV::get;

    private static String word(String raw) {
        return ShellWords.word(raw, LOOKUP, '\\');
    }

    private static List<String> words(String raw) {
        return ShellWords.words(raw, LOOKUP, '\\');
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', ignoreLeadingAndTrailingWhitespace = false, value = {
        "hello|hello",
        "he'll'o|hello",
        "he\\'llo|he'llo",
        "abc\\tdef|abctdef",
        "\"abc\\tdef\"|abc\\tdef",
        "\"abc\\\\tdef\"|abc\\tdef",
        "'abc\\tdef'|abc\\tdef",
        "hello\\|hello",
        "hello\\\\|hello\\",
        "\"hel'lo\"|hel'lo",
        "'hello\\'|hello\\",
        "\"''\"|''",
        "$.|$.",
        "$1|<empty>",
        "he$1x|hex",
        "he$.x|he$.x",
        "he$pwd.|he.",
        "he$PWD|he/home",
        "he\\$PWD|he$PWD",
        "he\\\\$PWD|he\\/home",
        "\"he\\$PWD\"|he$PWD",
        "\"he\\\\$PWD\"|he\\/home",
        "\\${}|${}",
        "he\\${}xx|he${}xx",
        "he${hi}xx|hexx",
        "he${PWD}|he/home",
        "he${XXX:-000}xx|he000xx",
        "he${PWD:-000}xx|he/homexx",
        "he${XXX:-$PWD}xx|he/homexx",
        "he${XXX:-${PWD:-yyy}}xx|he/homexx",
        "he${XXX:-${YYY:-yyy}}xx|heyyyxx",
        "he${XXX:+${PWD}}xx|hexx",
        "he${PWD:+${XXX}}xx|hexx",
        "he${PWD:+${SHELL}}xx|hebashxx",
        "he${XXX:+000}xx|hexx",
        "he${PWD:+000}xx|he000xx",
        "'he${XX}'|he${XX}",
        "\"he${PWD}\"|he/home",
        "\"he'$PWD'\"|he'/home'",
        "'$PWD'|$PWD",
        "'\\$PWD'|\\$PWD",
        "'\"hello\"'|\"hello\"",
        "he${PWD:+${PWD}:}xx|he/home:xx",
        "he${XXX:-\\$PWD:}xx|he$PWD:xx",
        "he${XXX:-\\${PWD}z}xx|he${PWDz}xx",
        "안'녕'하세요|안녕하세요",
        "안녕\\$PWD|안녕$PWD",
        "안녕${PWD}|안녕/home",
        "안녕$KOREAN|안녕한국어",
        "${aaa}}|}",
        "${aaa:-bbb}}|bbb}",
        "${aaa:-${bbb:-ccc}}|ccc",
        "${aaa:-bbb {foo}|bbb {foo",
    })
    void expandsLikeBuildKit(String raw, String expected) {
        assertThat(word(raw)).isEqualTo(expected.equals("<empty>") ? "" : expected);
    }

    @ParameterizedTest(name = "{0} is an error")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "he'llo", "he\\\\'llo", "\"hello", "\"hello\\\"", "'hello", "${}", "${}aaa", "he${}xx", "he${.}",
        "he${XXX:YYY}", "he${PWD", "he${PWD:=000}xx", "안'녕하세요", "${{aaa}", "${aaa", "${{aaa:-bbb}",
        "${aaa:-bbb", "${aaa:-bbb ${foo}", "${:}", "${:-bbb}", "${:+bbb}",
    })
    void malformedWordsAreErrors(String raw) {
        assertThatThrownBy(() -> word(raw)).isInstanceOf(ShellWords.ExpansionException.class)
                .hasMessageContaining("failed to process");
    }

    @Test
    void unsetAndEmptyDifferWithoutTheColon() {
        assertThat(word("${EMPTY-default}")).isEmpty();
        assertThat(word("${EMPTY:-default}")).isEqualTo("default");
        assertThat(word("${UNSET-default}")).isEqualTo("default");
        assertThat(word("${EMPTY+alt}")).isEqualTo("alt");
        assertThat(word("${EMPTY:+alt}")).isEmpty();
        assertThat(word("${UNSET+alt}")).isEmpty();
    }

    @Test
    void questionMarkDemandsAValue() {
        assertThat(word("${PWD:?must be set}")).isEqualTo("/home");
        assertThat(word("${EMPTY?}")).isEmpty();
        assertThatThrownBy(() -> word("${UNSET:?you must set UNSET}"))
                .hasMessageContaining("UNSET: you must set UNSET");
        assertThatThrownBy(() -> word("${UNSET?}")).hasMessageContaining("UNSET: is not allowed to be unset");
        assertThatThrownBy(() -> word("${EMPTY:?}")).hasMessageContaining("EMPTY: is not allowed to be empty");
    }

    @Test
    void prefixAndSuffixRemovalUseGlobPatterns() {
        assertThat(word("${FILE#*.}")).isEqualTo("tar.gz");
        assertThat(word("${FILE##*.}")).isEqualTo("gz");
        assertThat(word("${FILE%.*}")).isEqualTo("archive.tar");
        assertThat(word("${FILE%%.*}")).isEqualTo("archive");
        assertThat(word("${PATHS##*/}")).isEqualTo("app");
        assertThat(word("${PATHS%/*}")).isEqualTo("/usr/local/bin");
        assertThat(word("${FILE#archive}")).isEqualTo(".tar.gz");
        assertThat(word("${FILE%nomatch}")).isEqualTo("archive.tar.gz");
        assertThat(word("${FILE#?rch}")).isEqualTo("ive.tar.gz");
        assertThat(word("${UNSET#x}")).isEmpty();
    }

    @Test
    void escapedGlobCharactersMatchLiterally() {
        Function<String, String> lookup = Map.of("V", "a*b*c")::get;
        assertThat(ShellWords.word("${V#*\\*}", lookup, '\\')).isEqualTo("b*c");
        assertThat(ShellWords.word("${V%\\**}", lookup, '\\')).isEqualTo("a*b");
        assertThat(ShellWords.word("${V%%\\**}", lookup, '\\')).isEqualTo("a");
    }

    @Test
    void patternSubstitutionReplacesFirstOrAll() {
        assertThat(word("${FILE/./-}")).isEqualTo("archive-tar.gz");
        assertThat(word("${FILE//./-}")).isEqualTo("archive-tar-gz");
        assertThat(word("${PATHS//\\//_}")).isEqualTo("_usr_local_bin_app");
    }

    @Test
    void substitutionEdgeCases() {
        Function<String, String> lookup = Map.of("V", "aXbXc", "E", "")::get;
        assertThat(ShellWords.word("${V//X/}", lookup, '\\')).isEqualTo("abc");
        assertThat(ShellWords.word("${V/nomatch/y}", lookup, '\\')).isEqualTo("aXbXc");
        assertThat(ShellWords.word("${V/X*/-}", lookup, '\\')).isEqualTo("a-");
        assertThat(ShellWords.word("${V//?X/_}", lookup, '\\')).isEqualTo("__c");
        assertThat(ShellWords.word("${E/x/y}", lookup, '\\')).isEmpty();
        assertThat(ShellWords.word("${V##*}", lookup, '\\')).isEmpty();
        assertThat(ShellWords.word("${V#*}", lookup, '\\')).isEqualTo("aXbXc");
        assertThat(ShellWords.word("${V%%X*}", lookup, '\\')).isEqualTo("a");
        assertThat(ShellWords.word("${V%X*}", lookup, '\\')).isEqualTo("aXb");
    }

    @Test
    void badEscapesInPatternsAreErrors() {
        assertThatThrownBy(() -> word("${FILE#\\a}")).hasMessageContaining("invalid escape");
    }

    @Test
    void colonIsNotAllowedBeforePatternOperators() {
        assertThatThrownBy(() -> word("${FILE:#x}")).hasMessageContaining("unsupported modifier (:#)");
    }

    @Test
    void wordsSplitOnUnquotedWhitespaceAfterExpansion() {
        Function<String, String> lookup = Map.of("hi", "hi", "space", "abc  def", "leading", "  ab c")::get;
        assertThat(ShellWords.words("hello", lookup, '\\')).containsExactly("hello");
        assertThat(ShellWords.words("hello${hi}bye", lookup, '\\')).containsExactly("hellohibye");
        assertThat(ShellWords.words("hello${space}bye", lookup, '\\')).containsExactly("helloabc", "defbye");
        assertThat(ShellWords.words("hello\"${space}\"bye", lookup, '\\')).containsExactly("helloabc  defbye");
        assertThat(ShellWords.words("hello \"${space}\"bye", lookup, '\\')).containsExactly("hello", "abc  defbye");
        assertThat(ShellWords.words("hello${leading}def", lookup, '\\')).containsExactly("hello", "ab", "cdef");
        assertThat(ShellWords.words("hello\"${leading}\" def", lookup, '\\')).containsExactly("hello  ab c", "def");
        assertThat(ShellWords.words("hello${leading}", lookup, '\\')).containsExactly("hello", "ab", "c");
        assertThat(ShellWords.words("word\\", lookup, '\\')).containsExactly("word");
        assertThat(ShellWords.words("word\\\\", lookup, '\\')).containsExactly("word\\");
        assertThat(ShellWords.words("word\\\\\\", lookup, '\\')).containsExactly("word\\");
    }

    @Test
    void wordsKeepEscapedAndQuotedSpaces() {
        assertThat(words("a\\ b 'c d' \"e f\"  g")).containsExactly("a b", "c d", "e f", "g");
        assertThat(words("80/tcp ${UNSET} 443")).containsExactly("80/tcp", "443");
        assertThat(words("\"\"")).isEmpty();
        assertThat(words("  ")).isEmpty();
    }

    @Test
    void defaultValuesKeepTheirInnerExpansionAndNested() {
        assertThat(word("${UNSET:-$SHELL and ${PWD}}")).isEqualTo("bash and /home");
        assertThat(words("${UNSET:-a b}")).containsExactly("a", "b");
        assertThat(word("\"${UNSET:-a b}\"")).isEqualTo("a b");
    }

    @Test
    void backtickEscapeWorksLikeBackslash() {
        assertThat(ShellWords.word("he`$PWD", LOOKUP, '`')).isEqualTo("he$PWD");
        assertThat(ShellWords.word("c:\\windows\\$SHELL", LOOKUP, '`')).isEqualTo("c:\\windows\\bash");
        assertThat(ShellWords.word("\"a`\"b\"", LOOKUP, '`')).isEqualTo("a\"b");
    }

    @Test
    void unsetVariablesExpandToNothing() {
        assertThat(word("[$UNSET][${UNSET}]")).isEqualTo("[][]");
    }

    @Test
    void specialParametersAreSingleCharacterNames() {
        Function<String, String> lookup = Map.of("$", "pid", "#", "n")::get;
        assertThat(ShellWords.word("a$$b$#c", lookup, '\\')).isEqualTo("apidbnc");
    }

    @Test
    void heredocBodiesExpandVariablesButKeepQuotesAndOtherEscapes() {
        String body = "echo \"$SHELL\" '$PWD' \\$HOME\nprintf 'a\\nb'\nx=\\\\\n";
        assertThat(ShellWords.heredocBody(body, LOOKUP, '\\'))
                .isEqualTo("echo \"bash\" '/home' $HOME\nprintf 'a\\nb'\nx=\\\n");
    }
}
