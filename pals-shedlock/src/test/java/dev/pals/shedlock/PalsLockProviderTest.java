package dev.pals.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.LockKey;
import dev.pals.Locker;
import dev.pals.jooq.JooqLocker;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockingTaskExecutor.TaskResult;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.support.KeepAliveLockProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What ShedLock users rely on beyond ShedLock's own suite ({@link ShedLockSuiteTest}), against the real
 * test PostgreSQL: two instances (two Lockers), lockAtMostFor and lockAtLeastFor as the server sees
 * them, and what happens when the Locker or the provider closes or a session is lost.
 */
@Timeout(60)
class PalsLockProviderTest {
    private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);

    private final String app = Db.uniqueApp("shedlock");
    private final List<AutoCloseable> toClose = new ArrayList<>();

    private Locker locker() {
        Locker locker = Db.locker(app).build();
        toClose.add(locker);
        return locker;
    }

    private PalsLockProvider provider(Locker locker) {
        PalsLockProvider provider = new PalsLockProvider(locker);
        toClose.add(0, provider);
        return provider;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
    }

    private static LockConfiguration config(String name, Duration atMost, Duration atLeast) {
        return new LockConfiguration(ClockProvider.now(), name, atMost, atLeast);
    }

    private static List<Integer> holders(Locker locker, String name) {
        return ServerView.holders(locker.key(name));
    }

    @Test
    void aLockHeldByOneInstanceIsRefusedToAnotherAtOnce() {
        Locker first = locker();
        Locker second = locker();
        PalsLockProvider one = provider(first);
        PalsLockProvider other = provider(second);

        SimpleLock lock = one.lock(config("report", FIVE_MINUTES, Duration.ZERO)).orElseThrow();
        long start = System.nanoTime();
        assertThat(other.lock(config("report", FIVE_MINUTES, Duration.ZERO))).isEmpty();
        // A single try: the Locker's 30 s blocking acquire timeout does not apply.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(holders(first, "report")).hasSize(1);

        lock.unlock();
        assertThat(holders(first, "report")).isEmpty();
        SimpleLock taken = other.lock(config("report", FIVE_MINUTES, Duration.ZERO)).orElseThrow();
        taken.unlock();
    }

    @Test
    void theLockIsTheOnePalsAndPythonPalsComputeForTheName() {
        Locker locker = locker();
        SimpleLock lock = provider(locker).lock(config("nightly", FIVE_MINUTES, Duration.ZERO)).orElseThrow();
        assertThat(ServerView.holders(LockKey.named(app, "nightly"))).hasSize(1);
        assertThat(locker.lock("nightly").acquire(false)).isFalse();
        lock.unlock();
    }

    @Test
    void lockAtLeastForKeepsTheLockAfterAnEarlyUnlockUntilItHasPassed() {
        Locker locker = locker();
        PalsLockProvider provider = provider(locker);
        PalsLockProvider otherInstance = provider(locker());
        Duration atLeast = Duration.ofMillis(800);
        LockConfiguration config = config("at-least", FIVE_MINUTES, atLeast);
        Instant lockAtLeastUntil = config.getLockAtLeastUntil();

        provider.lock(config).orElseThrow().unlock();

        assertThat(holders(locker, "at-least")).hasSize(1);
        assertThat(otherInstance.lock(config("at-least", FIVE_MINUTES, Duration.ZERO))).isEmpty();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> holders(locker, "at-least").isEmpty());
        assertThat(Instant.now()).isAfterOrEqualTo(lockAtLeastUntil);
        otherInstance.lock(config("at-least", FIVE_MINUTES, Duration.ZERO)).orElseThrow().unlock();
        assertThat(locker.stats().locksHeld()).isZero();
    }

    @Test
    void anUnlockAfterLockAtLeastForReleasesAtOnce() throws InterruptedException {
        Locker locker = locker();
        PalsLockProvider provider = provider(locker);
        SimpleLock lock = provider.lock(config("late", FIVE_MINUTES, Duration.ofMillis(50))).orElseThrow();
        Thread.sleep(100); // past lockAtLeastFor: what is tested is what unlock does then
        lock.unlock();
        assertThat(holders(locker, "late")).isEmpty();
    }

    @Test
    void lockAtMostForReleasesTheLockWhileTheTaskStillRunsAndTheLateUnlockHarmsNobody() throws Exception {
        Locker first = locker();
        Locker second = locker();
        LockingTaskExecutor one = new DefaultLockingTaskExecutor(provider(first));
        PalsLockProvider other = provider(second);
        Duration atMost = Duration.ofMillis(300);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<TaskResult<Object>> run = executor.submit(() -> {
                try {
                    return one.executeWithLock(() -> {
                        started.countDown();
                        finish.await();
                        return null;
                    }, config("slow", atMost, Duration.ZERO));
                } catch (Throwable e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            List<Integer> firstHolder = holders(first, "slow");
            assertThat(firstHolder).hasSize(1);

            // The task still runs, but its lockAtMostFor passes: another instance may now take the lock.
            Optional<SimpleLock> taken = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> other.lock(config("slow", FIVE_MINUTES, Duration.ZERO)), Optional::isPresent);
            List<Integer> secondHolder = holders(second, "slow");
            assertThat(secondHolder).hasSize(1).doesNotContainAnyElementsOf(firstHolder);

            finish.countDown();
            assertThat(run.get(10, TimeUnit.SECONDS).wasExecuted()).isTrue();
            // The first task's own unlock came after its lock was gone: the second holder keeps it.
            assertThat(holders(second, "slow")).isEqualTo(secondHolder);
            assertThat(first.stats().locksHeld()).isZero();
            taken.orElseThrow().unlock();
            assertThat(holders(second, "slow")).isEmpty();
        } finally {
            finish.countDown();
            executor.shutdownNow();
        }
    }

    @Test
    void tasksOfTwoInstancesUnderOneNameNeverOverlap() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        List<LockingTaskExecutor> instances = List.of(
                new DefaultLockingTaskExecutor(provider(locker())),
                new DefaultLockingTaskExecutor(provider(locker())));
        ExecutorService executor = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                LockingTaskExecutor instance = instances.get(t % 2);
                futures.add(executor.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        instance.executeWithLock((Runnable) () -> {
                            if (inside.incrementAndGet() != 1) {
                                overlaps.incrementAndGet();
                            }
                            runs.incrementAndGet();
                            Thread.yield();
                            inside.decrementAndGet();
                        }, config("job", FIVE_MINUTES, Duration.ofMillis(2)));
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            executor.shutdownNow();
        }
        assertThat(overlaps.get()).isZero();
        assertThat(runs.get()).isPositive();
    }

    @Test
    void closingTheLockerReleasesHeldAndLingeringLocksAndEndsTheReleaseThread() {
        Locker locker = locker();
        PalsLockProvider provider = provider(locker);
        SimpleLock running = provider.lock(config("running", FIVE_MINUTES, Duration.ZERO)).orElseThrow();
        provider.lock(config("lingering", FIVE_MINUTES, FIVE_MINUTES)).orElseThrow().unlock();
        assertThat(holders(locker, "running")).hasSize(1);
        assertThat(holders(locker, "lingering")).hasSize(1);
        assertThat(provider.releaseThreadAlive()).isTrue();

        locker.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> holders(locker, "running").isEmpty()
                && holders(locker, "lingering").isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> !provider.releaseThreadAlive());
        running.unlock(); // after the Locker closed: nothing to do, no error
        assertThatThrownBy(() -> provider.lock(config("running", FIVE_MINUTES, Duration.ZERO)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(provider.releaseThreadAlive()).isFalse();
    }

    @Test
    void closingTheProviderReleasesItsLocksAtOnceAndLeavesTheLockerOpen() {
        Locker locker = locker();
        PalsLockProvider provider = provider(locker);
        SimpleLock running = provider.lock(config("running", FIVE_MINUTES, Duration.ZERO)).orElseThrow();
        provider.lock(config("lingering", FIVE_MINUTES, FIVE_MINUTES)).orElseThrow().unlock();
        assertThat(locker.stats().locksHeld()).isEqualTo(2);

        provider.close();

        assertThat(holders(locker, "running")).isEmpty();
        assertThat(holders(locker, "lingering")).isEmpty();
        assertThat(locker.stats().locksHeld()).isZero();
        assertThat(provider.releaseThreadAlive()).isFalse();
        running.unlock();
        assertThatThrownBy(() -> provider.lock(config("other", FIVE_MINUTES, Duration.ZERO)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("this PalsLockProvider is closed");
        provider.close(); // idempotent
        assertThat(locker.lock("running").acquire(false)).isTrue();
    }

    @Test
    void theReleaseThreadRunsOnlyWhileReleasesArePending() {
        Locker locker = locker();
        PalsLockProvider provider = provider(locker);
        assertThat(provider.releaseThreadAlive()).isFalse();

        SimpleLock lock = provider.lock(config("brief", FIVE_MINUTES, Duration.ZERO)).orElseThrow();
        assertThat(provider.releaseThreadAlive()).isTrue();
        lock.unlock();

        await().atMost(Duration.ofSeconds(10)).until(() -> !provider.releaseThreadAlive());
        // And it comes back for the next lock.
        provider.lock(config("brief", FIVE_MINUTES, Duration.ofMillis(100))).orElseThrow().unlock();
        assertThat(provider.releaseThreadAlive()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> holders(locker, "brief").isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> !provider.releaseThreadAlive());
    }

    @Test
    void aLockWhoseSessionWasLostCannotBeExtendedAndIsLetGoOf() {
        Locker locker = Db.locker(app).lockCheckInterval(Duration.ofMillis(200)).build();
        toClose.add(locker);
        PalsLockProvider provider = provider(locker);
        SimpleLock lock = provider.lock(config("lost", FIVE_MINUTES, Duration.ZERO)).orElseThrow();
        List<Integer> holder = holders(locker, "lost");
        assertThat(holder).hasSize(1);

        ServerView.terminate(holder.get(0));

        await().atMost(Duration.ofSeconds(10)).until(() -> holders(locker, "lost").isEmpty());
        // The watchdog notices the lost session; the provider then drops the pending release.
        await().atMost(Duration.ofSeconds(10)).until(() -> !provider.releaseThreadAlive());
        assertThat(lock.extend(FIVE_MINUTES, Duration.ZERO)).isEmpty();
        SimpleLock again = provider.lock(config("lost", FIVE_MINUTES, Duration.ZERO)).orElseThrow();
        again.unlock();
    }

    @Test
    void extendAsksTheServerAndFailsWhenTheSessionIsGone() {
        Locker locker = locker(); // no watchdog: only the server can tell
        PalsLockProvider provider = provider(locker);
        SimpleLock lock = provider.lock(config("extend", FIVE_MINUTES, Duration.ZERO)).orElseThrow();
        ServerView.terminate(holders(locker, "extend").get(0));

        assertThat(lock.extend(FIVE_MINUTES, Duration.ZERO)).isEmpty();
        assertThat(locker.stats().locksHeld()).isZero();
    }

    @Test
    void keepAliveLockProviderWrapsIt() {
        Locker locker = locker();
        java.util.concurrent.ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            KeepAliveLockProvider keepAlive = new KeepAliveLockProvider(provider(locker), scheduler);
            SimpleLock lock = keepAlive.lock(config("kept", Duration.ofSeconds(30), Duration.ZERO)).orElseThrow();
            assertThat(holders(locker, "kept")).hasSize(1);
            lock.unlock();
            assertThat(holders(locker, "kept")).isEmpty();
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void badInputIsRefusedWithoutHoldingAnything() {
        assertThatThrownBy(() -> new PalsLockProvider(null))
                .isInstanceOf(NullPointerException.class).hasMessage("locker");
        Locker locker = locker();
        PalsLockProvider provider = provider(locker);
        assertThatThrownBy(() -> provider.lock(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> provider.lock(config("a\uD800", FIVE_MINUTES, Duration.ZERO)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(locker.stats().locksHeld()).isZero();
        assertThat(provider.releaseThreadAlive()).isFalse();
    }

    @Test
    void anUnreachableDatabaseIsAnAcquireFailureNotASkip() {
        Locker unreachable = JooqLocker.builder(app).url("jdbc:postgresql://127.0.0.1:1/none")
                .networkTimeout(Duration.ofSeconds(2)).build();
        toClose.add(unreachable);
        PalsLockProvider provider = provider(unreachable);
        assertThatThrownBy(() -> provider.lock(config("x", FIVE_MINUTES, Duration.ZERO)))
                .isInstanceOf(AcquireFailure.class)
                .satisfies(e -> assertThat(((AcquireFailure) e).reason()).isEqualTo(AcquireFailure.Reason.CONNECT_FAILED));
        assertThat(provider.releaseThreadAlive()).isFalse();
    }
}
