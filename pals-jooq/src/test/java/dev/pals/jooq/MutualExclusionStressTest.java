package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutual exclusion under load: two Lockers with separate pools (as two processes would have), eight
 * threads each, each taking a new handle for every section (so several handles of one key meet in one
 * Locker: with multiplexing they are arbitrated in the process), four keys, a random mix of exclusive and shared locks taken blocking,
 * timed, as a single try or with {@code hold()}. A {@link Checker} watches every section: a
 * non-atomic counter per key, written only under exclusive locks, must never lose an update, no two
 * writers may overlap, and no reader may overlap a writer.
 *
 * <p>The same checker, run with locking switched off and with a lock broken on purpose (the two
 * Lockers disagree on keys, as a process reading the SHA-1 big-endian would), must report violations:
 * proof that it can fail.
 *
 * <p>The real run goes on until it has completed {@code -Dpals.stress.exclusive} exclusive sections
 * (default 50,000) and run {@code -Dpals.stress.minSeconds} (default 20), and fails if that takes
 * longer than {@code -Dpals.stress.seconds} (default 150). It counts the acquisitions that waited:
 * those that began while a conflicting section was in progress and then succeeded, which they could
 * only do after that holder released (failed tries and timeouts are counted apart).
 * {@code -Dpals.seed} sets the seed of the random mix (thread scheduling is not replayable, the mix is).
 */
@Tag("stress")
@Timeout(300)
class MutualExclusionStressTest {
    private static final int LOCKERS = 2;
    /** Eight threads per Locker on four keys: often two handles of one key in one Locker at once. */
    private static final int THREADS_PER_LOCKER = 8;
    private static final int KEYS = 4;
    private static final long EXCLUSIVE_SECTIONS = Long.getLong("pals.stress.exclusive", 50_000);
    private static final Duration MIN_TIME = Duration.ofSeconds(Long.getLong("pals.stress.minSeconds", 20));
    private static final Duration TIME_CAP = Duration.ofSeconds(Long.getLong("pals.stress.seconds", 150));
    private static final Duration CONTROL_TIME_CAP = Duration.ofSeconds(20);

    @Test
    void fiftyThousandExclusiveSectionsAcrossTwoLockersNeverOverlap() throws Exception {
        long seed = Long.getLong("pals.seed", System.nanoTime());
        String app = Db.uniqueApp("stress");
        try (Locker first = stressLocker(app); Locker second = stressLocker(app)) {
            List<Locker> lockers = List.of(first, second);
            Locking real = (locker, key, mode) -> new RealGuard(lockers.get(locker).lock(keyName(key), mode));
            Result result = run(real, TIME_CAP, seed,
                    r -> r.exclusive.get() >= EXCLUSIVE_SECTIONS && r.elapsedNow().compareTo(MIN_TIME) >= 0);
            System.out.println("stress (seed " + seed + "): " + result);

            assertThat(result.violations()).as("violations, seed %d: %s", seed, result).isZero();
            assertThat(result.lostUpdates()).as("lost updates, seed %d: %s", seed, result).isZero();
            assertThat(result.errors).as("errors, seed %d: %s", seed, result).hasValue(0);
            assertThat(result.exclusive).as("exclusive sections within %s, seed %d: %s", TIME_CAP, seed, result)
                    .hasValueGreaterThanOrEqualTo(EXCLUSIVE_SECTIONS);
            assertThat(result.shared).as("shared sections: %s", result).hasValueGreaterThan(0);
            assertThat(result.waited).as("acquisitions that waited: %s", result).hasValueGreaterThan(0);
            assertThat(result.failedTries).as("tries that found the lock taken: %s", result).hasValueGreaterThan(0);
            for (Locker locker : lockers) {
                assertThat(locker.stats().locksHeld()).isZero();
            }
            for (int key = 0; key < KEYS; key++) {
                LockKey lockKey = first.key(keyName(key));
                assertThat(ServerView.holders(lockKey)).as("holders of key %d after the run", key).isEmpty();
                assertThat(ServerView.waiters(lockKey)).as("waiters of key %d after the run", key).isEmpty();
            }
        }
    }

