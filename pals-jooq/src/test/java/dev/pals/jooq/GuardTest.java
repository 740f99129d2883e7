package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockListener;
import dev.pals.Locker;
import dev.pals.testing.HeldByThread;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * User code the library calls (listeners, lost-lock callbacks) may throw anything, {@code Error}s
 * included: the library cleans up and goes on. Regression tests for the outside review's finding 2 (an
 * {@code Error} from a listener orphaned a held lock, one from a callback killed the watchdog, and one
 * during a re-acquire left the handle unable to acquire again) and finding 9 (a listener was called
 * while an internal lock was held).
 */
@Timeout(60)
class GuardTest {

    /** A listener that throws {@code error} from every event. */
    private static LockListener throwingFromEveryEvent(Error error) {
        return new LockListener() {
            @Override
            public void acquireStarted(LockInfo lock) {
                throw error;
            }

            @Override
            public void acquired(LockInfo lock, Duration waited) {
                throw error;
            }

            @Override
            public void acquireFailed(LockInfo lock, AcquireFailure.Reason reason, Duration waited, Throwable cause) {
                throw error;
            }

            @Override
            public void released(LockInfo lock, Duration held) {
                throw error;
            }

            @Override
            public void lockLost(LockInfo lock, Duration held, Throwable cause) {
                throw error;
            }

            @Override
            public void connectionReset(boolean destroyed, Throwable cause) {
                throw error;
            }

            @Override
            public void lockerClosed() {
                throw error;
            }
        };
    }

    @Test
    void aListenerThrowingNoSuchMethodErrorChangesNothingAndOrphansNothing() {
        String app = Db.uniqueApp("guard-error");
        try (LogCapture log = LogCapture.of("dev.pals");
                Locker locker = locker(app).listener(throwingFromEveryEvent(new NoSuchMethodError("version mismatch")))
                        .build();
                Locker other = locker(app).build()) {
            Lock lock = locker.lock("k");
            assertThat(lock.acquire()).isTrue();
            assertThat(lock.isHeld()).isTrue();
            assertThat(ServerView.freeElsewhere(lock.key())).isFalse();
            assertThat(locker.lock("k").acquire(false)).isFalse();
            assertThat(lock.release()).isTrue();
            assertThat(ServerView.freeElsewhere(lock.key())).isTrue();

            // A lost lock, reported through the throwing listener, still frees the handle.
            assertThat(lock.acquire()).isTrue();
            ServerView.terminate(ServerView.holders(lock.key()).get(0));
            assertThat(lock.release()).isFalse();
            assertThat(lock.acquire(Duration.ofSeconds(5))).isTrue();
            assertThat(lock.release()).isTrue();
            assertThat(other.lock("k").acquire(Duration.ofSeconds(5))).isTrue();
            assertThat(log.text()).contains("version mismatch");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.backends("pals:" + app) == 0);
    }

    @Test
    void aFatalErrorFromTheAcquiredEventIsRethrownWithTheLockReleased() {
        try (Locker locker = locker(null).listener(new LockListener() {
            @Override
            public void acquired(LockInfo lock, Duration waited) {
                throw new OutOfMemoryError("test: pretend the heap is full");
            }
        }).build()) {
            Lock lock = locker.lock("guard-fatal");
            assertThatThrownBy(lock::acquire).isInstanceOf(OutOfMemoryError.class);
            assertThat(lock.isHeld()).isFalse();
            assertThat(ServerView.freeElsewhere(lock.key())).isTrue();
            assertThat(locker.stats().locksHeld()).isZero();
            assertThat(locker.stats().connectionsInUse()).isZero();
        }
    }

