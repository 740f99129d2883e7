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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Locker's own pool: one connection per held lock, a gated wait for connections, the size. */
@Timeout(60)
class PoolTest {

    @Test
    void aHeldLockPinsOneConnectionAndTheSessionsEndWithTheLocker() {
        String app = Db.uniqueApp("pool");
        Locker locker = locker(app).build();
        List<Lock> locks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Lock lock = locker.lock("k" + i);
            assertThat(lock.acquire()).isTrue();
            locks.add(lock);
        }
        HashSet<Integer> pids = new HashSet<>();
        for (Lock lock : locks) {
            assertThat(ServerView.holders(lock.key())).hasSize(1);
            pids.add(ServerView.holders(lock.key()).get(0));
        }
        assertThat(pids).hasSize(4);
        assertThat(ServerView.backends("pals:" + app)).isEqualTo(4);
        locker.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.backends("pals:" + app) == 0);
        for (Lock lock : locks) {
            assertThat(ServerView.freeElsewhere(lock.key())).isTrue();
        }
    }

    @Test
    void releasedConnectionsAreReusedNotMultiplied() {
        String app = Db.uniqueApp("reuse");
        try (Locker locker = locker(app).build()) {
            for (int i = 0; i < 50; i++) {
                Lock lock = locker.lock("k" + i);
                assertThat(lock.acquire()).isTrue();
                assertThat(lock.release()).isTrue();
            }
            assertThat(ServerView.backends("pals:" + app)).isEqualTo(1);
        }
    }

    @Test
    void waitingForAConnectionCountsAgainstTheTimeoutAndFailsWithItsOwnReason() {
        try (Locker locker = locker(Db.uniqueApp("exhausted")).maxPoolSize(1).build()) {
            Lock first = locker.lock("first");
            assertThat(first.acquire()).isTrue();

            long start = System.nanoTime();
            assertThat(locker.lock("second").acquire(Duration.ofMillis(300))).isFalse();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(300L, 500L);

            // Non-blocking on the lock, but still waiting up to the lock's timeout for a connection.
            Lock nonBlocking = locker.lock("second", LockOptions.builder().blocking(false)
                    .acquireTimeout(Duration.ofMillis(200)).build());
            start = System.nanoTime();
            assertThat(nonBlocking.acquire()).isFalse();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(200L, 400L);

            assertThatThrownBy(() -> locker.lock("second").hold(Duration.ofMillis(100)))
                    .isInstanceOfSatisfying(AcquireFailure.class, failure -> {
                        assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.NO_CONNECTION);
                        assertThat(failure).hasMessage("Lock acquire failed for \"" + locker.key("second").displayName()
                                + "\". Failed due to no free pool connection within 100 ms.");
                        assertThat(failure.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(100));
                    });
            first.release();
            assertThat(locker.lock("second").acquire(Duration.ofMillis(300))).isTrue();
        }
    }

    @Test
    void aWaiterForAConnectionGetsOneAsSoonAsALockIsReleased() throws Exception {
        try (Locker locker = locker(Db.uniqueApp("handover")).maxPoolSize(2).build()) {
            Lock a = locker.lock("a");
            Lock b = locker.lock("b");
            assertThat(a.acquire()).isTrue();
            assertThat(b.acquire()).isTrue();
            Lock c = locker.lock("c");
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> c.acquire(Duration.ofSeconds(10)));
            Thread.sleep(200);
            assertThat(waiting).isNotDone();
            b.release();
            assertThat(waiting.get(2, TimeUnit.SECONDS)).isTrue();
            a.release();
            c.release();
        }
    }
}
