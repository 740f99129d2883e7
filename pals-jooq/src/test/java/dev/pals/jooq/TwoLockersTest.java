package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.HeldLock;
import dev.pals.Locker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two Lockers with separate pools contend as two processes would: their sections never overlap. */
@Timeout(120)
class TwoLockersTest {
    private int counter;

    @Test
    void sectionsUnderOneNameNeverOverlapAcrossLockers() throws Exception {
        String app = Db.uniqueApp("two");
        int threadsPerLocker = 3;
        int rounds = 150;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        try (Locker first = locker(app).build(); Locker second = locker(app).build()) {
            ExecutorService executor = Executors.newFixedThreadPool(2 * threadsPerLocker);
            List<Future<?>> futures = new ArrayList<>();
            for (Locker locker : List.of(first, second)) {
                for (int t = 0; t < threadsPerLocker; t++) {
                    futures.add(executor.submit(() -> {
                        for (int i = 0; i < rounds; i++) {
                            try (HeldLock held = locker.lock("counter").hold()) {
                                if (inside.incrementAndGet() != 1) {
                                    overlaps.incrementAndGet();
                                }
                                int read = counter;
                                Thread.yield();
                                counter = read + 1;
                                inside.decrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> future : futures) {
                future.get();
            }
            executor.shutdown();
        }
        assertThat(overlaps.get()).isZero();
        assertThat(counter).isEqualTo(2 * threadsPerLocker * rounds);
    }
}
