package dev.pals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LockOptionsTest {

    @Test
    void defaultsAreExclusiveAndInheritTheLocker() {
        assertThat(LockOptions.DEFAULTS.mode()).isEqualTo(LockMode.EXCLUSIVE);
        assertThat(LockOptions.DEFAULTS.blocking()).isEmpty();
        assertThat(LockOptions.DEFAULTS.acquireTimeout()).isEmpty();
        assertThat(LockOptions.of(LockMode.SHARED).mode()).isEqualTo(LockMode.SHARED);
    }

    @Test
    void toBuilderDerivesAnEqualCopy() {
        LockOptions options = LockOptions.builder().mode(LockMode.SHARED).blocking(false)
                .acquireTimeout(Duration.ofMillis(300)).build();
        assertThat(options.toBuilder().build()).isEqualTo(options).hasSameHashCodeAs(options);
        assertThat(options.toBuilder().blocking(true).build().blocking()).contains(true);
    }

    @Test
    void negativeTimeoutIsRefusedNamingTheSetting() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LockOptions.builder().acquireTimeout(Duration.ofSeconds(-1)))
                .withMessage("acquireTimeout must not be negative: PT-1S");
    }

    @Test
    void timeoutBeyondLockTimeoutRangeIsRefusedUnlessItIsWaitForever() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LockOptions.builder().acquireTimeout(Duration.ofMillis(Integer.MAX_VALUE + 1L)))
                .withMessageContaining("acquireTimeout must be at most 2147483647 ms")
                .withMessageContaining("WAIT_FOREVER");
        assertThat(LockOptions.builder().acquireTimeout(Duration.ofMillis(Integer.MAX_VALUE)).build()
                .acquireTimeout()).contains(Duration.ofMillis(Integer.MAX_VALUE));
        assertThat(LockOptions.builder().waitForever().build().acquireTimeout()).contains(Lock.WAIT_FOREVER);
    }

    @Test
    void nullsAreRefusedNamingTheSetting() {
        assertThatIllegalArgumentException().isThrownBy(() -> LockOptions.builder().acquireTimeout(null))
                .withMessage("acquireTimeout must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> LockOptions.builder().mode(null))
                .withMessage("mode must not be null");
    }
}
