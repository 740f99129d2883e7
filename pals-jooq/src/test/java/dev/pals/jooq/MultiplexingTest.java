package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.HeldLockInfo;
import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockListener;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import dev.pals.testing.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many locks per session, and the rules that keep them as exclusive as one session per lock. Every
 * Locker here multiplexes, whichever way the suite runs.
 */
@Timeout(120)
class MultiplexingTest {
    private static JooqLocker.Builder multiplexing(String app) {
        return locker(app).multiplexing(true);
    }

    @Test
    void tenThousandLocksHeldAtOnceFromEightThreadsTakeAtMostEightSessions() throws Exception {
        String app = Db.uniqueApp("ten-thousand");
        int threads = 8;
        int perThread = 1250;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try (Locker locker = multiplexing(app).build()) {
            List<Future<List<Lock>>> taken = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                taken.add(executor.submit(() -> {
                    List<Lock> locks = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        Lock lock = locker.lock("k-" + thread + "-" + i, i % 3 == 0 ? LockMode.SHARED : LockMode.EXCLUSIVE);
                        assertThat(lock.acquire()).isTrue();
                        locks.add(lock);
                    }
                    return locks;
                }));
            }
            List<Lock> all = new ArrayList<>();
            for (Future<List<Lock>> locks : taken) {
                all.addAll(locks.get(60, TimeUnit.SECONDS));
            }
            assertThat(all).hasSize(10_000);
            assertThat(locker.stats().locksHeld()).isEqualTo(10_000);
            int sessions = ServerView.backends("pals:" + app);
            System.out.println("10,000 locks held on " + sessions + " sessions; stats: " + locker.stats());
            assertThat(sessions).isBetween(1, 8).isEqualTo(locker.stats().connectionsInUse());
            // The server agrees: 10,000 advisory locks granted to this Locker's backends.
            assertThat(ServerView.queryString("select count(*) from pg_locks l join pg_stat_activity a using (pid)"
                    + " where l.locktype = 'advisory' and l.granted and a.application_name = 'pals:" + app + "'"))
                    .isEqualTo("10000");
            List<HeldLockInfo> held = locker.heldLocks();
            assertThat(held).hasSize(10_000);
            assertThat(held.stream().mapToInt(HeldLockInfo::backendPid).distinct().count()).isEqualTo(sessions);
            // Spread over the sessions, not piled on the first: each statement on a session costs the server
            // time per lock it holds, so no session carries far more than an even share.
            Map<Integer, Long> perSession = held.stream()
                    .collect(Collectors.groupingBy(HeldLockInfo::backendPid, Collectors.counting()));
            System.out.println("locks per session: " + perSession.values());
            assertThat(Collections.max(perSession.values())).isLessThanOrEqualTo(10_000L / sessions + 500);
            for (Lock lock : all) {
                assertThat(lock.release()).isTrue();
            }
            assertThat(locker.stats().locksHeld()).isZero();
            assertThat(locker.stats().connectionsInUse()).isZero();
            assertThat(ServerView.queryString("select count(*) from pg_locks l join pg_stat_activity a using (pid)"
                    + " where l.locktype = 'advisory' and a.application_name = 'pals:" + app + "'")).isEqualTo("0");
        } finally {
            executor.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.backends("pals:" + app) == 0);
    }

    @Test
    void anExclusiveTryMeetingAHolderOfThisLockerSaysNoWithoutARoundTrip() {
        try (TcpProxy proxy = TcpProxy.start(Db.host(), Db.port());
                Locker locker = Db.builder(Db.uniqueApp("no-round-trip")).multiplexing(true)
                        .url("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + Db.database())
                        .user(Db.user()).password(Db.password()).build()) {
            Lock holder = locker.lock("k");
            assertThat(holder.acquire()).isTrue();
            Lock shared = locker.lock("s", LockMode.SHARED);
            assertThat(shared.acquire()).isTrue();
            proxy.resetCounts();
            for (int i = 0; i < 20; i++) {
                assertThat(locker.lock("k").acquire(false)).isFalse();
                assertThat(locker.lock("k", LockMode.SHARED).acquire(Duration.ZERO)).isFalse();
                assertThat(locker.lock("s", LockMode.EXCLUSIVE).acquire(false)).isFalse();
            }
            assertThat(proxy.roundTrips()).isZero();
            assertThat(holder.release()).isTrue();
            assertThat(shared.release()).isTrue();
        }
    }

    @Test
    void aBlockingAcquireBehindAHolderOfThisLockerWaitsHerePinningNoSessionThenTakesTheLock() throws Exception {
        String app = Db.uniqueApp("wait-here");
        try (Locker locker = multiplexing(app).build()) {
            Lock holder = locker.lock("k");
            assertThat(holder.acquire()).isTrue();
            Lock waiter = locker.lock("k");
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> waiter.acquire(Duration.ofSeconds(20)));
            Db.awaitWaiting(locker, 1);
            assertThat(locker.stats().connectionsInUse()).isEqualTo(1);
            assertThat(ServerView.waiters(holder.key())).as("nothing waits at the server").isEmpty();
            assertThat(ServerView.backends("pals:" + app)).isEqualTo(1);
            assertThat(holder.release()).isTrue();
            assertThat(waiting.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(waiter.confirmHeld()).isTrue();
            assertThat(waiter.release()).isTrue();
        }
    }

    @Test
    void sharedHoldersOfOneKeyInOneLockerHoldItOnDistinctSessions() {
        String app = Db.uniqueApp("shared-sessions");
        try (Locker locker = multiplexing(app).build()) {
            List<Lock> readers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Lock reader = locker.lock("k", LockMode.SHARED);
                assertThat(reader.acquire(false)).isTrue();
                readers.add(reader);
            }
            Set<Integer> pids = new HashSet<>(ServerView.holders(readers.get(0).key()));
            assertThat(pids).hasSize(3);
            assertThat(locker.lock("k").acquire(false)).isFalse();
            readers.forEach(Lock::release);
            assertThat(locker.lock("k").acquire(false)).isTrue();
        }
    }

    @Test
    void aWaitAtTheServerRunsOnASessionThatHoldsNothingAndReleasesDoNotWaitForIt() throws Exception {
        String app = Db.uniqueApp("wait-apart");
        try (Locker locker = multiplexing(app).build(); Locker other = locker(app).build()) {
            Lock mine = locker.lock("mine");
            assertThat(mine.acquire()).isTrue();
            int holding = ServerView.holders(mine.key()).get(0);
            Lock theirs = other.lock("theirs");
            assertThat(theirs.acquire()).isTrue();

            Lock waiter = locker.lock("theirs");
            ExecutorService waiterThread = Executors.newSingleThreadExecutor();
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> waiter.acquire(Duration.ofSeconds(30)),
                    waiterThread);
            await().atMost(Duration.ofSeconds(5)).until(() -> !ServerView.waiters(theirs.key()).isEmpty());
            int waitingPid = ServerView.waiters(theirs.key()).get(0);
            assertThat(waitingPid).isNotEqualTo(holding);
            assertThat(ServerView.queryString("select count(*) from pg_locks where granted and locktype = 'advisory'"
                    + " and pid = " + waitingPid)).as("locks held by the waiting session").isEqualTo("0");

            // While the wait goes on, the session that holds locks takes and drops others at once.
            for (int i = 0; i < 10; i++) {
                Lock quick = locker.lock("quick-" + i);
                assertThat(quick.acquire(Duration.ofSeconds(1))).isTrue();
                assertThat(ServerView.holders(quick.key())).containsExactly(holding);
                assertThat(quick.release()).isTrue();
            }
            assertThat(mine.release()).isTrue();
            assertThat(waiting).isNotDone();
            theirs.release();
            assertThat(waiting.get(5, TimeUnit.SECONDS)).isTrue();
            // The session that waited now holds its lock, and takes that thread's tries for others.
            Lock next = locker.lock("next");
            assertThat(CompletableFuture.supplyAsync(() -> next.acquire(false), waiterThread).get(5, TimeUnit.SECONDS))
                    .isTrue();
            assertThat(ServerView.holders(next.key())).containsExactly(waitingPid);
            next.release();
            waiter.release();
            waiterThread.shutdown();
        }
    }

    @Test
    void aLostSessionReportsEveryLockItHeldAtOnce() {
        AtomicInteger heard = new AtomicInteger();
        AtomicInteger callbacks = new AtomicInteger();
        LockListener listener = new LockListener() {
            @Override
            public void lockLost(LockInfo lock, Duration held, Throwable cause) {
                heard.incrementAndGet();
            }
        };
        try (Locker locker = multiplexing(Db.uniqueApp("blast")).listener(listener)
                .onLockLost(lock -> callbacks.incrementAndGet()).build()) {
            List<Lock> locks = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Lock lock = locker.lock("k" + i);
                assertThat(lock.acquire()).isTrue();
                locks.add(lock);
            }
            assertThat(locker.stats().maxLocksPerConnection()).isEqualTo(50);
            ServerView.terminate(ServerView.holders(locks.get(0).key()).get(0));
            // One use notices: all fifty are reported, none held any more.
            assertThat(locks.get(17).confirmHeld()).isFalse();
            assertThat(heard.get()).isEqualTo(50);
            assertThat(callbacks.get()).isEqualTo(50);
            assertThat(locks).noneMatch(Lock::isHeld);
            assertThat(locker.stats().locksLost()).isEqualTo(50);
            assertThat(locker.stats().locksHeld()).isZero();
            assertThat(locks.get(3).release()).isFalse();
            assertThat(locks.get(3).acquire()).isTrue();
            assertThat(locks.get(3).release()).isTrue();
        }
    }
}
