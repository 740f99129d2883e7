package dev.pals.jooq.faults;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.jooq.Db;
import dev.pals.jooq.HookedDataSource;
import dev.pals.jooq.JooqLocker;
import dev.pals.testing.ServerView;
import dev.pals.testing.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@code Locker.close()} ends in bounded time (network timeout + 1 s) whatever other threads and the
 * network do, an acquire it cuts short ends with {@link IllegalStateException}, and nothing is left
 * held. Regression tests for the outside review's findings 1, 4 and 9 (close hung for good while an
 * acquire waited without limit, took N × network timeout on a dead path, and a second concurrent
 * close returned before the locks were released).
 */
@Timeout(120)
class CloseBoundTest {
    private static final Duration NETWORK_TIMEOUT = Duration.ofSeconds(2);
    /** What close may take: the network timeout + 1 s, plus room for a loaded 2-core CI machine. */
    private static final Duration CLOSE_BOUND = NETWORK_TIMEOUT.plusSeconds(1).plusMillis(1500);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
    }

    private static Duration timeClose(Locker locker) throws Exception {
        long start = System.nanoTime();
        CompletableFuture.runAsync(locker::close).get(30, TimeUnit.SECONDS);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static void assertEndsWithIllegalState(CompletableFuture<Boolean> acquire) {
        assertThatThrownBy(() -> acquire.get(CLOSE_BOUND.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeRightAfterAnAcquireBorrowedItsSessionEndsInBoundedTimeRoundAfterRound() throws Exception {
        String app = Db.uniqueApp("close-race");
        Locker blockers = locker(app).build();
        toClose.add(blockers);
        Lock blocker = blockers.lock("k");
        assertThat(blocker.acquire()).isTrue();
        int blockerPid = ServerView.holders(blocker.key()).get(0);
        for (int round = 0; round < 25; round++) {
            Locker locker = locker(app).networkTimeout(NETWORK_TIMEOUT).build();
            Lock lock = locker.lock("k");
            CompletableFuture<Boolean> acquire = CompletableFuture.supplyAsync(() -> lock.acquire(Lock.WAIT_FOREVER));
            // Close as soon as the acquire has a session, before or just as its statement starts.
            while (locker.stats().connectionsInUse() == 0 && !acquire.isDone()) {
                Thread.onSpinWait();
            }
            assertThat(timeClose(locker)).as("close in round %d", round).isLessThan(CLOSE_BOUND);
            assertEndsWithIllegalState(acquire);
            assertThat(lock.isHeld()).isFalse();
        }
        // No cut-short acquire still waits at the server, and none ever got the lock.
        await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(blocker.key()).isEmpty());
        assertThat(ServerView.holders(blocker.key())).containsExactly(blockerPid);
        blocker.release();
        assertThat(ServerView.freeElsewhere(blocker.key())).isTrue();
    }

    @Test
    void closeWhileAUserDataSourceIsSlowToPrepareTheWaitEndsInBoundedTime() throws Exception {
        Locker blockers = locker(Db.uniqueApp("close-slow")).build();
        toClose.add(blockers);
        Lock blocker = blockers.lock(LockKey.of(91_001L), LockMode.EXCLUSIVE);
        assertThat(blocker.acquire()).isTrue();
        CountDownLatch preparing = new CountDownLatch(1);
        AtomicBoolean slow = new AtomicBoolean(true);
        HookedDataSource dataSource = HookedDataSource.ofTestDatabase().hook(method -> {
            if (slow.get() && method.equals("prepareStatement")) {
                preparing.countDown();
                Thread.sleep(300);
            }
        });
        Locker locker = Db.builder("close-slow").dataSource(dataSource)
                .networkTimeout(NETWORK_TIMEOUT).build();
        Lock lock = locker.lock(LockKey.of(91_001L), LockMode.EXCLUSIVE);
        CompletableFuture<Boolean> acquire = CompletableFuture.supplyAsync(() -> lock.acquire(Lock.WAIT_FOREVER));
        assertThat(preparing.await(10, TimeUnit.SECONDS)).isTrue();
        // The acquire is inside prepareStatement: a cancel sent now reaches no running statement.
        assertThat(timeClose(locker)).isLessThan(CLOSE_BOUND);
        slow.set(false);
        assertEndsWithIllegalState(acquire);
        await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(blocker.key()).isEmpty());
        blocker.release();
        assertThat(ServerView.freeElsewhere(blocker.key())).isTrue();
        dataSource.closeAll();
    }

    @Test
    void closeOnAFrozenPathWithAnAcquireWaitingForeverEndsInBoundedTime() throws Exception {
        TcpProxy proxy = TcpProxy.start(Db.host(), Db.port());
        toClose.add(proxy);
        String app = Db.uniqueApp("close-frozen");
        Locker blockers = locker(app).build();
        toClose.add(blockers);
        Lock blocker = blockers.lock("k");
        assertThat(blocker.acquire()).isTrue();
        Locker locker = throughProxy(proxy, app).build();
        Lock lock = locker.lock("k");
        CompletableFuture<Boolean> acquire = CompletableFuture.supplyAsync(() -> lock.acquire(Lock.WAIT_FOREVER));
        await().atMost(Duration.ofSeconds(10)).until(() -> !ServerView.waiters(blocker.key()).isEmpty());
        proxy.freeze();
        assertThat(timeClose(locker)).isLessThan(CLOSE_BOUND);
        assertEndsWithIllegalState(acquire);
        proxy.thaw();
        // Once the path speaks again, the cut-short wait ends at the server too and never takes the lock.
        await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(blocker.key()).isEmpty());
        blocker.release();
        assertThat(ServerView.freeElsewhere(blocker.key())).isTrue();
    }

    @Test
    void closeOnAFrozenPathWithManyHeldLocksTakesOneNetworkTimeoutNotOnePerSession() throws Exception {
        TcpProxy proxy = TcpProxy.start(Db.host(), Db.port());
        toClose.add(proxy);
        String app = Db.uniqueApp("close-held");
        Locker locker = throughProxy(proxy, app).build();
        List<Lock> locks = holdFive(locker);
        proxy.freeze();
        assertThat(timeClose(locker)).isLessThan(CLOSE_BOUND);
        proxy.thaw();
        for (Lock lock : locks) {
            await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.freeElsewhere(lock.key()));
        }
    }

    @Test
    void closeOnAFrozenPathWithAUserDataSourceCleansUpInParallelInBoundedTime() throws Exception {
        TcpProxy proxy = TcpProxy.start(Db.host(), Db.port());
        toClose.add(proxy);
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(proxyUrl(proxy));
        if (Db.user() != null) {
            dataSource.setUser(Db.user());
        }
        if (Db.password() != null) {
            dataSource.setPassword(Db.password());
        }
        Locker locker = Db.builder(Db.uniqueApp("close-user-ds")).dataSource(dataSource)
                .networkTimeout(NETWORK_TIMEOUT).build();
        List<Lock> locks = holdFive(locker);
        proxy.freeze();
        assertThat(timeClose(locker)).isLessThan(CLOSE_BOUND);
        proxy.thaw();
        for (Lock lock : locks) {
            await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.freeElsewhere(lock.key()));
        }
    }

    @Test
    void aSecondConcurrentCloseReturnsOnlyOnceTheLocksAreReleased() throws Exception {
        CountDownLatch resetting = new CountDownLatch(1);
        AtomicBoolean slow = new AtomicBoolean();
        HookedDataSource dataSource = HookedDataSource.ofTestDatabase().hook(method -> {
            if (slow.get()) {
                resetting.countDown();
                Thread.sleep(500);
            }
        });
        Locker locker = Db.builder(Db.uniqueApp("close-twice")).dataSource(dataSource)
                .networkTimeout(NETWORK_TIMEOUT).build();
        Lock lock = locker.lock("k");
        assertThat(lock.acquire()).isTrue();
        slow.set(true);
        CompletableFuture<Void> first = CompletableFuture.runAsync(locker::close);
        assertThat(resetting.await(10, TimeUnit.SECONDS)).isTrue();
        // The first close is releasing; the second must wait for it, not return at once.
        locker.close();
        assertThat(ServerView.freeElsewhere(lock.key())).isTrue();
        first.get(10, TimeUnit.SECONDS);
        dataSource.closeAll();
    }

    private static List<Lock> holdFive(Locker locker) {
        List<Lock> locks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Lock lock = locker.lock("held-" + i);
            assertThat(lock.acquire()).isTrue();
            locks.add(lock);
        }
        return locks;
    }

    private static String proxyUrl(TcpProxy proxy) {
        return "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + Db.database();
    }

    private static JooqLocker.Builder throughProxy(TcpProxy proxy, String app) {
        return Db.builder(app).url(proxyUrl(proxy)).user(Db.user()).password(Db.password())
                .networkTimeout(NETWORK_TIMEOUT);
    }
}
