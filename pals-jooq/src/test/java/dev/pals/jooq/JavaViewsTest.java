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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReadWriteLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@code java.util.concurrent} views of a lock and of a read/write pair, and {@code withLock}. */
@Timeout(60)
class JavaViewsTest {

    @Test
    void theLockViewLocksTriesUnlocksAndRefusesConditions() throws Exception {
        String app = Db.uniqueApp("juc");
        try (Locker locker = locker(app).build(); Locker other = locker(app).build()) {
            java.util.concurrent.locks.Lock view = locker.lock("k").asJavaLock();
            view.lock();
            assertThat(ServerView.freeElsewhere(locker.key("k"))).isFalse();
            assertThat(view.tryLock()).as("re-entry on the same handle counts").isTrue();
            view.unlock();
            view.unlock();
            assertThat(ServerView.freeElsewhere(locker.key("k"))).isTrue();
            assertThatThrownBy(view::unlock).isInstanceOf(IllegalMonitorStateException.class)
                    .hasMessageContaining("does not hold");
            assertThatThrownBy(view::newCondition).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("no conditions");

            Lock theirs = other.lock("k");
            assertThat(theirs.acquire()).isTrue();
            java.util.concurrent.locks.Lock second = locker.lock("k").asJavaLock();
            assertThat(second.tryLock()).isFalse();
            long start = System.nanoTime();
            assertThat(second.tryLock(200, TimeUnit.MILLISECONDS)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
            theirs.release();
            assertThat(second.tryLock(1, TimeUnit.SECONDS)).isTrue();
            second.unlock();
        }
    }

    @Test
    void lockInterruptiblyThrowsInterruptedExceptionAndLockWaitsThroughInterrupts() throws Exception {
        String app = Db.uniqueApp("juc-interrupt");
        try (Locker locker = locker(app).build(); Locker other = locker(app).build()) {
            Lock theirs = other.lock("k");
            assertThat(theirs.acquire()).isTrue();

            java.util.concurrent.locks.Lock interruptible = locker.lock("k").asJavaLock();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean flagAfter = new AtomicBoolean(true);
            Thread waiter = new Thread(() -> {
                try {
                    interruptible.lockInterruptibly();
                } catch (Throwable e) {
                    thrown.set(e);
                }
                flagAfter.set(Thread.currentThread().isInterrupted());
            });
            waiter.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> !ServerView.waiters(theirs.key()).isEmpty());
            waiter.interrupt();
            waiter.join(5_000);
            assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
            assertThat(flagAfter.get()).as("cleared, as the JDK's locks do").isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.waiters(theirs.key()).isEmpty());

            // lock() is not interruptible: it goes on waiting and keeps the interrupt for later.
            java.util.concurrent.locks.Lock stubborn = locker.lock("k").asJavaLock();
            CompletableFuture<Boolean> locked = new CompletableFuture<>();
            Thread patient = new Thread(() -> {
                stubborn.lock();
                locked.complete(Thread.currentThread().isInterrupted());
                stubborn.unlock();
            });
            patient.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> !ServerView.waiters(theirs.key()).isEmpty());
            patient.interrupt();
            await().atMost(Duration.ofSeconds(10)).until(() -> !ServerView.waiters(theirs.key()).isEmpty());
            assertThat(locked).isNotDone();
            theirs.release();
            assertThat(locked.get(5, TimeUnit.SECONDS)).as("interrupt kept").isTrue();
        }
    }

    @Test
    void theReadWriteViewSharesReadsAndExcludesWrites() {
        try (Locker locker = locker(Db.uniqueApp("juc-rw")).build()) {
            ReadWriteLock first = locker.readWriteLock("doc").asJavaReadWriteLock();
            ReadWriteLock second = locker.readWriteLock("doc").asJavaReadWriteLock();
            assertThat(first.readLock()).isSameAs(first.readLock());
            assertThat(first.readLock().tryLock()).isTrue();
            assertThat(second.readLock().tryLock()).isTrue();
            assertThat(second.writeLock().tryLock()).isFalse();
            first.readLock().unlock();
            second.readLock().unlock();
            assertThat(second.writeLock().tryLock()).isTrue();
            assertThat(first.readLock().tryLock()).isFalse();
            second.writeLock().unlock();
        }
    }

    @Test
    void withLockRunsTheActionHoldingTheLockAndReleasesAfterwardsWhateverHappens() {
        String app = Db.uniqueApp("with-lock");
        try (Locker locker = locker(app).build(); Locker other = locker(app).build()) {
            String result = locker.withLock("job", () -> {
                assertThat(ServerView.freeElsewhere(locker.key("job"))).isFalse();
                return "done";
            });
            assertThat(result).isEqualTo("done");
            assertThat(ServerView.freeElsewhere(locker.key("job"))).isTrue();

            AtomicBoolean ran = new AtomicBoolean();
            locker.withLock("job", Duration.ofSeconds(1), () -> ran.set(true));
            assertThat(ran).isTrue();

            assertThatThrownBy(() -> locker.withLock("job", () -> {
                throw new IllegalStateException("the action failed");
            })).isInstanceOf(IllegalStateException.class).hasMessage("the action failed");
            assertThat(ServerView.freeElsewhere(locker.key("job"))).isTrue();

            Lock theirs = other.lock("job");
            assertThat(theirs.acquire()).isTrue();
            ran.set(false);
            assertThatThrownBy(() -> locker.withLock("job", Duration.ofMillis(100), () -> ran.set(true)))
                    .isInstanceOfSatisfying(AcquireFailure.class,
                            failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.TIMEOUT));
            assertThat(ran).as("the action does not run without the lock").isFalse();
            assertThat(locker.stats().locksHeld()).isZero();
            theirs.release();
        }
    }
}
