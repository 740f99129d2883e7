package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockListener;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.LockerStats;
import dev.pals.testing.ServerView;
import dev.pals.testing.ThrowingListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The listener SPI as the core drives it, and the stats snapshot. */
@Timeout(60)
class ListenerTest {

    /** Writes every event as a line. */
    static final class Recorder implements LockListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void acquireStarted(LockInfo lock) {
            events.add("started " + lock.name() + " " + lock.mode().label());
        }

        @Override
        public void acquired(LockInfo lock, Duration waited) {
            events.add("acquired " + lock.name());
        }

        @Override
        public void acquireFailed(LockInfo lock, AcquireFailure.Reason reason, Duration waited, Throwable cause) {
            events.add("failed " + lock.name() + " " + reason + " " + (waited.toMillis() >= 200 ? "waited" : "at once"));
        }

        @Override
        public void released(LockInfo lock, Duration held) {
            events.add("released " + lock.name() + (held.toMillis() >= 100 ? " after 100 ms" : ""));
        }

        @Override
        public void lockLost(LockInfo lock, Duration held, Throwable cause) {
            events.add("lost " + lock.name());
        }

        @Override
        public void connectionReset(boolean destroyed, Throwable cause) {
            events.add("reset " + (destroyed ? "destroyed" : "clean"));
        }

