package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pals.Lock;
import dev.pals.Locker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A thousand virtual threads contend for a few keys: they all get their turn, never two at once. Runs on
 * a JDK with virtual threads (21 or later; the library itself is built for 17): {@code .ci/run} runs it
 * again on the Temurin 25 JDK of the build machine. Nothing on the acquire path holds a monitor while it
 * waits or does I/O (the library's own locks are {@code java.util.concurrent} locks).
 */
@Timeout(300)
class VirtualThreadsTest {
    private static final int THREADS = 1_000;
    private static final int KEYS = 4;

    @Test
    void aThousandVirtualThreadsContendForFourKeysAndAllGetTheirTurnOneAtATime() throws Exception {
        ExecutorService virtualThreads;
        try {
            virtualThreads = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            assumeTrue(false, "virtual threads need JDK 21 or later; this is " + Runtime.version());
            return;
        }
        System.out.println("virtual threads on " + Runtime.version());
        AtomicInteger[] inside = new AtomicInteger[KEYS];
        int[] counters = new int[KEYS];
        AtomicInteger overlaps = new AtomicInteger();
        for (int k = 0; k < KEYS; k++) {
            inside[k] = new AtomicInteger();
        }
        try (Locker locker = locker(Db.uniqueApp("virtual")).build()) {
            List<Future<Boolean>> done = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                int key = i % KEYS;
                done.add(virtualThreads.submit(() -> {
                    Lock lock = locker.lock("key-" + key);
                    if (!lock.acquire(Duration.ofSeconds(120))) {
                        return false;
                    }
                    try {
                        if (inside[key].incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        counters[key]++;
                        Thread.sleep(1);
                        inside[key].decrementAndGet();
                    } finally {
                        lock.release();
                    }
                    return true;
                }));
            }
            int acquired = 0;
            for (Future<Boolean> result : done) {
                if (result.get(240, TimeUnit.SECONDS)) {
                    acquired++;
                }
            }
            assertThat(acquired).isEqualTo(THREADS);
            assertThat(overlaps).hasValue(0);
            int total = 0;
            for (int counter : counters) {
                total += counter;
            }
            assertThat(total).isEqualTo(THREADS);
            assertThat(locker.stats().locksHeld()).isZero();
        } finally {
            virtualThreads.shutdownNow();
        }
    }
}
