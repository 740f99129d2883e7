package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.LockSemaphore;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A semaphore across processes: at most N holders, waiters served in arrival order, no polling. */
@Timeout(120)
class SemaphoreTest {

    @Test
    void atMostNHoldersAndAReleasedPermitGoesToTheNext() throws Exception {
        String app = Db.uniqueApp("semaphore");
        try (Locker one = locker(app).build(); Locker two = locker(app).build()) {
            LockSemaphore a = one.semaphore("workers", 2);
            LockSemaphore b = two.semaphore("workers", 2);
            LockSemaphore c = two.semaphore("workers", 2);
            assertThat(a.acquire(Duration.ZERO)).isTrue();
            assertThat(b.acquire(Duration.ZERO)).isTrue();
            assertThat(a.permit()).isNotEqualTo(b.permit()).isBetween(0, 1);
            assertThat(c.acquire(Duration.ZERO)).isFalse();
            long start = System.nanoTime();
            assertThat(c.acquire(Duration.ofMillis(300))).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThatThrownBy(() -> c.hold(Duration.ZERO)).isInstanceOf(AcquireFailure.class);
            assertNothingHeldBut(one, 2);

            int freed = a.permit();
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> c.acquire(Duration.ofSeconds(20)));
            await().atMost(Duration.ofSeconds(10)).until(() -> two.stats().waitingForLock() + one.stats().waitingForLock() > 0);
            assertThat(a.release()).isTrue();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(c.permit()).isEqualTo(freed);
            try (HeldLock held = a.hold(Duration.ofMillis(100))) {
                throw new AssertionError("a third holder of two permits");
            } catch (AcquireFailure expected) {
                assertThat(expected.reason()).isEqualTo(AcquireFailure.Reason.TIMEOUT);
            }
            assertThat(b.release()).isTrue();
            assertThat(c.release()).isTrue();
            assertNothingHeldBut(one, 0);
        }
    }

    @Test
    void waitersAreServedInTheOrderTheyCameWithoutPolling() throws Exception {
        String app = Db.uniqueApp("semaphore-fair");
        try (Locker holderLocker = locker(app).build(); Locker first = locker(app).build();
                Locker second = locker(app).build(); Locker third = locker(app).build()) {
            LockSemaphore holder = holderLocker.semaphore("one", 1);
            assertThat(holder.acquire()).isTrue();
            List<String> served = new CopyOnWriteArrayList<>();
            CompletableFuture<Boolean> firstWaits = CompletableFuture.supplyAsync(
                    () -> take(first.semaphore("one", 1), "first", served));
            // The first waiter holds the queue and waits at the server for the permit.
            await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(holderLocker.key("one#permit-0")).size() == 1);
            CompletableFuture<Boolean> secondWaits = CompletableFuture.supplyAsync(
                    () -> take(second.semaphore("one", 1), "second", served));
            await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(holderLocker.key("one#queue")).size() == 1);
            CompletableFuture<Boolean> thirdWaits = CompletableFuture.supplyAsync(
                    () -> take(third.semaphore("one", 1), "third", served));
            await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(holderLocker.key("one#queue")).size() == 2);
            // Nobody polls: the waits sit at the server.
            for (int pid : ServerView.waiters(holderLocker.key("one#queue"))) {
                assertThat(ServerView.waitEvent(pid)).isEqualTo("advisory");
            }
            holder.release();
            assertThat(firstWaits.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(secondWaits.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(thirdWaits.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(served).containsExactly("first", "second", "third");
            assertNothingHeldBut(holderLocker, 0);
        }
    }

    /** Acquires, notes the order, holds a moment, releases. */
    private static boolean take(LockSemaphore semaphore, String who, List<String> served) {
        if (!semaphore.acquire(Duration.ofSeconds(30))) {
            return false;
        }
        served.add(who);
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return semaphore.release();
    }

    private static void assertNothingHeldBut(Locker locker, int permitsHeld) {
        int held = 0;
        for (String key : new String[] {"workers#permit-0", "workers#permit-1", "one#permit-0"}) {
            if (!ServerView.freeElsewhere(locker.key(key))) {
                held++;
            }
        }
        assertThat(held).as("permits held").isEqualTo(permitsHeld);
        assertThat(ServerView.freeElsewhere(locker.key("workers#queue"))).isTrue();
        assertThat(ServerView.freeElsewhere(locker.key("one#queue"))).isTrue();
    }
}
