package dev.pals.benchmarks;

import dev.pals.Locker;
import java.lang.management.ManagementFactory;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cases 1, 2 and 8 as the table reports them: the same worker threads run the variants' cycles in short
 * alternating slices (raw, PALs, ..., then the reverse order the next round), so a burst of other work
 * on the machine hits every variant of a round alike; each ratio is taken within a round, and the
 * medians are reported. Each thread has its own key and, per variant, its own connection (raw) or lock
 * handle (PALs, one Locker with default settings per variant).
 *
 * <p>Per slice it counts cycles and reads the CPU both sides used ({@link CpuMeter}): the workers park
 * between slices and the meter is read only once they all have, so a slice's CPU is exactly the CPU of
 * its cycles (plus whatever else this JVM and the server's backends did meanwhile, the same for every
 * variant). Warm-up slices, run first, are not recorded.
 */
final class Interleaved {
    /**
     * Per variant and round: cycles/s, CPU per cycle in ns of this JVM and of the server's backends, and
     * how many cores the rest of the machine kept busy meanwhile (other work, not at nice > 0).
     */
    record Result(Cycle.Kind kind, int threads, List<Variant> variants, double[][] rates, double[][] clientNanos,
            double[][] serverNanos, double[][] othersCores, long compileMillis, int warmupRounds, int repeat) {
        int rounds() {
            return rates[0].length;
        }

        int index(Variant variant) {
            return variants.indexOf(variant);
        }
    }

    /** JIT compile time (ms) in a warm-up round below which the JIT counts as quiet. */
    static final long QUIET_JIT_MILLIS = 10;

    private Interleaved() {
    }

    /**
     * Runs {@code variants} (the first must be {@link Variant#RAW}) in slices of {@code sliceMillis}:
     * {@code warmupMillis} for each first (longer while the JIT still compiles, if {@code untilJitQuiet}),
     * unrecorded, then {@code rounds} rounds of one slice each.
     */
    static Result run(BenchDatabase db, CpuMeter meter, Cycle.Kind kind, int threads, List<Variant> variants,
            int warmupMillis, int sliceMillis, int rounds, int repeat, boolean untilJitQuiet) throws Exception {
        int n = variants.size();
        List<Locker> lockers = new ArrayList<>();
        Cycle[][] cycles = new Cycle[n][threads];
        LongAdder[] done = new LongAdder[n];
        try {
            for (int v = 0; v < n; v++) {
                Variant variant = variants.get(v);
                Locker locker = variant.isRaw() ? null : variant.open(db, Cycle.APP);
                if (locker != null) {
                    lockers.add(locker);
                }
                done[v] = new LongAdder();
                for (int t = 0; t < threads; t++) {
                    String name = "slices-" + variant.id + "-" + kind.id + "-" + t;
                    cycles[v][t] = locker == null ? Cycle.raw(db, kind, name) : Cycle.pals(locker, kind, name);
                    cycles[v][t].run(); // connection made, classes loaded: no first cycle straddles a slice
                }
            }
            Workers workers = new Workers(cycles, done);
            try {
                // Warm-up, unrecorded: at least warmupMillis per variant, then on until the JIT is quiet (a
                // whole round of slices with at most QUIET_JIT_MILLIS of compiling), up to three times as long.
                int minRounds = Math.max(1, warmupMillis / sliceMillis);
                int warmRounds = 0;
                while (true) {
                    long compiledBefore = compileMillis();
                    for (int v = 0; v < n; v++) {
                        workers.slice(v, sliceMillis, meter);
                    }
                    warmRounds++;
                    boolean quiet = compileMillis() - compiledBefore <= QUIET_JIT_MILLIS;
                    if (warmRounds >= minRounds && (quiet || !untilJitQuiet) || warmRounds >= 3 * minRounds + 4) {
                        break;
                    }
                }
                double[][] rates = new double[n][rounds];
                double[][] client = new double[n][rounds];
                double[][] server = new double[n][rounds];
                double[][] others = new double[n][rounds];
                long compileStart = compileMillis();
                for (int r = 0; r < rounds; r++) {
                    for (int k = 0; k < n; k++) {
                        int v = r % 2 == 0 ? k : n - 1 - k;
                        Slice slice = workers.slice(v, sliceMillis, meter);
                        rates[v][r] = slice.cycles * 1e9 / slice.nanos;
                        client[v][r] = (double) slice.clientNanos / slice.cycles;
                        server[v][r] = slice.serverNanos / slice.cycles;
                        others[v][r] = slice.othersNanos / slice.nanos;
                    }
                }
                return new Result(kind, threads, List.copyOf(variants), rates, client, server, others,
                        compileMillis() - compileStart, warmRounds, repeat);
            } finally {
                workers.stop();
            }
        } finally {
            for (Cycle[] perVariant : cycles) {
                for (Cycle cycle : perVariant) {
                    if (cycle != null) {
                        cycle.close();
                    }
                }
            }
            lockers.forEach(Locker::close);
        }
    }

