package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The handle owns the lock: re-entry counts, any thread may release, handles are thread-safe. */
@Timeout(60)
class OwnershipTest {
    private Locker locker;

    @BeforeEach
    void createLocker() {
        locker = locker(Db.uniqueApp("ownership")).acquireTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void closeLocker() {
        locker.close();
    }

    @Test
    void reacquiringAHeldHandleSucceedsAtOnceWithoutARoundTripAndCounts() throws Exception {
        Lock lock = locker.lock("reentry");
        assertThat(lock.acquire()).isTrue();
        int pid = ServerView.holders(lock.key()).get(0);
        String lastStatement = ServerView.stateChange(pid);
        Thread.sleep(20);

        assertThat(lock.acquire()).isTrue();
        assertThat(lock.acquire(false)).isTrue();
        assertThat(lock.acquire(Duration.ofMillis(5))).isTrue();
        assertThat(lock.holdCount()).isEqualTo(4);
        // The holding session ran no statement for the three re-entries.
        assertThat(ServerView.stateChange(pid)).isEqualTo(lastStatement);
        assertThat(ServerView.holders(lock.key())).containsExactly(pid);

        assertThat(lock.release()).isTrue();
        assertThat(lock.release()).isTrue();
        assertThat(lock.release()).isTrue();
        assertThat(lock.isHeld()).isTrue();
        assertThat(ServerView.freeElsewhere(lock.key())).isFalse();

        assertThat(lock.release()).isTrue();
        assertThat(lock.isHeld()).isFalse();
        assertThat(ServerView.holders(lock.key())).isEmpty();
        assertThat(lock.release()).isFalse();
    }

    @Test
    void nestedHoldBlocksOnOneHandleReleaseOnlyAtTheOuterEnd() {
        Lock lock = locker.lock("nested");
        try (HeldLock outer = lock.hold()) {
            HeldLock inner = lock.hold();
            assertThat(lock.holdCount()).isEqualTo(2);
            inner.close();
            inner.close(); // a second close releases nothing more
            assertThat(lock.holdCount()).isEqualTo(1);
            assertThat(ServerView.freeElsewhere(lock.key())).isFalse();
            assertThat(outer.lock()).isSameAs(lock);
        }
        assertThat(lock.isHeld()).isFalse();
        assertThat(ServerView.freeElsewhere(lock.key())).isTrue();
    }

    @Test
    void releasingAHandleThatHoldsNothingReturnsFalseAndHarmsNothing() {
        Lock holder = locker.lock("nothing");
        Lock idle = locker.lock("nothing");
        assertThat(idle.release()).isFalse();
        assertThat(holder.acquire()).isTrue();
        assertThat(idle.release()).isFalse();
        assertThat(holder.isHeld()).isTrue();
        assertThat(ServerView.freeElsewhere(holder.key())).isFalse();
        assertThat(holder.release()).isTrue();
    }

    @Test
    void anyThreadMayReleaseWhatAnotherAcquired() throws Exception {
        Lock lock = locker.lock("cross-thread");
        assertThat(CompletableFuture.supplyAsync(lock::acquire).get()).isTrue();
        assertThat(lock.isHeld()).isTrue();
        assertThat(lock.release()).isTrue();
        assertThat(ServerView.freeElsewhere(lock.key())).isTrue();
    }

    @Test
    void releaseDuringAnotherThreadsInFlightAcquireReturnsFalseWithoutBlocking() throws Exception {
        Lock blocker = locker.lock("in-flight");
        Lock lock = locker.lock("in-flight");
        assertThat(blocker.acquire()).isTrue();
        CompletableFuture<Boolean> acquiring = CompletableFuture.supplyAsync(() -> lock.acquire(Duration.ofSeconds(10)));
        Db.awaitWaiting(locker, 1);

        long start = System.nanoTime();
        assertThat(lock.release()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(200));

        blocker.release();
        assertThat(acquiring.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(lock.holdCount()).isEqualTo(1);
        assertThat(lock.release()).isTrue();
    }

    @Test
    void aSecondThreadOnTheSameHandleWaitsForTheFirstAcquireAndCountsOnIt() throws Exception {
        Lock blocker = locker.lock("shared-handle");
        Lock lock = locker.lock("shared-handle");
        assertThat(blocker.acquire()).isTrue();
        CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> lock.acquire(Duration.ofSeconds(10)));
        Db.awaitWaiting(locker, 1);
        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> lock.acquire(Duration.ofSeconds(10)));
        // A non-blocking acquire on the handle does not wait for the one in flight.
        assertThat(lock.acquire(false)).isFalse();
        Thread.sleep(100);
        // The second waits on the handle for the first: only one acquire waits for the lock.
        assertThat(locker.stats().waitingForLock()).isEqualTo(1);

        blocker.release();
        assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(second.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(lock.holdCount()).isEqualTo(2);
        assertThat(ServerView.holders(lock.key())).hasSize(1);
        lock.release();
        lock.release();
        assertThat(ServerView.holders(lock.key())).isEmpty();
    }

    /** Regression: a second acquirer waiting forever on the handle spun holding its monitor. */
    @Test
    void aSecondThreadWaitingForeverOnTheSameHandleWaitsForTheFirstWithoutSpinning() throws Exception {
        Lock blocker = locker.lock("forever-handle");
        Lock lock = locker.lock("forever-handle");
        assertThat(blocker.acquire()).isTrue();
        CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> lock.acquire(Duration.ofSeconds(10)));
        Db.awaitWaiting(locker, 1);
        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> lock.acquire(Lock.WAIT_FOREVER));
        Thread.sleep(100);
        blocker.release();
        assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(second.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(lock.holdCount()).isEqualTo(2);
        lock.release();
        lock.release();
    }

    @Test
    void separateHandlesOnOneNameExcludeEachOtherAcrossThreads() throws Exception {
        Lock mine = locker.lock("per-thread");
        assertThat(mine.acquire()).isTrue();
        assertThat(CompletableFuture.supplyAsync(() -> locker.lock("per-thread").acquire(false)).get()).isFalse();
        // ...and within one thread too: the handle, not the thread, is the owner.
        assertThat(locker.lock("per-thread").acquire(false)).isFalse();
        mine.release();
    }
}
