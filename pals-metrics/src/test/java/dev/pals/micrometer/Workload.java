package dev.pals.micrometer;

import dev.pals.Lock;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A lock workload of a small service, for the dashboard: workers that take hot and cold locks, another
 * instance that holds the hottest one now and then (so waits grow and some time out), non-blocking tries,
 * a phase where long jobs pin most of the pool, a stuck holder, and two lost locks. Bounded in time;
 * every thread stops by itself.
 *
 * <p>Seeded: {@code -Dpals.seed=<seed>} replays the same choices (thread timing still varies).
 */
final class Workload {
    /** The seed of this run: {@code -Dpals.seed}, else a fresh one. */
    static long seed() {
        String given = System.getProperty("pals.seed");
        return given != null && !given.isBlank() ? Long.parseLong(given.strip()) : System.nanoTime();
    }

    private final Locker locker;
    private final Locker otherInstance;
    private final Duration length;
    private final SplittableRandom random;
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private long start;

    /**
     * @param locker the Locker whose metrics are watched (pool size 6)
     * @param otherInstance another Locker of the same application, as a second instance of the service
     */
    Workload(Locker locker, Locker otherInstance, Duration length, long seed) {
        this.locker = locker;
        this.otherInstance = otherInstance;
        this.length = length;
        this.random = new SplittableRandom(seed);
    }

    /** Runs the workload to its end. */
    void run() throws InterruptedException {
        start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            SplittableRandom r = random.split();
            threads.add(thread("worker-" + i, () -> worker(r)));
        }
        SplittableRandom contender = random.split();
        threads.add(thread("other-instance", () -> otherInstance(contender)));
        for (int i = 0; i < 3; i++) {
            int n = i;
            threads.add(thread("batch-" + i, () -> holdDuring("batch-" + n, 0.35, 0.50)));
        }
        threads.add(thread("stuck", () -> holdDuring("report", 0.55, 0.85)));
        threads.add(thread("lease", this::lostLeases));
        for (Thread thread : threads) {
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(length.toMillis() + 30_000);
            if (thread.isAlive()) {
                throw new IllegalStateException(thread.getName() + " did not stop");
            }
        }
        if (!failures.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("the workload failed");
            failures.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    private Thread thread(String name, Runnable body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) { // report, never leave a thread dying silently
                failures.add(e);
            }
        }, "workload-" + name);
        thread.setDaemon(true);
        return thread;
    }

    /** How far through the run we are, 0 to 1. */
    private double progress() {
        return (System.nanoTime() - start) / (double) length.toNanos();
    }

    private boolean running() {
        return progress() < 1;
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Hot and cold locks, mostly blocking with a short timeout, some shared reads, some tries. */
    private void worker(SplittableRandom r) {
        while (running()) {
            double pick = r.nextDouble();
            String name;
            LockMode mode = LockMode.EXCLUSIVE;
            if (pick < 0.40) {
                name = "invoice-run";
            } else if (pick < 0.60) {
                name = "stock-sync";
            } else if (pick < 0.70) {
                name = "report";
            } else if (pick < 0.85) {
                name = "cache-refresh";
                mode = r.nextDouble() < 0.7 ? LockMode.SHARED : LockMode.EXCLUSIVE;
            } else {
                name = "customer-" + r.nextInt(30); // many cold names: the lock name tag's cap at work
            }
            Lock lock = locker.lock(name, mode);
            boolean acquired = r.nextDouble() < 0.85 ? lock.acquire(Duration.ofMillis(250)) : lock.acquire(false);
            if (acquired) {
                sleep(5 + (long) (-Math.log(1 - r.nextDouble()) * 25)); // exponential, mean 30 ms
                lock.release();
            }
            sleep(5 + r.nextInt(25));
        }
    }

    /** A second instance of the service takes the hottest lock now and then, for a while. */
    private void otherInstance(SplittableRandom r) {
        Lock lock = otherInstance.lock("invoice-run");
        while (running()) {
            sleep(300 + r.nextInt(1200));
            if (!running()) {
                break;
            }
            if (lock.acquire(Duration.ofSeconds(2))) {
                sleep(300 + r.nextInt(500));
                lock.release();
            }
        }
    }

    /** Holds {@code name} from {@code from} to {@code to} (fractions of the run): a long job, or a stuck one. */
    private void holdDuring(String name, double from, double to) {
        while (progress() < from) {
            sleep(20);
        }
        Lock lock = locker.lock(name);
        if (!lock.acquire(Duration.ofSeconds(5))) {
            throw new IllegalStateException("could not take " + name);
        }
        while (progress() < to) {
            sleep(20);
        }
        lock.release();
    }

    /** At 30% and 70% of the run a lease lock's session dies under it: a lost lock each. */
    private void lostLeases() {
        for (double at : new double[] {0.3, 0.7}) {
            while (progress() < at) {
                sleep(20);
            }
            Lock lease = locker.lock("lease-" + at);
            if (!lease.acquire(Duration.ofSeconds(5))) {
                throw new IllegalStateException("could not take the lease");
            }
            sleep(200);
            ServerView.terminate(ServerView.holders(lease.key()).get(0));
            if (lease.release()) {
                throw new IllegalStateException("a lock whose session was terminated was released");
            }
        }
    }

    /** Calls {@code sample} every {@code every} while {@code work} runs, and once after it. */
    static <T> List<T> sampled(Duration every, Supplier<T> sample, Workload work) throws InterruptedException {
        List<T> samples = new CopyOnWriteArrayList<>();
        Thread sampler = new Thread(() -> {
            long next = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                samples.add(sample.get());
                next += every.toNanos();
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "workload-sampler");
        sampler.setDaemon(true);
        sampler.start();
        try {
            work.run();
        } finally {
            sampler.interrupt();
            sampler.join(10_000);
        }
        samples.add(sample.get());
        return samples;
    }
}