    /** JIT compilation time of this JVM so far (ms), or -1 if not told. */
    private static long compileMillis() {
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        return percentile(values, 50);
    }

    /** Linear interpolation between closest ranks; NaN values are left out. */
    static double percentile(double[] values, double p) {
        double[] sorted = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double rank = p / 100.0 * (sorted.length - 1);
        int low = (int) Math.floor(rank);
        int high = (int) Math.ceil(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    /** What one slice did. */
    private record Slice(long cycles, long nanos, long clientNanos, double serverNanos, double othersNanos) {
    }

    /** One thread per key, running the cycles of whichever variant is current, parked in between. */
    private static final class Workers {
        private final Cycle[][] cycles;
        private final LongAdder[] done;
        private final List<Thread> threads = new ArrayList<>();
        private final Object monitor = new Object();
        private volatile int current = -1;
        private volatile boolean stopped;
        private volatile Throwable failure;
        // Guarded by monitor.
        private int idle;

        Workers(Cycle[][] cycles, LongAdder[] done) {
            this.cycles = cycles;
            this.done = done;
            for (int t = 0; t < cycles[0].length; t++) {
                int me = t;
                Thread thread = new Thread(() -> work(me), "bench-slices-" + t);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        private void work(int me) {
            try {
                while (!stopped) {
                    int v = current;
                    if (v < 0) {
                        park();
                        continue;
                    }
                    cycles[v][me].run();
                    done[v].increment();
                }
            } catch (SQLException | RuntimeException | Error e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                synchronized (monitor) {
                    idle++; // for good
                    monitor.notifyAll();
                }
            }
        }

        private void park() throws InterruptedException {
            synchronized (monitor) {
                idle++;
                monitor.notifyAll();
                try {
                    while (current < 0 && !stopped) {
                        monitor.wait();
                    }
                } finally {
                    idle--;
                }
            }
        }

        /**
         * Runs variant {@code v} for about {@code millis} (longer if no cycle is done by then), from the
         * moment it is current until every worker parked.
         */
        Slice slice(int v, int millis, CpuMeter meter) throws InterruptedException, SQLException {
            awaitParked();
            CpuMeter.Reading before = meter.read();
            long count = done[v].sum();
            long start = System.nanoTime();
            synchronized (monitor) {
                current = v;
                monitor.notifyAll();
            }
            Thread.sleep(millis);
            // On a starved machine a slice may end before its first cycle: it runs on until one is done.
            long giveUp = System.nanoTime() + 60_000_000_000L;
            while (done[v].sum() == count && failure == null && System.nanoTime() < giveUp) {
                Thread.sleep(5);
            }
            current = -1;
            awaitParked();
            long elapsed = System.nanoTime() - start;
            CpuMeter.Reading after = meter.read();
            long cycles = done[v].sum() - count;
            if (failure != null) {
                throw new IllegalStateException("a cycle failed", failure);
            }
            if (cycles == 0) {
                throw new IllegalStateException("no cycle completed in a " + millis + " ms slice");
            }
            return new Slice(cycles, elapsed, CpuMeter.clientBetween(before, after), meter.serverBetween(before, after),
                    meter.othersBetween(before, after));
        }

        private void awaitParked() throws InterruptedException {
            synchronized (monitor) {
                while (idle < threads.size()) {
                    monitor.wait();
                }
            }
        }

        void stop() throws InterruptedException {
            synchronized (monitor) {
                stopped = true;
                monitor.notifyAll();
            }
            for (Thread thread : threads) {
                thread.join(10_000);
            }
        }
    }
}
