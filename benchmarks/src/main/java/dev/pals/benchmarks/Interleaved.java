package dev.pals.benchmarks;

import dev.pals.Locker;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cases 1 and 2 as the table reports them: the same worker threads run the variants' cycles in short
 * alternating slices (raw, PALs, raw, PALs, ... with the order flipped every pair), so a burst of
 * other work on the machine hits both sides of a pair alike; each ratio is taken within a pair, and
 * the medians are reported. Each thread has its own key and, per variant, its own connection (raw) or
 * lock handle (PALs, one Locker with default settings per variant).
 */
final class Interleaved {
    /**
     * Cycles/s per variant over all its slices (the mean of equal-length slices: its throughput; a median
     * of rates would pick one mode where idle-state swings make them bimodal), and the median of the
     * within-round ratios to raw.
     */
    record Result(Cycle.Kind kind, int threads, List<Variant> variants, double[] meanRates, double[] medianRatios,
            int pairs) {
        double rate(Variant variant) {
            int i = variants.indexOf(variant);
            return i < 0 ? Double.NaN : meanRates[i];
        }

        double ratio(Variant variant) {
            int i = variants.indexOf(variant);
            return i < 0 ? Double.NaN : medianRatios[i];
        }
    }

    private Interleaved() {
    }

    /**
     * Runs {@code variants} (the first must be {@link Variant#RAW}) in slices of {@code sliceMillis}:
     * {@code warmupMillis} for each first, unrecorded, then {@code rounds} rounds of one slice each.
     */
    static Result run(BenchDatabase db, Cycle.Kind kind, int threads, List<Variant> variants, int warmupMillis,
            int sliceMillis, int rounds) throws Exception {
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
                for (int w = 0; w < warmupMillis / sliceMillis; w++) {
                    for (int v = 0; v < n; v++) {
                        workers.slice(v, sliceMillis);
                    }
                }
                double[][] rates = new double[n][rounds];
                for (int r = 0; r < rounds; r++) {
                    for (int k = 0; k < n; k++) {
                        int v = r % 2 == 0 ? k : n - 1 - k;
                        rates[v][r] = workers.slice(v, sliceMillis);
                    }
                }
                double[] meanRates = new double[n];
                double[] medianRatios = new double[n];
                for (int v = 0; v < n; v++) {
                    meanRates[v] = Arrays.stream(rates[v]).average().orElse(Double.NaN);
                    double[] ratios = new double[rounds];
                    for (int r = 0; r < rounds; r++) {
                        ratios[r] = rates[v][r] / rates[0][r];
                    }
                    medianRatios[v] = median(ratios);
                }
                return new Result(kind, threads, List.copyOf(variants), meanRates, medianRatios, rounds);
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

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** One thread per key, running the cycles of whichever variant is current. */
    private static final class Workers {
        private final Cycle[][] cycles;
        private final LongAdder[] done;
        private final List<Thread> threads = new ArrayList<>();
        private volatile int current = -1;
        private volatile boolean stopped;
        private volatile Throwable failure;

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
                        Thread.onSpinWait();
                        continue;
                    }
                    cycles[v][me].run();
                    done[v].increment();
                }
            } catch (SQLException | RuntimeException | Error e) {
                failure = e;
            }
        }

        /** Runs variant {@code v} for about {@code millis}; returns its cycles/s in that time. */
        double slice(int v, int millis) throws InterruptedException {
            long before = done[v].sum();
            long start = System.nanoTime();
            current = v;
            Thread.sleep(millis);
            current = -1;
            long elapsed = System.nanoTime() - start;
            long cycles = done[v].sum() - before;
            if (failure != null) {
                throw new IllegalStateException("a cycle failed", failure);
            }
            return cycles * 1e9 / elapsed;
        }

        void stop() throws InterruptedException {
            stopped = true;
            for (Thread thread : threads) {
                thread.join(10_000);
            }
        }
    }
}
