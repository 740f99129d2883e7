package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Interrupting a thread that waits for a lock at the server cancels the wait there (PostgreSQL's cancel
 * request): the call returns promptly, keeps the interrupt flag, and leaves no lock held and no
 * connection lent, also when the grant races the cancel. An asynchronous acquire's cancel does the same.
 */
@Timeout(120)
class InterruptTest {

    /** Runs {@code acquire} on a thread of its own; the result or what it threw, and its interrupt flag. */
    private static final class Waiter {
        final AtomicReference<Object> outcome = new AtomicReference<>();
        volatile boolean interruptedAfter;
        final Thread thread;

        Waiter(java.util.concurrent.Callable<Boolean> acquire) {
            thread = new Thread(() -> {
                try {
                    outcome.set(acquire.call());
                } catch (Throwable e) {
                    outcome.set(e);
                }
                interruptedAfter = Thread.currentThread().isInterrupted();
            }, "interrupt-test-waiter");
            thread.start();
        }
    }

    @Test
    void anInterruptCancelsTheWaitAtTheServerAndKeepsTheFlag() throws Exception {
        String app = Db.uniqueApp("interrupt-server");
        try (Locker locker = locker(app).build(); Locker other = locker(app).build()) {
            Lock theirs = other.lock("k");
            assertThat(theirs.acquire()).isTrue();
            Lock mine = locker.lock("k");
            Waiter waiter = new Waiter(() -> mine.acquire(Duration.ofSeconds(60)));
            await().atMost(Duration.ofSeconds(10)).until(() -> !ServerView.waiters(theirs.key()).isEmpty());
            waiter.thread.interrupt();
            waiter.thread.join(5_000);
            assertThat(waiter.thread.isAlive()).isFalse();
            assertThat(waiter.outcome.get()).isInstanceOfSatisfying(AcquireFailure.class,
                    failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.INTERRUPTED));
            assertThat(waiter.interruptedAfter).as("interrupt flag kept").isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.waiters(theirs.key()).isEmpty());
            assertThat(mine.isHeld()).isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> locker.stats().connectionsInUse() == 0);
            theirs.release();
            assertThat(ServerView.freeElsewhere(theirs.key())).isTrue();
        }
    }

    @Test
    void interruptsEndServerWaitsPromptly() throws Exception {
        String app = Db.uniqueApp("interrupt-latency");
        List<Long> micros = new ArrayList<>();
        try (Locker locker = locker(app).build(); Locker other = locker(app).build()) {
            Lock theirs = other.lock("k");
            assertThat(theirs.acquire()).isTrue();
            for (int round = 0; round < 40; round++) {
                Lock mine = locker.lock("k");
                Waiter waiter = new Waiter(() -> mine.acquire(Lock.WAIT_FOREVER));
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(2))
                        .until(() -> !ServerView.waiters(theirs.key()).isEmpty());
                long start = System.nanoTime();
                waiter.thread.interrupt();
                waiter.thread.join(10_000);
                micros.add(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start));
                assertThat(waiter.outcome.get()).as("round %d", round).isInstanceOf(AcquireFailure.class);
                await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.waiters(theirs.key()).isEmpty());
            }
            theirs.release();
        }
        Collections.sort(micros);
        long p50 = micros.get(micros.size() / 2);
        long p99 = micros.get((int) Math.ceil(micros.size() * 0.99) - 1);
        System.out.printf("interrupt to return: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d rounds)%n", p50 / 1e3,
                p99 / 1e3, micros.get(micros.size() - 1) / 1e3, micros.size());
        // A loose bound for a loaded CI machine; the figure itself is printed above (and in README).
        assertThat(p99).isLessThan(1_000_000);
    }

    @Test
    void aGrantRacingTheCancelLeavesNothingBehind() throws Exception {
        String app = Db.uniqueApp("interrupt-race");
        long seed = Long.getLong("pals.seed", System.nanoTime());
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        int acquired = 0;
        int interrupted = 0;
        try (Locker locker = locker(app).build(); Locker other = locker(app).build()) {
            for (int round = 0; round < 40; round++) {
                Lock theirs = other.lock("k");
                assertThat(theirs.acquire()).isTrue();
                Lock mine = locker.lock("k");
                Waiter waiter = new Waiter(() -> mine.acquire(Duration.ofSeconds(30)));
                await().atMost(Duration.ofSeconds(10)).until(() -> !ServerView.waiters(theirs.key()).isEmpty());
                // Release and interrupt at about the same moment, in either order, a few ms apart: the
                // grant and the cancel race.
                long gap = java.util.concurrent.TimeUnit.MICROSECONDS.toNanos(random.nextInt(15_000));
                if (random.nextBoolean()) {
                    theirs.release();
                    java.util.concurrent.locks.LockSupport.parkNanos(gap);
                    waiter.thread.interrupt();
                } else {
                    waiter.thread.interrupt();
                    java.util.concurrent.locks.LockSupport.parkNanos(gap);
                    theirs.release();
                }
                waiter.thread.join(10_000);
                Object outcome = waiter.outcome.get();
                if (Boolean.TRUE.equals(outcome)) {
                    acquired++;
                    assertThat(mine.isHeld()).isTrue();
                    assertThat(mine.release()).isTrue();
                } else {
                    interrupted++;
                    assertThat(outcome).isInstanceOfSatisfying(AcquireFailure.class,
                            failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.INTERRUPTED));
                    assertThat(mine.isHeld()).isFalse();
                    assertThat(waiter.interruptedAfter).as("interrupt flag kept").isTrue();
                }
                Lock probe = locker.lock("probe");
                await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.freeElsewhere(theirs.key()));
                assertThat(locker.stats().locksHeld()).isZero();
                assertThat(probe.isHeld()).isFalse();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> locker.stats().connectionsInUse() == 0);
        }
        System.out.println("grant raced the cancel (seed " + seed + "): " + acquired + " acquired, " + interrupted
                + " interrupted");
    }

    @Test
    void cancellingAnAsynchronousAcquireEndsItsWaitAtTheServer() throws Exception {
        String app = Db.uniqueApp("async");
        try (Locker locker = locker(app).build(); Locker other = locker(app).build()) {
            Lock theirs = other.lock("k");
            assertThat(theirs.acquire()).isTrue();
            Lock mine = locker.lock("k");
            CompletableFuture<Boolean> pending = mine.acquireAsync(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(10)).until(() -> !ServerView.waiters(theirs.key()).isEmpty());
            assertThat(pending.cancel(true)).isTrue();
            assertThatThrownBy(() -> pending.get(1, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.waiters(theirs.key()).isEmpty());
            await().atMost(Duration.ofSeconds(5)).until(() -> locker.stats().connectionsInUse() == 0);
            assertThat(mine.isHeld()).isFalse();
            theirs.release();

            CompletableFuture<Boolean> free = mine.acquireAsync(Duration.ofSeconds(5));
            assertThat(free.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(mine.isHeld()).isTrue();
            assertThat(free.cancel(true)).as("a completed acquire cannot be cancelled").isFalse();
            assertThat(mine.release()).isTrue();

            // A failure completes the future exceptionally.
            assertThat(theirs.acquire()).isTrue();
            assertThat(mine.acquireAsync(Duration.ofMillis(50)).get(5, TimeUnit.SECONDS)).isFalse();
            theirs.release();
        }
    }
}
