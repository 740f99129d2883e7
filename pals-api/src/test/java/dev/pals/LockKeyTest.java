package dev.pals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LockKeyTest {

    /** Python PALs' own test: 5000 random printable names of varying length give 5000 keys. */
    @Test
    void fiveThousandRandomNamesGiveFiveThousandDistinctKeys() {
        long seed = Long.getLong("pals.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        String printable = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                + "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\u000b\f";
        Set<String> names = new HashSet<>();
        for (int x = 0; names.size() < 5000; x++) {
            int length = Math.max(6, x % 25);
            StringBuilder name = new StringBuilder();
            for (int i = 0; i < length; i++) {
                name.append(printable.charAt(random.nextInt(printable.length())));
            }
            names.add(name.toString());
        }
        Set<Long> keys = new HashSet<>();
        for (String name : names) {
            keys.add(LockKey.named("TestLocker", name).value());
        }
        assertThat(keys).as("seed %d (replay with -Dpals.seed=%d)", seed, seed).hasSize(5000);
    }

    @Test
    void nullAppMeansTheBareName() {
        assertThat(LockKey.named(null, "bare")).isEqualTo(LockKey.of(6967379479480361657L));
        assertThat(LockKey.named(null, "bare").name()).contains("bare");
        assertThat(LockKey.named("", "bare").name()).contains(".bare");
        assertThat(LockKey.named("", "bare")).isNotEqualTo(LockKey.named(null, "bare"));
    }

    @Test
    void nullLockNameIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> LockKey.named("app", null))
                .withMessage("lock name must not be null");
    }

    @Test
    void loneSurrogatesAreRefusedRatherThanCollidingWithQuestionMarks() {
        assertThatIllegalArgumentException().isThrownBy(() -> LockKey.named("app", "a\uD800"))
                .withMessageContaining("lock name is not well-formed UTF-16")
                .withMessageContaining("\\uD800 at index 5");
        assertThatIllegalArgumentException().isThrownBy(() -> LockKey.named("app", "\uDC00b"))
                .withMessageContaining("\\uDC00 at index 4");
        assertThatIllegalArgumentException().isThrownBy(() -> LockKey.named("ap\uD800p", "x"))
                .withMessageContaining("app name is not well-formed UTF-16");
        // A proper pair is fine, and differs from the question mark Java would have substituted.
        assertThat(LockKey.named("app", "a\uD83D\uDD12")).isNotEqualTo(LockKey.named("app", "a?"));
    }

    @Test
    void aMegabyteNameHashesAndItsErrorsStayShort() {
        String big = "x".repeat(1 << 20);
        assertThat(LockKey.named("app", big).value()).isNotZero();
        assertThatIllegalArgumentException().isThrownBy(() -> LockKey.named("app", big + "\uD800"))
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300));
    }

    @Test
    void pairsAreASeparateKeySpace() {
        LockKey pair = LockKey.of(0, 1);
        LockKey single = LockKey.of(1L);
        assertThat(pair.value()).isEqualTo(single.value());
        assertThat(pair).isNotEqualTo(single);
        assertThat(pair.hashCode()).isNotEqualTo(single.hashCode());
        assertThat(LockKey.of(-1, -2).key1()).isEqualTo(-1);
        assertThat(LockKey.of(-1, -2).key2()).isEqualTo(-2);
        assertThat(LockKey.of(-1, -2).isPair()).isTrue();
        assertThat(LockKey.of(-1, -2).displayName()).isEqualTo("(-1, -2)");
        assertThat(LockKey.of(-7L).displayName()).isEqualTo("-7");
    }

    @Test
    void equalityIgnoresTheRememberedName() {
        LockKey named = LockKey.named("my-app", "my-lock");
        assertThat(named).isEqualTo(LockKey.of(8527727818887320220L));
        assertThat(named.displayName()).isEqualTo("my-app.my-lock");
        assertThat(named.toString()).contains("8527727818887320220").contains("my-app.my-lock");
    }
}
