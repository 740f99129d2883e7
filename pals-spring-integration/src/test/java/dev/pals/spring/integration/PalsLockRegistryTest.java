package dev.pals.spring.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.LockKey;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour Spring Integration's own tests expect of a {@code LockRegistry}, ported to
 * {@link PalsLockRegistry} against the real test PostgreSQL, with the server's view of the lock as the
 * ground truth where it says more than the API.
 *
 * <p>Taken (test names in brackets are Spring Integration's, 7.0.5):
 * <ul>
 *   <li>{@code JdbcLockRegistryTests} / {@code RedisLockRegistryTests}: [testLock],
 *       [testLockInterruptibly], [testReentrantLock], [testReentrantLockInterruptibly], [testTwoLocks],
 *       [testTwoThreadsSecondFailsToGetLock], [testTwoThreads], [testTwoThreadsDifferentRegistries],
 *       [testTwoThreadsWrongOneUnlocks], [testEquals], [concurrentObtainCapacityTest],
 *       [setCapacityTest] (as eviction order), [noSecondLockOnEviction],
 *       [testTwoThreadsRemoveAndObtainSameLockSimultaneously],
 *       [testUnlockWhenInterruptedBlocksUntilKeyRemoved] (the unlock of an interrupted thread still
 *       releases), and the expiry tests [testUnlockAfterLockStatusHasBeenExpiredAndLockHasBeenAcquiredByAnotherProcess],
 *       [testUnlockAfterLockStatusHasBeenExpiredAndDeleted], [testExceptionOnExpire],
 *       [testExpireTwoRegistries] and [testReentrantLockAfterExpiration], where "the lock's TTL ran out"
 *       becomes "the lock's database session ended" (the only way an advisory lock goes away under its
 *       holder).</li>
 *   <li>{@code DefaultLockRegistryTests}: [cyclicBarrierIsBrokenWhenExecutedConcurrentlyInLock] and
 *       [executeLockedIsTimedOutInOtherThread] ({@code executeLocked}, with its TimeoutException
 *       message).</li>
 * </ul>
 * Not applicable: everything about a time-to-live and its renewal ([testLockWithCustomTtl],
 * [testTryLockWithCustomTtl], [testLockRenew*], [testRenewalOnExpire], [testExpireNotChanged]): an
 * advisory lock has none, it lives as long as its session, so this registry is neither a
 * {@code RenewableLockRegistry} nor hands out {@code DistributedLock}s; the lock table
 * ([noTableThrowsExceptionOnStart]) and key hashing ([testPathForCanBeOverridden]: the key is the
 * PALs lock name); Redis internals ([testThreadLocalListLeaks], lock types, executors); the striped
 * {@code DefaultLockRegistry}'s mask and hash collisions ([testBadMask*], [testAllDifferentAndSame]).
 * {@code setCacheCapacity} at run time is a build-time setting here.
 *
 * <p>Added: interrupts while waiting in PostgreSQL, {@code tryLock(time)} bounds, {@code lock()} being
 * uninterruptible, a closed Locker, bad keys, and at most one session per registry waiting on the
 * server however many local threads wait.
 */
@Timeout(120)
class PalsLockRegistryTest {
    private final String app = Db.uniqueApp("si");
    private final List<Locker> lockers = new ArrayList<>();
    private final ExecutorService executor = Executors.newCachedThreadPool();

    private Locker locker() {
        Locker locker = Db.locker(app).build();
        lockers.add(locker);
        return locker;
    }

    private PalsLockRegistry registry() {
        return new PalsLockRegistry(locker());
    }

    private List<Integer> holders(String name) {
        return ServerView.holders(LockKey.named(app, name));
    }

    private List<Integer> waiters(String name) {
        return ServerView.waiters(LockKey.named(app, name));
    }

    @AfterEach
    void closeAll() {
        executor.shutdownNow();
        for (Locker locker : lockers) {
            locker.close();
        }
    }

    // ---- JdbcLockRegistryTests / RedisLockRegistryTests ----

    @Test
    void testLock() {
        PalsLockRegistry registry = registry();
        for (int i = 0; i < 10; i++) {
            Lock lock = registry.obtain("foo");
            lock.lock();
            try {
                assertThat(registry.cachedLocks()).isEqualTo(1);
                assertThat(holders("foo")).hasSize(1);
            } finally {
                lock.unlock();
            }
            assertThat(holders("foo")).isEmpty();
        }
        await().pollDelay(Duration.ofMillis(5)).until(() -> {
            registry.expireUnusedOlderThan(0);
            return registry.cachedLocks() == 0;
        });
    }

    @Test
    void testLockInterruptibly() throws Exception {
        PalsLockRegistry registry = registry();
        for (int i = 0; i < 10; i++) {
            Lock lock = registry.obtain("foo");
            lock.lockInterruptibly();
            try {
                assertThat(registry.cachedLocks()).isEqualTo(1);
                assertThat(holders("foo")).hasSize(1);
            } finally {
                lock.unlock();
            }
        }
        assertThat(holders("foo")).isEmpty();
    }

    @Test
    void testReentrantLock() {
        PalsLockRegistry registry = registry();
        for (int i = 0; i < 10; i++) {
            PalsRegistryLock lock1 = registry.obtain("foo");
            lock1.lock();
            try {
                PalsRegistryLock lock2 = registry.obtain("foo");
                assertThat(lock2).isSameAs(lock1);
                lock2.lock();
                assertThat(lock2.getHoldCount()).isEqualTo(2);
                assertThat(holders("foo")).hasSize(1); // one session, however often it is entered
                lock2.unlock();
                assertThat(holders("foo")).hasSize(1);
            } finally {
                lock1.unlock();
            }
            assertThat(holders("foo")).isEmpty();
        }
    }

    @Test
    void testReentrantLockInterruptibly() throws Exception {
        PalsLockRegistry registry = registry();
        for (int i = 0; i < 10; i++) {
            Lock lock1 = registry.obtain("foo");
            lock1.lockInterruptibly();
            try {
                Lock lock2 = registry.obtain("foo");
                assertThat(lock2).isSameAs(lock1);
                lock2.lockInterruptibly();
                lock2.unlock();
            } finally {
                lock1.unlock();
            }
        }
        assertThat(holders("foo")).isEmpty();
    }

    @Test
    void testTwoLocks() throws Exception {
        PalsLockRegistry registry = registry();
        for (int i = 0; i < 10; i++) {
            Lock lock1 = registry.obtain("foo");
            lock1.lockInterruptibly();
            try {
                Lock lock2 = registry.obtain("bar");
                assertThat(lock2).isNotSameAs(lock1);
                lock2.lockInterruptibly();
                assertThat(holders("bar")).hasSize(1);
                lock2.unlock();
            } finally {
                lock1.unlock();
            }
        }
    }

    @Test
    void testTwoThreadsSecondFailsToGetLock() throws Exception {
        PalsLockRegistry registry = registry();
        Lock lock1 = registry.obtain("foo");
        lock1.lockInterruptibly();
        AtomicBoolean locked = new AtomicBoolean();
        CountDownLatch latch = new CountDownLatch(1);
        Future<Object> result = executor.submit(() -> {
            Lock lock2 = registry.obtain("foo");
            locked.set(lock2.tryLock(200, TimeUnit.MILLISECONDS));
            latch.countDown();
            try {
                lock2.unlock();
            } catch (Exception e) {
                return e;
            }
            return null;
        });
        assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(locked.get()).isFalse();
        lock1.unlock();
        Object imse = result.get(10, TimeUnit.SECONDS);
        assertThat(imse).isInstanceOf(IllegalMonitorStateException.class);
        assertThat(((Exception) imse).getMessage()).contains("own");
    }

    @Test
    void testTwoThreads() throws Exception {
        PalsLockRegistry registry = registry();
        Lock lock1 = registry.obtain("foo");
        AtomicBoolean locked = new AtomicBoolean();
        CountDownLatch latch1 = new CountDownLatch(1);
        CountDownLatch latch2 = new CountDownLatch(1);
        CountDownLatch latch3 = new CountDownLatch(1);
        lock1.lockInterruptibly();
        executor.execute(() -> {
            Lock lock2 = registry.obtain("foo");
            try {
                latch1.countDown();
                lock2.lockInterruptibly();
                latch2.await(10, TimeUnit.SECONDS);
                locked.set(true);
                lock2.unlock();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                latch3.countDown();
            }
        });
        assertThat(latch1.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(locked.get()).isFalse();
        lock1.unlock();
        latch2.countDown();
        assertThat(latch3.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(locked.get()).isTrue();
        assertThat(holders("foo")).isEmpty();
    }

    @Test
    void testTwoThreadsDifferentRegistries() throws Exception {
        PalsLockRegistry registry1 = registry();
        PalsLockRegistry registry2 = registry();
        for (int i = 0; i < 20; i++) {
            Lock lock1 = registry1.obtain("foo");
            AtomicBoolean locked = new AtomicBoolean();
            CountDownLatch latch1 = new CountDownLatch(1);
            CountDownLatch latch2 = new CountDownLatch(1);
            CountDownLatch latch3 = new CountDownLatch(1);
            lock1.lockInterruptibly();
            executor.execute(() -> {
                Lock lock2 = registry2.obtain("foo");
                try {
                    latch1.countDown();
                    lock2.lockInterruptibly();
                    latch2.await(10, TimeUnit.SECONDS);
                    locked.set(true);
                    lock2.unlock();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    latch3.countDown();
                }
            });
            assertThat(latch1.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(locked.get()).isFalse();
            lock1.unlock();
            latch2.countDown();
            assertThat(latch3.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(locked.get()).isTrue();
        }
        assertThat(holders("foo")).isEmpty();
    }

    @Test
    void testTwoThreadsWrongOneUnlocks() throws Exception {
        PalsLockRegistry registry = registry();
        Lock lock = registry.obtain("foo");
        lock.lockInterruptibly();
        CountDownLatch latch = new CountDownLatch(1);
        Future<Object> result = executor.submit(() -> {
            try {
                lock.unlock();
            } catch (Exception e) {
                latch.countDown();
                return e;
            }
            return null;
        });
        assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(holders("foo")).hasSize(1); // the wrong thread's unlock released nothing
        lock.unlock();
        Object imse = result.get(10, TimeUnit.SECONDS);
        assertThat(imse).isInstanceOf(IllegalMonitorStateException.class);
        assertThat(((Exception) imse).getMessage()).contains("own");
    }

    @Test
    void testEquals() {
        PalsLockRegistry registry1 = registry();
        PalsLockRegistry registry2 = registry();
        PalsLockRegistry registry3 = new PalsLockRegistry(Db.locker(app + "-other").build());
        lockers.add(registry3.locker());

        Lock lock1 = registry1.obtain("foo");
        Lock lock2 = registry1.obtain("foo");
        assertThat(lock2).isEqualTo(lock1);
        lock1.lock();
        lock2.lock();
        assertThat(lock2).isEqualTo(lock1);
        lock1.unlock();
        lock2.unlock();
        assertThat(lock2).isEqualTo(lock1);

        lock1 = registry1.obtain("foo");
        lock2 = registry2.obtain("foo");
        assertThat(lock2).isNotEqualTo(lock1);
        lock1.lock();
        assertThat(lock2.tryLock()).isFalse();
        lock1.unlock();

        // Another application name: another lock, independent of the first.
        lock1 = registry1.obtain("foo");
        lock2 = registry3.obtain("foo");
        assertThat(lock2).isNotEqualTo(lock1);
        lock1.lock();
        lock2.lock();
        lock1.unlock();
        lock2.unlock();
    }

    @Test
    void concurrentObtainCapacityTest() throws InterruptedException {
        int keyCount = 300;
        int capacity = 179;
        int threads = 4;
        PalsLockRegistry registry = PalsLockRegistry.builder(locker()).cacheCapacity(capacity).build();
        CountDownLatch start = new CountDownLatch(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < keyCount; i++) {
            String key = "foo:" + i;
            pool.submit(() -> {
                start.countDown();
                start.await();
                Lock lock = registry.obtain(key);
                lock.lock();
                lock.unlock();
                done.incrementAndGet();
                return null;
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        assertThat(done.get()).isEqualTo(keyCount);

        assertThat(registry.cachedLocks()).isEqualTo(capacity);
        registry.expireUnusedOlderThan(-1000);
        assertThat(registry.cachedLocks()).isZero();
    }

    @Test
    void setCapacityTest() {
        PalsLockRegistry registry = PalsLockRegistry.builder(locker()).cacheCapacity(3).build();
        registry.obtain("foo:1");
        registry.obtain("foo:2");
        registry.obtain("foo:3");
        registry.obtain("foo:1"); // used again: foo:2 is now the least recently obtained
        registry.obtain("foo:4");
        assertThat(registry.cachedLocks()).isEqualTo(3);
        assertThat(registry.isCached("foo:2")).isFalse();
        assertThat(List.of("foo:1", "foo:3", "foo:4")).allMatch(registry::isCached);
    }

    @Test
    void noSecondLockOnEviction() throws InterruptedException {
        PalsLockRegistry registry = PalsLockRegistry.builder(locker()).cacheCapacity(2).build();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        executor.execute(() -> {
            Lock lock1 = registry.obtain("lock1");
            lock1.lock();
            try {
                held.countDown();
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                lock1.unlock();
            }
        });
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        // Two new locks evict 'lock1' from the cache
        registry.obtain("lock2");
        registry.obtain("lock3");
        assertThat(registry.isCached("lock1")).isFalse();

        // A new object for 'lock1', with its own session: the server still makes it wait
        Lock lock1 = registry.obtain("lock1");
        assertThat(lock1.tryLock(1, TimeUnit.SECONDS)).isFalse();

        release.countDown();
        assertThatNoException().isThrownBy(() -> {
            lock1.lock();
            lock1.unlock();
        });
    }

    @Test
    void testTwoThreadsRemoveAndObtainSameLockSimultaneously() throws Exception {
        PalsLockRegistry registry = registry();
        for (int i = 0; i < 50; i++) {
            String key = "testKey" + i;
            CountDownLatch latch = new CountDownLatch(1);
            AtomicReference<Lock> lock1 = new AtomicReference<>();
            AtomicReference<Lock> lock2 = new AtomicReference<>();
            List<Future<?>> both = new ArrayList<>();
            for (AtomicReference<Lock> into : List.of(lock1, lock2)) {
                both.add(executor.submit(() -> {
                    latch.await();
                    registry.expireUnusedOlderThan(10_000);
                    Lock lock = registry.obtain(key);
                    if (lock.tryLock(500, TimeUnit.MILLISECONDS)) {
                        lock.unlock();
                    }
                    into.set(lock);
                    return null;
                }));
            }
            latch.countDown();
            for (Future<?> future : both) {
                future.get(10, TimeUnit.SECONDS);
            }
            assertThat(lock1.get()).isSameAs(lock2.get());
        }
    }

    @Test
    void testUnlockWhenInterrupted() throws Exception {
        PalsLockRegistry registry = registry();
        Lock lock = registry.obtain("test");
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Future<?> done = executor.submit(() -> {
            lock.lock();
            try {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        done.get(10, TimeUnit.SECONDS);
        assertThat(stillInterrupted.get()).isTrue();
        assertThat(holders("test")).isEmpty();
        Lock other = registry.obtain("test");
        assertThat(other.tryLock()).isTrue();
        other.unlock();
    }

    @Test
    void testUnlockAfterTheSessionEndedAndAnotherProcessTookTheLock() throws Exception {
        PalsLockRegistry process1 = registry();
        PalsLockRegistry process2 = registry();
        Lock lock1 = process1.obtain("foo");
        Lock lock2 = process2.obtain("foo");

        lock1.lock();
        ServerView.terminate(holders("foo").get(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> holders("foo").isEmpty());
        assertThat(lock2.tryLock()).isTrue();

        assertThatThrownBy(lock1::unlock)
                .isInstanceOf(ConcurrentModificationException.class)
                .hasMessageContaining("was lost before this unlock");
        assertThat(((PalsRegistryLock) lock1).isHeldByCurrentThread()).isFalse(); // the thread is free
        assertThat(holders("foo")).hasSize(1); // and the other process keeps its lock
        lock2.unlock();
        assertThat(holders("foo")).isEmpty();
    }

    @Test
    void testUnlockAfterTheSessionEnded() throws Exception {
        PalsLockRegistry registry = registry();
        Lock lock = registry.obtain("foo");
        lock.lock();
        ServerView.terminate(holders("foo").get(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> holders("foo").isEmpty());

        assertThatThrownBy(lock::unlock).isInstanceOf(ConcurrentModificationException.class);
        assertThat(lock.tryLock()).isTrue(); // usable again
        lock.unlock();
    }

    @Test
    void testExpireTwoRegistries() throws Exception {
        Lock lock1 = registry().obtain("foo");
        Lock lock2 = registry().obtain("foo");
        assertThat(lock1.tryLock()).isTrue();
        assertThat(lock2.tryLock()).isFalse();
        ServerView.terminate(holders("foo").get(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> holders("foo").isEmpty());

        assertThat(lock2.tryLock()).isTrue();
        // The first owner's re-entrant try asks the server, finds the lock taken: no, and its holds are
        // dropped (it owns nothing any more, so nothing stays locked behind its back).
        assertThat(lock1.tryLock()).isFalse();
        assertThat(((PalsRegistryLock) lock1).isHeldByCurrentThread()).isFalse();
        assertThatThrownBy(lock1::unlock).isInstanceOf(IllegalMonitorStateException.class);
        lock2.unlock();
        assertThat(holders("foo")).isEmpty();
    }

    @Test
    void testReentrantLockAfterTheSessionEnded() throws Exception {
        PalsLockRegistry registry = registry();
        Lock lock1 = registry.obtain("foo");
        assertThat(lock1.tryLock()).isTrue();
        ServerView.terminate(holders("foo").get(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> holders("foo").isEmpty());
        try {
            Lock lock2 = registry.obtain("foo");
            assertThat(lock2).isSameAs(lock1);
            // Nobody took it meanwhile: the re-entrant try takes it afresh on the server.
            assertThat(lock2.tryLock()).isTrue();
            assertThat(holders("foo")).hasSize(1);
            lock2.unlock();
            assertThat(holders("foo")).hasSize(1);
        } finally {
            lock1.unlock();
        }
        assertThat(holders("foo")).isEmpty();
    }

    // ---- DefaultLockRegistryTests ----

    @Test
    void cyclicBarrierIsBrokenWhenExecutedConcurrentlyInLock() throws Exception {
        PalsLockRegistry registry = registry();
        CyclicBarrier barrier = new CyclicBarrier(2);
        CountDownLatch broken = new CountDownLatch(2);
        Runnable locked = () -> {
            try {
                registry.executeLocked("lockKey", () -> {
                    try {
                        barrier.await(1, TimeUnit.SECONDS);
                    } catch (BrokenBarrierException | TimeoutException e) {
                        broken.countDown();
                    }
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        executor.execute(locked);
        executor.execute(locked);
        assertThat(broken.await(20, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void executeLockedIsTimedOutInOtherThread() throws Exception {
        PalsLockRegistry registry = registry();
        Duration wait = Duration.ofMillis(100);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Future<?> holder = executor.submit(() -> {
            registry.executeLocked("lockKey", wait.multipliedBy(100), () -> {
                inside.countDown();
                leave.await(10, TimeUnit.SECONDS);
            });
            return null;
        });
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        PalsLockRegistry otherInstance = registry();
        assertThatThrownBy(() -> otherInstance.executeLocked("lockKey", wait, () -> { }))
                .isInstanceOf(TimeoutException.class)
                .hasMessage("The lock [%s] was not acquired in time: %s".formatted("lockKey", wait));
        leave.countDown();
        holder.get(10, TimeUnit.SECONDS);
    }

    // ---- Added: waiting, interrupts, failures ----

    @Test
    void lockInterruptiblyHonoursAnInterruptWhileWaitingInPostgresql() throws Exception {
        PalsLockRegistry holderRegistry = registry();
        PalsLockRegistry waiterRegistry = PalsLockRegistry.builder(locker())
                .interruptCheckInterval(Duration.ofMillis(200)).build();
        Lock held = holderRegistry.obtain("foo");
        held.lock();
        PalsRegistryLock waiting = waiterRegistry.obtain("foo");
        AtomicReference<Thread> thread = new AtomicReference<>();
        Future<Throwable> outcome = executor.submit(() -> {
            thread.set(Thread.currentThread());
            try {
                waiting.lockInterruptibly();
                return null;
            } catch (InterruptedException e) {
                return e;
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> !waiters("foo").isEmpty());
        long interruptedAt = System.nanoTime();
        thread.get().interrupt();
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        // Noticed at the end of the slice it was waiting in (200 ms), with room for a loaded machine.
        assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt)).isLessThan(Duration.ofSeconds(5));
        assertThat(waiting.isLocked()).isFalse(); // no local thread left owning it
        await().atMost(Duration.ofSeconds(5)).until(() -> waiters("foo").isEmpty());
        held.unlock();
        assertThat(waiting.tryLock()).isTrue();
        waiting.unlock();
    }

    @Test
    void anInterruptBeforeLockInterruptiblyOrATimedTryThrowsAtOnce() {
        PalsRegistryLock lock = registry().obtain("foo");
        Thread.currentThread().interrupt();
        assertThatThrownBy(lock::lockInterruptibly).isInstanceOf(InterruptedException.class);
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> lock.tryLock(1, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertThat(Thread.interrupted()).isFalse();
        assertThat(lock.isLocked()).isFalse();
        assertThat(holders("foo")).isEmpty();
    }

    @Test
    void lockIsNotInterruptibleAndKeepsTheInterrupt() throws Exception {
        PalsLockRegistry holderRegistry = registry();
        PalsLockRegistry waiterRegistry = PalsLockRegistry.builder(locker())
                .interruptCheckInterval(Duration.ofMillis(100)).build();
        Lock held = holderRegistry.obtain("foo");
        held.lock();
        PalsRegistryLock waiting = waiterRegistry.obtain("foo");
        AtomicReference<Thread> thread = new AtomicReference<>();
        Future<Boolean> outcome = executor.submit(() -> {
            thread.set(Thread.currentThread());
            waiting.lock();
            boolean interrupted = Thread.currentThread().isInterrupted();
            waiting.unlock();
            return interrupted;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> !waiters("foo").isEmpty());
        thread.get().interrupt();
        // Still waiting in PostgreSQL after the interrupt; it gets the lock when the holder lets go.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !outcome.isDone());
        held.unlock();
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void tryLockWithATimeWaitsThatLongAndNoLonger() throws Exception {
        Lock held = registry().obtain("foo");
        held.lock();
        PalsRegistryLock waiting = PalsLockRegistry.builder(locker())
                .interruptCheckInterval(Duration.ofMillis(150)).build().obtain("foo");
        long start = System.nanoTime();
        assertThat(waiting.tryLock(400, TimeUnit.MILLISECONDS)).isFalse();
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(400)).isLessThan(Duration.ofSeconds(5));
        assertThat(waiting.isLocked()).isFalse();
        assertThat(waiting.tryLock(0, TimeUnit.MILLISECONDS)).isFalse();
        held.unlock();
        assertThat(waiting.tryLock(0, TimeUnit.MILLISECONDS)).isTrue();
        waiting.unlock();
    }

    @Test
    void localThreadsQueueInTheJvmWithOneSessionOnTheServer() throws Exception {
        Lock held = registry().obtain("foo");
        held.lock();
        PalsLockRegistry registry = registry();
        int threads = 4;
        CountDownLatch done = new CountDownLatch(threads);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        for (int t = 0; t < threads; t++) {
            executor.execute(() -> {
                Lock lock = registry.obtain("foo");
                lock.lock();
                try {
                    if (inside.incrementAndGet() != 1) {
                        overlaps.incrementAndGet();
                    }
                    Thread.yield();
                    inside.decrementAndGet();
                } finally {
                    lock.unlock();
                    done.countDown();
                }
            });
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.obtain("foo").isLocked());
        await().atMost(Duration.ofSeconds(10)).until(() -> waiters("foo").size() == 1);
        assertThat(registry.locker().stats().locksHeld()).isZero();
        held.unlock();
        assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(overlaps.get()).isZero();
        assertThat(holders("foo")).isEmpty();
    }

    @Test
    void mutualExclusionAcrossTwoRegistriesAndTheirThreads() throws Exception {
        List<PalsLockRegistry> registries = List.of(registry(), registry());
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        int[] counter = new int[1];
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            PalsLockRegistry registry = registries.get(t % 2);
            futures.add(executor.submit(() -> {
                for (int i = 0; i < 30; i++) {
                    registry.executeLocked("counter", () -> {
                        if (inside.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        int read = counter[0];
                        Thread.yield();
                        counter[0] = read + 1;
                        inside.decrementAndGet();
                    });
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get(60, TimeUnit.SECONDS);
        }
        assertThat(overlaps.get()).isZero();
        assertThat(counter[0]).isEqualTo(6 * 30);
    }

    @Test
    void aClosedLockerFailsTheAcquireAndLeavesTheLockFree() {
        Locker locker = locker();
        PalsLockRegistry registry = new PalsLockRegistry(locker);
        PalsRegistryLock lock = registry.obtain("foo");
        locker.close();
        assertThatThrownBy(lock::lock).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(lock::tryLock).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(lock::lockInterruptibly).isInstanceOf(IllegalStateException.class);
        assertThat(lock.isLocked()).isFalse();
        assertThatThrownBy(() -> registry.obtain("bar")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closingTheLockerUnderAHeldLockMakesTheUnlockReportIt() {
        Locker locker = locker();
        PalsRegistryLock lock = new PalsLockRegistry(locker).obtain("foo");
        lock.lock();
        assertThat(holders("foo")).hasSize(1);
        locker.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> holders("foo").isEmpty());
        assertThatThrownBy(lock::unlock).isInstanceOf(ConcurrentModificationException.class);
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void badKeysAndSettingsAreRefusedByName() {
        PalsLockRegistry registry = registry();
        assertThatThrownBy(() -> registry.obtain(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lockKey");
        assertThatThrownBy(() -> registry.obtain(42))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Integer");
        assertThatThrownBy(() -> registry.obtain("a\uD800")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.obtain("foo").newCondition())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> PalsLockRegistry.builder(registry.locker()).cacheCapacity(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cacheCapacity");
        assertThatThrownBy(() -> PalsLockRegistry.builder(registry.locker()).interruptCheckInterval(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interruptCheckInterval");
        assertThatThrownBy(() -> new PalsLockRegistry(null))
                .isInstanceOf(NullPointerException.class).hasMessage("locker");
    }

    @Test
    void aLockKeyOfYourOwnNumberingWorksToo() {
        PalsLockRegistry registry = registry();
        PalsRegistryLock lock = registry.obtain(LockKey.of(7, 9));
        assertThat(registry.obtain(LockKey.of(7, 9))).isSameAs(lock);
        lock.lock();
        assertThat(ServerView.holders(LockKey.of(7, 9))).hasSize(1);
        lock.unlock();
        assertThat(ServerView.holders(LockKey.of(7, 9))).isEmpty();
    }
}
