package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.LockOptions;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A timeout bounds the wait for a connection and for the lock together: {@code ZERO} waits for
 * nothing, and a timeout below 1 ms still gets its try. Regression tests for the outside review's
 * findings 5 (ZERO waited for a pool connection up to the handle's timeout, forever on a waitForever
 * handle) and 6 (a timeout of 1 ns never tried the lock and said "no free pool connection").
 */
@Timeout(60)
class TimeoutBudgetTest {

    @Test
    void zeroWaitsForNoConnectionEvenOnAWaitForeverHandle() throws Exception {
        String app = Db.uniqueApp("zero");
        try (Locker locker = locker(app).maxPoolSize(1).build(); Locker other = locker(app).build()) {
            Lock theirs = other.lock("held");
            assertThat(theirs.acquire()).isTrue();
            // The only connection is taken by a wait at the server.
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(
                    () -> locker.lock("held").acquire(Duration.ofSeconds(20)));
            await().atMost(Duration.ofSeconds(10)).until(() -> !ServerView.waiters(theirs.key()).isEmpty());

            Lock forever = locker.lock("free", LockOptions.builder().waitForever().build());
            long start = System.nanoTime();
            assertThat(forever.acquire(Duration.ZERO)).isFalse();
            assertThatThrownBy(() -> forever.hold(Duration.ZERO)).isInstanceOfSatisfying(AcquireFailure.class,
                    failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.NO_CONNECTION));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

            theirs.release();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aTimeoutOfOneNanosecondTakesAFreeLockEveryTime() {
        for (int i = 0; i < 20; i++) {
            // A new Locker each time: its first connection takes far longer than 1 ns to make.
            try (Locker locker = locker(null).build()) {
                Lock lock = locker.lock("tiny-" + i);
                assertThat(lock.acquire(Duration.ofNanos(1))).as("round %d", i).isTrue();
                assertThat(lock.release()).isTrue();
            }
        }
    }

    @Test
    void aSpentBudgetOnAHeldLockFailsAsATimeoutNotAsNoConnection() {
        String app = Db.uniqueApp("tiny-held");
        try (Locker locker = locker(app).build(); Locker other = locker(app).build()) {
            Lock theirs = other.lock("held");
            assertThat(theirs.acquire()).isTrue();
            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> locker.lock("held").hold(Duration.ofNanos(1)))
                        .isInstanceOfSatisfying(AcquireFailure.class,
                                failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.TIMEOUT));
            }
        }
    }
}