    @Test
    void aLockerCallbackThrowingAssertionErrorDoesNotStopTheWatchdog() {
        AtomicInteger called = new AtomicInteger();
        try (Locker locker = locker(null).lockCheckInterval(Duration.ofMillis(200)).onLockLost(lock -> {
            called.incrementAndGet();
            throw new AssertionError("a callback's own assertion");
        }).build()) {
            Lock first = locker.lock("guard-watchdog-1");
            assertThat(first.acquire()).isTrue();
            ServerView.terminate(ServerView.holders(first.key()).get(0));
            await().atMost(Duration.ofSeconds(5)).until(() -> called.get() == 1);
            assertThat(first.isHeld()).isFalse();

            Lock second = locker.lock("guard-watchdog-2");
            assertThat(second.acquire()).isTrue();
            ServerView.terminate(ServerView.holders(second.key()).get(0));
            await().atMost(Duration.ofSeconds(5)).until(() -> called.get() == 2);
            assertThat(second.isHeld()).isFalse();
        }
    }

    @Test
    void aLockCallbackThrowingWhenTheLossIsNoticedLeavesTheHandleUsable() {
        try (Locker locker = locker(null).build()) {
            AtomicInteger called = new AtomicInteger();
            Lock lock = locker.lock("guard-reacquire").onLost(info -> {
                called.incrementAndGet();
                throw new AssertionError("a callback's own assertion");
            });
            assertThat(lock.acquire()).isTrue();
            ServerView.terminate(ServerView.holders(lock.key()).get(0));
            // Another handle's acquire may be the one that finds the session dead (with multiplexing it tries
            // there first): the loss is reported to the throwing callback, and that acquire still succeeds.
            Lock other = locker.lock("guard-reacquire-other");
            assertThat(other.acquire(Duration.ofSeconds(5))).isTrue();
            assertThat(lock.confirmHeld()).isFalse();
            assertThat(called.get()).isEqualTo(1);
            // The handle acquires afresh, again and again.
            assertThat(lock.acquire(Duration.ofSeconds(5))).isTrue();
            assertThat(lock.acquire(Duration.ofSeconds(5))).isTrue();
            assertThat(lock.holdCount()).isEqualTo(2);
            assertThat(lock.release()).isTrue();
            assertThat(lock.release()).isTrue();
            assertThat(ServerView.freeElsewhere(lock.key())).isTrue();
            assertThat(other.release()).isTrue();
        }
    }

    @Test
    void listenersAreNeverCalledWhileTheLibraryHoldsALockOrMonitor() {
        List<String> violations = new CopyOnWriteArrayList<>();
        List<String> events = new CopyOnWriteArrayList<>();
        LockListener checking = new LockListener() {
            private void check(String event) {
                events.add(event);
                for (String held : HeldByThread.current()) {
                    violations.add(event + " holds " + held);
                }
            }

            @Override
            public void acquireStarted(LockInfo lock) {
                check("acquireStarted");
            }

            @Override
            public void acquired(LockInfo lock, Duration waited) {
                check("acquired");
            }

            @Override
            public void acquireFailed(LockInfo lock, AcquireFailure.Reason reason, Duration waited, Throwable cause) {
                check("acquireFailed");
            }

            @Override
            public void released(LockInfo lock, Duration held) {
                check("released");
            }

            @Override
            public void lockLost(LockInfo lock, Duration held, Throwable cause) {
                check("lockLost");
            }

            @Override
            public void connectionReset(boolean destroyed, Throwable cause) {
                check("connectionReset");
            }

            @Override
            public void lockerClosed() {
                check("lockerClosed");
            }
        };
        String app = Db.uniqueApp("guard-locks");
        try (Locker other = locker(app).build()) {
            Locker locker = locker(app).listener(checking).build();
            Lock lock = locker.lock("k");
            assertThat(lock.acquire()).isTrue();
            assertThat(lock.release()).isTrue();
            Lock theirs = other.lock("held");
            assertThat(theirs.acquire()).isTrue();
            // A timed-out wait leaves its session in doubt: it is reset on return.
            assertThat(locker.lock("held").acquire(Duration.ofMillis(50))).isFalse();
            assertThat(lock.acquire()).isTrue();
            ServerView.terminate(ServerView.holders(lock.key()).get(0));
            assertThat(lock.release()).isFalse();
            assertThat(lock.acquire()).isTrue();
            locker.close();
        }
        assertThat(events).contains("acquireStarted", "acquired", "acquireFailed", "released", "lockLost",
                "connectionReset", "lockerClosed");
        assertThat(violations).isEmpty();
    }
}
