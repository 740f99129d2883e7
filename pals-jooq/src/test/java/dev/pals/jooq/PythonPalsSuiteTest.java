package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockMode;
import dev.pals.LockOptions;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every case of Python PALs' own test suite (pals/tests/test_core.py), in Java. */
@Timeout(60)
class PythonPalsSuiteTest {
    /** As Python's {@code Locker('TestLock', db_url, acquire_timeout_default=1000)}. */
    private static Locker locker;

    @BeforeAll
    static void createLocker() {
        locker = locker("TestLock").acquireTimeout(Duration.ofMillis(1000)).build();
    }

    @AfterAll
    static void closeLocker() {
        locker.close();
    }

    @Test
    void fiveThousandRandomNamesGiveFiveThousandLockNumbers() {
        try (Locker testLocker = locker("TestLocker").build()) {
            long seed = Long.getLong("pals.seed", System.nanoTime());
            SplittableRandom random = new SplittableRandom(seed);
            String printable = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    + "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\u000b\f";
            Set<String> names = new HashSet<>();
            while (names.size() < 5000) {
                StringBuilder name = new StringBuilder();
                for (int i = 0; i < 25; i++) {
                    name.append(printable.charAt(random.nextInt(printable.length())));
                }
                names.add(name.toString());
            }
            Set<Long> numbers = new HashSet<>();
            for (String name : names) {
                numbers.add(testLocker.lock(name).key().value());
            }
            assertThat(numbers).as("seed %d", seed).hasSize(5000);
        }
    }

    @Test
    void lockerDefaultsAreReadThroughTheLock() {
        try (Locker foo = locker("foo").build()) {
            Lock lock = foo.lock("a");
            assertThat(lock.blocking()).isTrue();
            assertThat(lock.acquireTimeout()).isEqualTo(Duration.ofSeconds(30));
        }
        try (Locker bar = locker("bar").blocking(false).acquireTimeout(Duration.ofMillis(1000)).build()) {
            Lock lock = bar.lock("a");
            assertThat(lock.blocking()).isFalse();
            assertThat(lock.acquireTimeout()).isEqualTo(Duration.ofMillis(1000));
        }
    }

