package dev.pals.jooq.faults;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.Lock;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.jooq.Db;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A lock whose session ends while held is noticed, reported once, and harms nothing afterwards. */
@Timeout(60)
class LostLockTest {
    private static final Duration CHECK = Duration.ofMillis(500);

    @Test
    void aTerminatedHoldersLossIsDetectedWithinTheCheckIntervalPlusOneSecond() {
        Recorder recorder = new Recorder();
        String app = Db.uniqueApp("lost");
        try (Locker locker = locker(app).maxPoolSize(1).lockCheckInterval(CHECK).listener(recorder)
                .onLockLost(recorder.lockerCallback()).build();
                Locker other = locker(app).build()) {
            Lock lock = locker.lock("k").onLost(recorder.lockCallback());
            assertThat(lock.acquire()).isTrue();
            assertThat(lock.confirmHeld()).isTrue();

            long terminatedAt = System.nanoTime();
            ServerView.terminate(ServerView.holders(lock.key()).get(0));
            await().atMost(CHECK.plusSeconds(2)).pollInterval(Duration.ofMillis(10))
                    .until(() -> recorder.lockCallbacks(lock.name()) == 1);
            long detectedAfter = TimeUnit.NANOSECONDS.toMillis(recorder.firstLostAt.get(lock.name()) - terminatedAt);
            assertThat(detectedAfter).isLessThanOrEqualTo(CHECK.plusSeconds(1).toMillis());

            assertThat(lock.isHeld()).isFalse();
            assertThat(lock.holdCount()).isZero();
            assertThat(lock.release()).isFalse();
            assertThat(lock.confirmHeld()).isFalse();
            assertThat(recorder.lockCallbacks(lock.name())).isEqualTo(1);
            assertThat(recorder.listenerLost).containsExactly(lock.name());
            assertThat(recorder.lockerCallback).containsExactly(lock.name());
            assertThat(locker.stats().locksHeld()).isZero();

            Lock theirs = other.lock("k");
            assertThat(theirs.acquire(Duration.ofSeconds(2))).isTrue();
            theirs.release();
            // The dead connection was dropped: the one-connection pool works again.
            assertThat(lock.acquire(Duration.ofSeconds(2))).isTrue();
            assertThat(lock.confirmHeld()).isTrue();
            lock.release();
        }
    }

    @Test
    void withoutChecksTheNextUseNoticesTheLoss() {
        Recorder recorder = new Recorder();
        try (Locker locker = locker(Db.uniqueApp("next-use")).listener(recorder).build()) {
            Lock confirmed = locker.lock("by-confirm").onLost(recorder.lockCallback());
            Lock released = locker.lock("by-release").onLost(recorder.lockCallback());
            Lock reentered = locker.lock("by-reentry").onLost(recorder.lockCallback());
            for (Lock lock : new Lock[] {confirmed, released, reentered}) {
                assertThat(lock.acquire()).isTrue();
            }
            // Each lock's session ends (with multiplexing, they share one).
            java.util.Set<Integer> pids = new java.util.HashSet<>();
            for (Lock lock : new Lock[] {confirmed, released, reentered}) {
                pids.addAll(ServerView.holders(lock.key()));
            }
            pids.forEach(ServerView::terminate);
            // Nothing has touched the sessions yet: this process cannot know.
            assertThat(confirmed.isHeld()).isTrue();

            assertThat(confirmed.confirmHeld()).isFalse();
            assertThat(confirmed.isHeld()).isFalse();
            assertThat(released.release()).isFalse();
            assertThat(reentered.confirmHeld()).isFalse();
            assertThat(reentered.acquire()).as("acquires afresh on a new session").isTrue();
            assertThat(reentered.holdCount()).isEqualTo(1);
            assertThat(reentered.confirmHeld()).isTrue();
            reentered.release();

            assertThat(recorder.listenerLost).containsExactlyInAnyOrder(confirmed.name(), released.name(), reentered.name());
            assertThat(recorder.lockCallbacks(confirmed.name())).isEqualTo(1);
            assertThat(recorder.lockCallbacks(released.name())).isEqualTo(1);
        }
    }

    @Test
    void confirmHeldAsksTheServerForThisLockAndMode() {
        try (Locker locker = locker(Db.uniqueApp("confirm")).build()) {
            Lock shared = locker.lock("k", LockMode.SHARED);
            Lock exclusive = locker.lock("other");
            assertThat(shared.confirmHeld()).isFalse();
            assertThat(shared.acquire()).isTrue();
            assertThat(exclusive.acquire()).isTrue();
            assertThat(shared.confirmHeld()).isTrue();
            assertThat(exclusive.confirmHeld()).isTrue();
            Lock pair = locker.lock(dev.pals.LockKey.of(-5, 7), LockMode.EXCLUSIVE);
            assertThat(pair.acquire()).isTrue();
            assertThat(pair.confirmHeld()).isTrue();
            shared.release();
            assertThat(shared.confirmHeld()).isFalse();
            exclusive.release();
            pair.release();
        }
    }
}