        @Override
        public void lockerClosed() {
            events.add("closed");
        }
    }

    @Test
    void eventsFollowWhatHappensAndReentryIsNotReported() throws Exception {
        Recorder recorder = new Recorder();
        try (Locker locker = locker(null).listener(recorder).build(); Locker other = locker(null).build()) {
            Lock lock = locker.lock("ev-a");
            assertThat(lock.acquire()).isTrue();
            assertThat(lock.acquire()).isTrue();
            Thread.sleep(100);
            lock.release();
            lock.release();
            Lock held = other.lock("ev-b");
            assertThat(held.acquire()).isTrue();
            assertThat(locker.lock("ev-b", LockMode.SHARED).acquire(false)).isFalse();
            assertThat(locker.lock("ev-b").acquire(Duration.ofMillis(200))).isFalse();
            held.release();
            assertThat(recorder.events).containsExactly(
                    "started ev-a exclusive", "acquired ev-a", "released ev-a after 100 ms",
                    "started ev-b shared", "failed ev-b NOT_AVAILABLE at once",
                    // A lock timeout may land as the lock is granted: the session is reset before it is pooled.
                    "started ev-b exclusive", "reset clean", "failed ev-b TIMEOUT waited");
        }
    }

    @Test
    void aThrowingListenerChangesNothingAndTheOthersStillHear() {
        Recorder recorder = new Recorder();
        LockListener thrower = new ThrowingListener();
        try (LogCapture log = LogCapture.of("dev.pals");
                Locker locker = locker(null).listener(LockListener.composite(thrower, recorder)).build()) {
            try (HeldLock held = locker.lock("ev-throw").hold()) {
                assertThat(held.lock().isHeld()).isTrue();
            }
            assertThat(ServerView.freeElsewhere(locker.key("ev-throw"))).isTrue();
            assertThat(recorder.events).containsExactly("started ev-throw exclusive", "acquired ev-throw", "released ev-throw");
            assertThat(log.text()).contains("failed on acquireStarted").contains("boom");
        }
        try (Locker alone = locker(null).listener(thrower).build()) {
            Lock lock = alone.lock("ev-throw-alone");
            assertThat(lock.acquire()).isTrue();
            assertThat(lock.release()).isTrue();
        }
    }

    @Test
    void aLockWhoseSessionDiedIsReportedLostOnRelease() {
        Recorder recorder = new Recorder();
        try (Locker locker = locker(null).listener(recorder).build()) {
            Lock lock = locker.lock("ev-lost");
            assertThat(lock.acquire()).isTrue();
            ServerView.terminate(ServerView.holders(lock.key()).get(0));
            assertThat(lock.release()).isFalse();
            assertThat(recorder.events).contains("lost ev-lost").doesNotContain("released ev-lost");
            assertThat(recorder.events).contains("reset destroyed");
        }
    }

    @Test
    void statsShowLocksHeldConnectionsInUseAndWaiters() throws Exception {
        try (Locker locker = locker(Db.uniqueApp("stats")).maxPoolSize(2).build(); Locker other = locker(null).build()) {
            assertThat(locker.stats()).isEqualTo(new LockerStats(0, 0, 2, 0, 0, 0, 0));
            Lock a = locker.lock("a");
            assertThat(a.acquire()).isTrue();
            assertThat(a.acquire()).isTrue();
            assertThat(locker.stats()).isEqualTo(new LockerStats(1, 1, 2, 0, 0, 1, 0));

            // Keys held elsewhere: a wait for each needs a session of its own (with multiplexing too).
            Lock blocker = other.lock(locker.key("b"), LockMode.EXCLUSIVE);
            Lock blockerOfC = other.lock(locker.key("c"), LockMode.EXCLUSIVE);
            assertThat(blocker.acquire()).isTrue();
            assertThat(blockerOfC.acquire()).isTrue();
            CompletableFuture<Boolean> waitingForLock = CompletableFuture.supplyAsync(() -> locker.lock("b").acquire(Duration.ofSeconds(10)));
            await().atMost(Duration.ofSeconds(5)).until(() -> locker.stats().waitingForLock() == 1);
            CompletableFuture<Boolean> waitingForConnection = CompletableFuture.supplyAsync(() -> locker.lock("c").acquire(Duration.ofSeconds(10)));
            await().atMost(Duration.ofSeconds(5)).until(() -> locker.stats().waitingForConnection() == 1);
            assertThat(locker.stats()).isEqualTo(new LockerStats(1, 2, 2, 1, 1, 1, 0));

            blocker.release();
            assertThat(waitingForLock.get(5, TimeUnit.SECONDS)).isTrue();
            a.release();
            a.release();
            // a's session went back: c's wait for a connection is over, its wait for the lock begins.
            await().atMost(Duration.ofSeconds(5)).until(() -> locker.stats().waitingForLock() == 1);
            blockerOfC.release();
            assertThat(waitingForConnection.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(locker.stats().locksHeld()).isEqualTo(2);
            assertThat(locker.stats().waitingForLock()).isZero();
            assertThat(locker.stats().waitingForConnection()).isZero();
        }
    }

    @Test
    void closingTheLockerIsReportedOnceWithoutAReleasePerHeldLock() {
        Recorder recorder = new Recorder();
        Locker locker = locker(null).listener(recorder).build();
        Lock lock = locker.lock("ev-close");
        assertThat(lock.acquire()).isTrue();
        locker.close();
        locker.close();
        assertThat(lock.release()).isFalse();
        // Closing ends the session, and the lock with it: no release, no reset; "closed" comes last.
        assertThat(recorder.events).containsExactly("started ev-close exclusive", "acquired ev-close", "closed");
    }

    @Test
    void oneHandleGivesTheSameLockInfoFromAcquireToRelease() {
        List<LockInfo> seen = new CopyOnWriteArrayList<>();
        LockListener listener = new LockListener() {
            @Override
            public void acquireStarted(LockInfo lock) {
                seen.add(lock);
            }

            @Override
            public void acquired(LockInfo lock, Duration waited) {
                seen.add(lock);
            }

            @Override
            public void released(LockInfo lock, Duration held) {
                seen.add(lock);
            }
        };
        try (Locker locker = locker(null).listener(listener).build()) {
            Lock first = locker.lock("ev-same", LockMode.SHARED);
            Lock second = locker.lock("ev-same", LockMode.SHARED);
            assertThat(first.acquire()).isTrue();
            assertThat(second.acquire()).isTrue();
            first.release();
            second.release();
        }
        assertThat(seen).hasSize(6);
        assertThat(seen.get(0)).isSameAs(seen.get(1)).isSameAs(seen.get(4));
        assertThat(seen.get(2)).isSameAs(seen.get(3)).isSameAs(seen.get(5)).isNotSameAs(seen.get(0));
    }
}