    @Test
    void sameLockFailsAcquireAtOnceWithoutBlockingAndAfterTheTimeoutWhenBlocking() throws Exception {
        Lock lock1 = locker.lock("test_it");
        Lock lock2 = locker.lock("test_it");
        try {
            assertThat(lock1.acquire()).isTrue();

            long start = System.nanoTime();
            assertThat(lock2.acquire(false)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(300));

            int holder = ServerView.holders(lock1.key()).get(0);
            CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> {
                long begin = System.nanoTime();
                boolean acquired = lock2.acquire(Duration.ofMillis(300));
                assertThat(acquired).isFalse();
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            });
            if (Db.MULTIPLEXING) {
                // Behind a handle of the same Locker, it waits in the process, pinning no session.
                await().atMost(Duration.ofMillis(280)).pollInterval(Duration.ofMillis(10))
                        .until(() -> locker.stats().waitingForLock() == 1);
                assertThat(ServerView.waiters(lock1.key())).isEmpty();
            } else {
                // While it waits, the server shows it waiting on the advisory lock: bounded there, not polled.
                await().atMost(Duration.ofMillis(280)).pollInterval(Duration.ofMillis(10))
                        .until(() -> !ServerView.waiters(lock1.key()).isEmpty());
                int waiter = ServerView.waiters(lock1.key()).get(0);
                assertThat(waiter).isNotEqualTo(holder);
                assertThat(ServerView.waitEvent(waiter)).isEqualTo("advisory");
            }

            // Not before the timeout; the upper bound leaves room for a loaded 2-core CI machine.
            assertThat(waited.get()).isBetween(300L, 800L);
        } finally {
            lock1.release();
        }
    }

    @Test
    void differentLockNamesBothAcquire() {
        Lock lock1 = locker.lock("test_it");
        Lock lock2 = locker.lock("test_it2");
        try {
            assertThat(lock1.acquire()).isTrue();
            assertThat(lock2.acquire()).isTrue();
        } finally {
            lock1.release();
            lock2.release();
        }
    }

    @Test
    void lockAfterReleaseAcquires() {
        Lock lock1 = locker.lock("test_it");
        Lock lock2 = locker.lock("test_it");
        try {
            assertThat(lock1.acquire()).isTrue();
            assertThat(lock1.release()).isTrue();
            assertThat(lock2.acquire()).isTrue();
        } finally {
            lock1.release();
            lock2.release();
        }
    }

    @Test
    void perLockParametersAreUsed() {
        Lock lock1 = locker.lock("test_it");
        Lock lock2 = locker.lock("test_it", LockOptions.builder().blocking(false).build());
        Lock lock3 = locker.lock("test_it", LockOptions.builder().acquireTimeout(Duration.ofMillis(300)).build());
        try {
            assertThat(lock1.acquire()).isTrue();

            long start = System.nanoTime();
            assertThat(lock2.acquire()).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(300));

            start = System.nanoTime();
            assertThat(lock3.acquire()).isFalse();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(300L, 349L);
        } finally {
            lock1.release();
            lock2.release();
            lock3.release();
        }
    }

    @Test
    void sharedHoldersCoexistAndExcludeAnExclusiveUntilBothRelease() {
        Lock sharedLock = locker.lock("test_it", LockMode.SHARED);
        Lock anotherSharedLock = locker.lock("test_it", LockMode.SHARED);
        Lock exclusiveLock = locker.lock("test_it", LockOptions.builder().mode(LockMode.EXCLUSIVE).blocking(false).build());
        try {
            assertThat(sharedLock.acquire()).isTrue();
            assertThat(anotherSharedLock.acquire()).isTrue();
            assertThat(exclusiveLock.acquire()).isFalse();

            sharedLock.release();
            assertThat(exclusiveLock.acquire()).isFalse();

            anotherSharedLock.release();
            assertThat(exclusiveLock.acquire()).isTrue();
        } finally {
            sharedLock.release();
            anotherSharedLock.release();
            exclusiveLock.release();
        }
    }

    @Test
    void tryWithResourcesReleases() {
        Lock lock2 = locker.lock("test_it", LockOptions.builder().blocking(false).build());
        try {
            try (HeldLock held = locker.lock("test_it").hold()) {
                assertThat(held.lock().isHeld()).isTrue();
                assertThat(lock2.acquire()).isFalse();
            }
            assertThat(lock2.acquire()).isTrue();
        } finally {
            lock2.release();
        }
    }

    @Test
    void failureToAcquireInTryWithResourcesThrowsWithPythonsMessage() {
        Lock lock2 = locker.lock("test_it", LockOptions.builder().blocking(false).build());
        try {
            assertThat(lock2.acquire()).isTrue();
            assertThatThrownBy(() -> {
                try (HeldLock held = locker.lock("test_it").hold()) {
                    throw new AssertionError("never acquired, so never here: " + held);
                }
            }).isInstanceOfSatisfying(AcquireFailure.class, failure -> {
                assertThat(failure).hasMessage("Lock acquire failed for \"TestLock.test_it\". Failed due to timeout.");
                assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.TIMEOUT);
                assertThat(failure.lockName()).isEqualTo("TestLock.test_it");
                assertThat(failure.key()).isEqualTo(locker.key("test_it"));
                assertThat(failure.mode()).isEqualTo(LockMode.EXCLUSIVE);
                assertThat(failure.waited()).isBetween(Duration.ofMillis(1000), Duration.ofMillis(1100));
            });
        } finally {
            lock2.release();
        }
    }

    @Test
    void aLockIsReleasedWhenItsHandleIsGarbageCollected() {
        acquireAndForget("test_gc");
        Lock other = locker.lock("test_gc", LockOptions.builder().blocking(false).build());
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                System.gc();
                return other.acquire();
            });
        } finally {
            other.release();
        }
    }

    private static void acquireAndForget(String name) {
        assertThat(locker.lock(name).acquire()).isTrue();
    }

    /** Python PALs issue #40: pool size + 1 threads, each on its own lock; the last waits for a connection. */
    @Test
    void poolSizePlusOneThreadsAllAcquireTheLastWaitingForAConnection() throws Exception {
        int poolSize = JooqLockerSettings.DEFAULT_MAX_POOL_SIZE;
        int threads = poolSize + 1;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int n = 0; n < threads; n++) {
                String name = "example-" + n;
                results.add(executor.submit(() -> {
                    try (HeldLock held = locker.lock(name).hold()) {
                        Thread.sleep(50);
                        return held.lock().isHeld();
                    }
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            executor.shutdownNow();
        }
    }
}