    @Test
    void theCheckerReportsViolationsWhenLockingIsSwitchedOff() throws Exception {
        long seed = Long.getLong("pals.seed", System.nanoTime());
        Locking off = (locker, key, mode) -> new NoGuard();
        Result result = run(off, CONTROL_TIME_CAP, seed,
                r -> r.writerOverlaps.get() > 0 && r.readerOverlaps.get() > 0 && r.lostUpdates() > 0);
        System.out.println("negative control, locking off (seed " + seed + "): " + result);

        assertThat(result.writerOverlaps).as("writers seen together: %s", result).hasValueGreaterThan(0);
        assertThat(result.readerOverlaps).as("readers seen beside a writer: %s", result).hasValueGreaterThan(0);
        assertThat(result.lostUpdates()).as("lost updates: %s", result).isGreaterThan(0);
    }

    @Test
    void theCheckerReportsViolationsWhenTwoLockersDisagreeOnKeys() throws Exception {
        long seed = Long.getLong("pals.seed", System.nanoTime());
        String app = Db.uniqueApp("stress-broken");
        try (Locker first = stressLocker(app); Locker second = stressLocker(app)) {
            List<Locker> lockers = List.of(first, second);
            // The second Locker reads the SHA-1 bytes big-endian: each Locker still excludes its own
            // threads, but the two never exclude each other.
            Locking broken = (locker, key, mode) -> {
                LockKey right = lockers.get(locker).key(keyName(key));
                LockKey lockKey = locker == 0 ? right : LockKey.of(Long.reverseBytes(right.value()));
                return new RealGuard(lockers.get(locker).lock(lockKey, mode));
            };
            Result result = run(broken, CONTROL_TIME_CAP, seed, r -> r.violations() >= 20);
            System.out.println("negative control, keys that disagree (seed " + seed + "): " + result);

            assertThat(result.violations()).as("violations: %s", result).isGreaterThan(0);
            assertThat(result.errors).as("errors: %s", result).hasValue(0);
        }
    }

    private static Locker stressLocker(String app) {
        return Db.locker(app).maxPoolSize(THREADS_PER_LOCKER).acquireTimeout(Duration.ofSeconds(10)).build();
    }

    private static String keyName(int key) {
        return "key-" + key;
    }

