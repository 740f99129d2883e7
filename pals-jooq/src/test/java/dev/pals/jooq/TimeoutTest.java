package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

import dev.pals.Lock;
import dev.pals.LockOptions;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Timeouts: bounded by the server, zero means a try, tiny rounds up, forever said on purpose. */
@Timeout(60)
class TimeoutTest {
    private Locker locker;
    private Lock holder;

    @BeforeEach
    void holdTheLock() {
        locker = locker(Db.uniqueApp("timeout")).acquireTimeout(Duration.ofSeconds(2)).build();
        holder = locker.lock("held");
        assertThat(holder.acquire()).isTrue();
    }

    @AfterEach
    void closeLocker() {
        locker.close();
    }

    @Test
    void zeroTimeoutIsASingleTry() {
        long start = System.nanoTime();
        assertThat(locker.lock("held").acquire(Duration.ZERO)).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
        assertThat(locker.lock("free").acquire(Duration.ZERO)).isTrue();
    }

    @Test
    void negativeTimeoutIsRefused() {
        Lock lock = locker.lock("held");
        assertThatIllegalArgumentException().isThrownBy(() -> lock.acquire(Duration.ofMillis(-1)))
                .withMessage("timeout must not be negative: PT-0.001S");
        assertThatIllegalArgumentException().isThrownBy(() -> lock.acquire((Duration) null))
                .withMessage("timeout must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> lock.hold(Duration.ofMillis(-1)));
    }

    @Test
    void belowOneMillisecondWaitsOneMillisecondRatherThanForever() {
        long start = System.nanoTime();
        assertThat(locker.lock("held").acquire(Duration.ofNanos(1))).isFalse();
        assertThat(locker.lock("held").acquire(Duration.ofNanos(400_000))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1000));
    }

    @Test
    void beyondLockTimeoutRangeIsRefusedWithAClearMessage() {
        Lock lock = locker.lock("held");
        assertThatIllegalArgumentException().isThrownBy(() -> lock.acquire(Duration.ofDays(25)))
                .withMessageContaining("timeout must be at most 2147483647 ms")
                .withMessageContaining("Lock.WAIT_FOREVER");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> locker(null).acquireTimeout(Duration.ofDays(25)).build())
                .withMessageContaining("acquireTimeout must be at most 2147483647 ms");
    }

    @Test
    void waitForeverWaitsPastEveryDefaultUntilTheLockIsFree() throws Exception {
        Lock patient = locker.lock("held", LockOptions.builder().waitForever().build());
        assertThat(patient.acquireTimeout()).isEqualTo(Lock.WAIT_FOREVER);
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(patient::acquire);
        Thread.sleep(2500); // longer than the locker's 2 s default
        assertThat(waiting).isNotDone();
        assertThat(locker.stats().waitingForLock()).isEqualTo(1);
        holder.release();
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isTrue();
        patient.release();
    }

    @Test
    void acquireWithWaitForeverArgumentWaitsUntilReleased() throws Exception {
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> locker.lock("held").acquire(Lock.WAIT_FOREVER));
        Db.awaitWaiting(locker, 1);
        Thread.sleep(2200);
        assertThat(waiting).isNotDone();
        holder.release();
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void perCallTimeoutOverridesTheLocksAndTheLockersDefaults() {
        Lock lock = locker.lock("held", LockOptions.builder().acquireTimeout(Duration.ofSeconds(20)).build());
        long start = System.nanoTime();
        assertThat(lock.acquire(Duration.ofMillis(200))).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(200L, 400L);
        Lock nonBlocking = locker.lock("held", LockOptions.builder().blocking(false).build());
        start = System.nanoTime();
        assertThat(nonBlocking.acquire(true)).isFalse(); // blocking for this call: the locker's 2 s
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(2000L, 2400L);
    }
}
