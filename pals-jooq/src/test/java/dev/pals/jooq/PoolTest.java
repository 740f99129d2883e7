package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.LockMode;
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

/**
 * The Locker's own pool: without multiplexing one connection per held lock, with it many locks per
 * connection; a gated wait for connections; the size.
 */
@Timeout(60)
class PoolTest {

    @Test
    void withoutMultiplexingAHeldLockPinsOneConnectionAndTheSessionsEndWithTheLocker() {
        String app = Db.uniqueApp("pool");
        Locker locker = locker(app).multiplexing(false).build();
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
        assertThat(locker.stats().maxLocksPerConnection()).isEqualTo(1);
        locker.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.backends("pals:" + app) == 0);
        for (Lock lock : locks) {
            assertThat(ServerView.freeElsewhere(lock.key())).isTrue();
        }
    }

    @Test
    void withMultiplexingManyHeldLocksShareASessionAndEndWithTheLocker() {
        String app = Db.uniqueApp("pool-multi");
        Locker locker = locker(app).multiplexing(true).build();
        List<Lock> locks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Lock lock = locker.lock("k" + i, i % 2 == 0 ? LockMode.EXCLUSIVE : LockMode.SHARED);
            assertThat(lock.acquire()).isTrue();
            locks.add(lock);
        }
        HashSet<Integer> pids = new HashSet<>();
        for (Lock lock : locks) {
            pids.addAll(ServerView.holders(lock.key()));
            assertThat(ServerView.freeElsewhere(lock.key())).isFalse();
        }
        assertThat(pids).hasSize(1);
        assertThat(ServerView.backends("pals:" + app)).isEqualTo(1);
        assertThat(locker.stats().locksHeld()).isEqualTo(100);
        assertThat(locker.stats().connectionsInUse()).isEqualTo(1);
        assertThat(locker.stats().maxLocksPerConnection()).isEqualTo(100);
        for (int i = 0; i < 50; i++) {
            assertThat(locks.get(i).release()).isTrue();
            assertThat(ServerView.freeElsewhere(locks.get(i).key())).isTrue();
        }
        assertThat(locker.stats().maxLocksPerConnection()).isEqualTo(50);
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
    void waitingForAConnectionCountsAgainstTheTimeoutAndFailsWithItsOwnReason() throws Exception {
        String app = Db.uniqueApp("exhausted");
        try (Locker locker = locker(app).maxPoolSize(1).build(); Locker other = locker(app).build()) {
            // The only connection waits at the server for a lock held elsewhere: no try can use it.
            Lock theirs = other.lock("first");
            assertThat(theirs.acquire()).isTrue();
            Lock first = locker.lock("first");
            CompletableFuture<Boolean> firstWaits = CompletableFuture.supplyAsync(() -> first.acquire(Duration.ofSeconds(20)));
            Db.awaitWaiting(locker, 1);

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
            theirs.release();
            assertThat(firstWaits.get(5, TimeUnit.SECONDS)).isTrue();
            first.release();
            assertThat(locker.lock("second").acquire(Duration.ofMillis(300))).isTrue();
        }
    }

    @Test
    void aWaiterForAConnectionGetsOneAsSoonAsALockIsReleased() throws Exception {
        String app = Db.uniqueApp("handover");
        try (Locker locker = locker(app).maxPoolSize(1).build(); Locker other = locker(app).build()) {
            // The only connection waits at the server, then holds the lock it waited for.
            Lock theirs = other.lock("a");
            assertThat(theirs.acquire()).isTrue();
            Lock a = locker.lock("a");
            CompletableFuture<Boolean> aWaits = CompletableFuture.supplyAsync(() -> a.acquire(Duration.ofSeconds(20)));
            Db.awaitWaiting(locker, 1);
            // c waits for a connection: no session may take it while a's waits.
            Lock theirC = other.lock("c");
            assertThat(theirC.acquire()).isTrue();
            Lock c = locker.lock("c");
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> c.acquire(Duration.ofSeconds(10)));
            await().atMost(Duration.ofSeconds(5)).until(() -> locker.stats().waitingForConnection() == 1);
            theirC.release();
            theirs.release();
            assertThat(aWaits.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(waiting).isNotDone();
            a.release();
            assertThat(waiting.get(2, TimeUnit.SECONDS)).isTrue();
            c.release();
        }
    }
}