    /** Runs all threads until the result is {@code enough}, {@code cap} has passed, or a thread failed. */
    private static Result run(Locking locking, Duration cap, long seed, Predicate<Result> enough) throws Exception {
        Checker checker = new Checker(KEYS);
        Result result = new Result(checker);
        AtomicBoolean stop = new AtomicBoolean();
        SplittableRandom seeds = new SplittableRandom(seed);
        ExecutorService executor = Executors.newFixedThreadPool(LOCKERS * THREADS_PER_LOCKER);
        long start = result.startNanos;
        long deadline = start + cap.toNanos();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int locker = 0; locker < LOCKERS; locker++) {
                for (int thread = 0; thread < THREADS_PER_LOCKER; thread++) {
                    Worker worker = new Worker(locker, locking, checker, result, seeds.split(), stop);
                    workers.add(executor.submit(worker::run));
                }
            }
            while (!stop.get()) {
                Thread.sleep(20);
                if (enough.test(result) || System.nanoTime() > deadline || workers.stream().anyMatch(Future::isDone)) {
                    stop.set(true);
                }
            }
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
            executor.shutdownNow();
            executor.awaitTermination(60, TimeUnit.SECONDS);
        }
        result.elapsed = Duration.ofNanos(System.nanoTime() - start);
        return result;
    }

    /** How one thread acquires. */
    private enum Attempt {
        BLOCKING, TIMED, TRY, ZERO_TIMEOUT, HOLD;

        boolean mayWait() {
            return this == BLOCKING || this == TIMED || this == HOLD;
        }
    }

    /** Hands a worker something to lock with: per Locker index, key index and mode. */
    private interface Locking {
        Guard guard(int locker, int key, LockMode mode);
    }

    /** One handle, as the worker uses it. */
    private interface Guard {
        boolean acquire(Attempt attempt, Duration timeout);

        /** Acquires again on the held handle and releases once: whether both counted as they should. */
        boolean reenter();

        /** Releases what {@link #acquire} took: whether it was held. */
        boolean release();
    }

    /** A PALs lock. */
    private static final class RealGuard implements Guard {
        private final Lock lock;
        private HeldLock held;

        RealGuard(Lock lock) {
            this.lock = lock;
        }

        @Override
        public boolean acquire(Attempt attempt, Duration timeout) {
            switch (attempt) {
                case BLOCKING:
                    return lock.acquire();
                case TIMED:
                    return lock.acquire(timeout);
                case TRY:
                    return lock.acquire(false);
                case ZERO_TIMEOUT:
                    return lock.acquire(Duration.ZERO);
                case HOLD:
                    try {
                        held = lock.hold(timeout);
                        return true;
                    } catch (AcquireFailure e) {
                        if (e.reason().isError()) {
                            throw e;
                        }
                        return false;
                    }
                default:
                    throw new AssertionError(attempt);
            }
        }

        @Override
        public boolean reenter() {
            boolean again = lock.acquire(false) && lock.holdCount() == 2;
            return lock.release() && again && lock.holdCount() == 1;
        }

        @Override
        public boolean release() {
            if (held != null) {
                HeldLock closing = held;
                held = null;
                closing.close();
                return !lock.isHeld();
            }
            return lock.release() && !lock.isHeld();
        }
    }

    /** Locking switched off: every acquire "succeeds" at once. */
    private static final class NoGuard implements Guard {
        @Override
        public boolean acquire(Attempt attempt, Duration timeout) {
            return true;
        }

        @Override
        public boolean reenter() {
            return true;
        }

        @Override
        public boolean release() {
            return true;
        }
    }

    /** One thread's loop: pick a key, a mode and a way to acquire; run the section if acquired. */
    private static final class Worker {
        private final int locker;
        private final Locking locking;
        private final Checker checker;
        private final Result result;
        private final SplittableRandom random;
        private final AtomicBoolean stop;
        private final Guard[][] own = new Guard[KEYS][2];

        Worker(int locker, Locking locking, Checker checker, Result result, SplittableRandom random,
                AtomicBoolean stop) {
            this.locker = locker;
            this.locking = locking;
            this.checker = checker;
            this.result = result;
            this.random = random;
            this.stop = stop;
        }

        void run() {
            try {
                while (!stop.get()) {
                    step();
                }
            } catch (RuntimeException | Error e) {
                result.errors.incrementAndGet();
                result.firstError.compareAndSet(null, e);
                throw e;
            }
        }

        private void step() {
            int key = random.nextInt(KEYS);
            LockMode mode = random.nextInt(4) == 0 ? LockMode.SHARED : LockMode.EXCLUSIVE;
            // Mostly the thread's own handle per key and mode; now and then a fresh one.
            Guard guard;
            if (random.nextInt(8) == 0) {
                guard = locking.guard(locker, key, mode);
            } else {
                Guard[] byMode = own[key];
                if (byMode[mode.ordinal()] == null) {
                    byMode[mode.ordinal()] = locking.guard(locker, key, mode);
                }
                guard = byMode[mode.ordinal()];
            }
            Attempt attempt = pick();
            Duration timeout = Duration.ofMillis(1 + random.nextInt(30));
            boolean exclusive = mode == LockMode.EXCLUSIVE;
            // A conflicting section in progress now means its holder has the lock now: an acquire that
            // succeeds after this had to wait for that holder's release.
            boolean conflict = checker.conflicts(key, exclusive);
            if (!guard.acquire(attempt, timeout)) {
                if (attempt.mayWait()) {
                    result.timedOut.incrementAndGet();
                } else {
                    result.failedTries.incrementAndGet();
                }
                return;
            }
            if (conflict && attempt.mayWait()) {
                result.waited.incrementAndGet();
            }
            // Mostly tiny sections, for numbers; one in ten holds on long enough for others to queue.
            int spin = random.nextInt(10) == 0 ? 200_000 + random.nextInt(800_000) : random.nextInt(20_000);
            if (exclusive) {
                checker.write(key, spin);
                result.exclusive.incrementAndGet();
            } else {
                checker.read(key, spin);
                result.shared.incrementAndGet();
            }
            if (random.nextInt(16) == 0 && !guard.reenter()) {
                result.badCounts.incrementAndGet();
            }
            if (!guard.release()) {
                result.badCounts.incrementAndGet();
            }
        }

        private Attempt pick() {
            int dice = random.nextInt(100);
            return dice < 30 ? Attempt.BLOCKING
                    : dice < 55 ? Attempt.TIMED
                    : dice < 80 ? Attempt.TRY
                    : dice < 85 ? Attempt.ZERO_TIMEOUT
                    : Attempt.HOLD;
        }
    }

    /**
     * Watches sections: who is inside each key right now (atomic occupancy counts), and a plain,
     * non-atomic counter per key that only writers update.
     */
    static final class Checker {
        final AtomicInteger[] writers;
        final AtomicInteger[] readers;
        final long[] counters;
        final AtomicLong[] writes;
        final AtomicLong writerOverlaps = new AtomicLong();
        final AtomicLong readerOverlaps = new AtomicLong();

        Checker(int keys) {
            writers = new AtomicInteger[keys];
            readers = new AtomicInteger[keys];
            writes = new AtomicLong[keys];
            counters = new long[keys];
            for (int key = 0; key < keys; key++) {
                writers[key] = new AtomicInteger();
                readers[key] = new AtomicInteger();
                writes[key] = new AtomicLong();
            }
        }

        /** Whether a section that conflicts with one in {@code exclusive} mode is running on {@code key}. */
        boolean conflicts(int key, boolean exclusive) {
            return writers[key].get() > 0 || (exclusive && readers[key].get() > 0);
        }

        /** An exclusive section: alone on its key, it increments the counter non-atomically. */
        void write(int key, int spinNanos) {
            if (writers[key].incrementAndGet() != 1 || readers[key].get() != 0) {
                writerOverlaps.incrementAndGet();
            }
            long read = counters[key];
            spin(spinNanos);
            counters[key] = read + 1;
            writes[key].incrementAndGet();
            if (writers[key].get() != 1 || readers[key].get() != 0) {
                writerOverlaps.incrementAndGet();
            }
            writers[key].decrementAndGet();
        }

        /** A shared section: no writer beside it, and the counter does not move under it. */
        void read(int key, int spinNanos) {
            readers[key].incrementAndGet();
            if (writers[key].get() != 0) {
                readerOverlaps.incrementAndGet();
            }
            long before = counters[key];
            spin(spinNanos);
            // The volatile read of the occupancy comes first, so the counter is read again after it.
            if (writers[key].get() != 0 || counters[key] != before) {
                readerOverlaps.incrementAndGet();
            }
            readers[key].decrementAndGet();
        }

        /** Updates lost: per key, exclusive sections run minus what the counter shows. */
        long lostUpdates() {
            long lost = 0;
            for (int key = 0; key < counters.length; key++) {
                lost += writes[key].get() - counters[key];
            }
            return lost;
        }

        private static void spin(int nanos) {
            long until = System.nanoTime() + nanos;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
    }

    /** What a run counted. */
    static final class Result {
        final Checker checker;
        final AtomicLong exclusive = new AtomicLong();
        final AtomicLong shared = new AtomicLong();
        final AtomicLong waited = new AtomicLong();
        final AtomicLong failedTries = new AtomicLong();
        final AtomicLong timedOut = new AtomicLong();
        final AtomicLong badCounts = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicReference<Throwable> firstError = new AtomicReference<>();
        final AtomicLong writerOverlaps;
        final AtomicLong readerOverlaps;
        final long startNanos = System.nanoTime();
        Duration elapsed = Duration.ZERO;

        Result(Checker checker) {
            this.checker = checker;
            this.writerOverlaps = checker.writerOverlaps;
            this.readerOverlaps = checker.readerOverlaps;
        }

        Duration elapsedNow() {
            return Duration.ofNanos(System.nanoTime() - startNanos);
        }

        long violations() {
            return writerOverlaps.get() + readerOverlaps.get() + badCounts.get();
        }

        long lostUpdates() {
            return checker.lostUpdates();
        }

        @Override
        public String toString() {
            return String.format("%,d exclusive and %,d shared sections in %.1f s; %,d acquisitions waited for a holder"
                    + " to release; %,d tries found the lock taken, %,d timed acquires timed out; violations:"
                    + " %,d writer overlaps, %,d reader overlaps, %,d lost updates, %,d wrong hold counts; %,d errors%s",
                    exclusive.get(), shared.get(), elapsed.toMillis() / 1000.0, waited.get(), failedTries.get(),
                    timedOut.get(), writerOverlaps.get(), readerOverlaps.get(), lostUpdates(), badCounts.get(),
                    errors.get(), firstError.get() == null ? "" : " (first: " + firstError.get() + ")");
        }
    }
}
