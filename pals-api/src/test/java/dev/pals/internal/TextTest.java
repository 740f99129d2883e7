package dev.pals.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextTest {

    @Test
    void shortNamesAreShownWhole() {
        assertThat(Text.shorten("TestLock.test_it")).isEqualTo("TestLock.test_it");
        assertThat(Text.shorten("x".repeat(Text.MAX_SHOWN))).hasSize(Text.MAX_SHOWN);
    }

    @Test
    void longNamesAreCutToAPrefixAndTheirLength() {
        String shown = Text.shorten("y".repeat(1 << 20));
        assertThat(shown).startsWith("yyyy").endsWith("…(1048576 chars)").hasSizeLessThan(100);
    }

    @Test
    void controlCharactersAndLoneSurrogatesAreEscapedButPairsKept() {
        assertThat(Text.shorten("a\tb\nc\u0000")).isEqualTo("a\\u0009b\\u000Ac\\u0000");
        assertThat(Text.shorten("a\uD800b")).isEqualTo("a\\uD800b");
        assertThat(Text.shorten("lock-\uD83D\uDD12")).isEqualTo("lock-\uD83D\uDD12");
    }

    @Test
    void escapesCountAgainstTheLimit() {
        String shown = Text.shorten("\u0000".repeat(1000));
        assertThat(shown).hasSizeLessThan(Text.MAX_SHOWN + 24).endsWith("…(1000 chars)").startsWith("\\u0000");
        assertThat(Text.shorten("\n".repeat(13))).isEqualTo("\\u000A".repeat(13));
    }

    @Test
    void aCutNeverSplitsASurrogatePair() {
        String name = "x".repeat(59) + "\uD83D\uDD12" + "z".repeat(100);
        assertThat(Text.shorten(name)).doesNotContain("\\uD83D").startsWith("x".repeat(59) + "\uD83D\uDD12…");
    }
}
