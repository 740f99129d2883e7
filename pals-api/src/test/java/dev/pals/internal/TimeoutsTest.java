package dev.pals.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.Lock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeoutsTest {

    @Test
    void lockTimeoutRoundsUpToWholeMillisecondsAndNeverToZero() {
        assertThat(Timeouts.lockTimeoutMillis(Duration.ofNanos(1))).isEqualTo(1);
        assertThat(Timeouts.lockTimeoutMillis(Duration.ofNanos(400_000))).isEqualTo(1);
        assertThat(Timeouts.lockTimeoutMillis(Duration.ofMillis(300))).isEqualTo(300);
        assertThat(Timeouts.lockTimeoutMillis(Duration.ofNanos(300_000_001))).isEqualTo(301);
        assertThat(Timeouts.lockTimeoutMillis(Timeouts.MAX)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void waitForeverIsLockTimeoutZero() {
        assertThat(Timeouts.lockTimeoutMillis(Lock.WAIT_FOREVER)).isZero();
        assertThat(Timeouts.describe(Lock.WAIT_FOREVER)).isEqualTo("forever");
    }
}
