package dev.pals.benchmarks;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.Locker;
import dev.pals.LockerStats;
import dev.pals.jooq.JooqLocker;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Cases 9–11: one Locker holding many locks. It takes them from several threads at once (blocking
 * acquires, default timeout), up to a series of checkpoints, and at each counts the server sessions of
 * the Locker ({@code pg_stat_activity} by its {@code application_name}), what {@code stats()} says, the
 * JVM heap after a full GC and the server's memory for those sessions; then, with the most held, the
 * latency of an uncontended try beside them.
 */
final class ManyLocks implements AutoCloseable {
    /** Threads that take the locks at once. */
    static final int THREADS = 4;
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    /** What a checkpoint saw. Heap in bytes after a full GC; server PSS in bytes, -1 if unknown. */
    record Point(int locks, int sessions, int inUse, int maxLocksPerSession, long heapBytes, long serverPssBytes) {
    }

    /**
     * A Locker's series. {@code heapBeforeHandles}/{@code heapWithHandles}: the heap before and after
     * making the lock handles ({@code locker.lock(name)}, none acquired). {@code stopped}: why the series
     * ended before its last checkpoint, or null.
     */
    record Series(boolean multiplexing, int poolSize, List<Point> points, int handles, long heapBeforeHandles,
            long heapWithHandles, String stopped) {
        String label() {
            return multiplexing ? "multiplexing on" : "multiplexing off";
        }

        Point last() {
            return points.isEmpty() ? null : points.get(points.size() - 1);
        }

        /** Heap of one handle, acquired or not. */
        double bytesPerHandle() {
            return (double) (heapWithHandles - heapBeforeHandles) / handles;
        }

        /** Heap per held lock at the most held: (heap then − heap with the handles and nothing held) / locks. */
        double bytesPerHeldLock() {
            Point last = last();
            return last == null ? Double.NaN : (double) (last.heapBytes - heapWithHandles) / last.locks;
        }

        /** Server memory (PSS of its sessions' backends) per held lock at the most held; NaN if unknown. */
        double serverBytesPerHeldLock() {
            Point last = last();
            return last == null || last.serverPssBytes < 0 ? Double.NaN : (double) last.serverPssBytes / last.locks;
        }
    }

    private final String app;
    private final boolean multiplexing;
    private final int poolSize;
    private final Locker locker;
    private final List<Lock> locks = new ArrayList<>();
    private final List<HeldLock> held = new ArrayList<>();
    private final Connection observer;
    private final long heapBeforeHandles;
    private final long heapWithHandles;
    private Series series;

    private ManyLocks(BenchDatabase db, String app, boolean multiplexing, int poolSize, int handles) throws SQLException {
        this.app = app;
        this.multiplexing = multiplexing;
        this.poolSize = poolSize;
        this.observer = db.connect();
        this.locker = JooqLocker.builder(app).url(db.url()).user(db.user()).password(db.password())
                .multiplexing(multiplexing).maxPoolSize(poolSize).build();
        this.heapBeforeHandles = heapAfterGc();
        for (int i = 0; i < handles; i++) {
            locks.add(locker.lock("many-" + i));
        }
        this.heapWithHandles = heapAfterGc();
    }

    /**
     * Takes locks up to each checkpoint in turn (stopping at the first failure) and records each; the
     * locks stay held until {@link #close()}.
     */
    static ManyLocks fill(BenchDatabase db, String app, boolean multiplexing, int poolSize, int[] checkpoints,
            java.util.function.Consumer<Series> progress) throws Exception {
        int most = checkpoints[checkpoints.length - 1];
        ManyLocks many = new ManyLocks(db, app, multiplexing, poolSize, most);
        many.series = many.run(checkpoints, progress);
        return many;
    }

    Series series() {
        return series;
    }

    Locker locker() {
        return locker;
    }

    private Series run(int[] checkpoints, java.util.function.Consumer<Series> progress) throws Exception {
        List<Point> points = new ArrayList<>();
        String stopped = null;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS, runnable -> {
            Thread thread = new Thread(runnable, "bench-many");
            thread.setDaemon(true);
            return thread;
        });
        try {
            for (int target : checkpoints) {
                stopped = takeUpTo(target, pool);
                if (stopped != null) {
                    break;
                }
                points.add(measure());
                progress.accept(new Series(multiplexing, poolSize, List.copyOf(points), locks.size(),
                        heapBeforeHandles, heapWithHandles, null));
            }
        } finally {
            pool.shutdownNow();
        }
        return new Series(multiplexing, poolSize, List.copyOf(points), locks.size(), heapBeforeHandles,
                heapWithHandles, stopped);
    }

    /** Takes locks until {@code target} are held, from {@link #THREADS} threads; the failure that stopped it, or null. */
    private String takeUpTo(int target, ExecutorService pool) throws Exception {
        AtomicInteger next = new AtomicInteger(held.size());
        AtomicReference<String> failure = new AtomicReference<>();
        List<HeldLock> taken = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> tasks = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            tasks.add(pool.submit(() -> {
                int i;
                while (failure.get() == null && (i = next.getAndIncrement()) < target) {
                    try {
                        taken.add(locks.get(i).hold());
                    } catch (AcquireFailure e) {
                        failure.compareAndSet(null, "lock " + (i + 1) + " failed: " + e.reason() + " ("
                                + e.getMessage() + ")");
                    }
                }
            }));
        }
        for (Future<?> task : tasks) {
            task.get();
        }
        held.addAll(taken);
        return failure.get() == null ? null : failure.get() + "; " + held.size() + " held";
    }

    private Point measure() throws SQLException {
        LockerStats stats = locker.stats();
        int[] pids = sessionPids();
        long pss = 0;
        for (int pid : pids) {
            long bytes = pssBytes(pid);
            if (bytes < 0) {
                pss = -1;
                break;
            }
            pss += bytes;
        }
        return new Point(held.size(), pids.length, stats.connectionsInUse(), stats.maxLocksPerConnection(),
                heapAfterGc(), pss);
    }

    /** Backends of this Locker's sessions ({@code application_name} {@code pals:<app>}). */
    private int[] sessionPids() throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement(
                "select pid from pg_stat_activity where application_name = ?")) {
            statement.setString(1, "pals:" + app);
            List<Integer> pids = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
            return pids.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** Proportional set size of a backend (shared pages split among their users), -1 if it cannot be read. */
    private static long pssBytes(int pid) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/" + pid + "/smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Heap in use after full collections, once two in a row agree within 64 KiB. */
    static long heapAfterGc() {
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 6; i++) {
            System.gc();
            long used = MEMORY.getHeapMemoryUsage().getUsed();
            if (Math.abs(last - used) < 64 * 1024) {
                return used;
            }
            last = used;
        }
        return last;
    }

    // ---- case 9: try latency beside many held locks -----------------------------------------------------

    /**
     * Latency of {@code lock.acquire(false)} on a free key (the release after it is not timed): through
     * {@code busy} (which holds many locks), through {@code idle} (which holds none), and raw JDBC's
     * {@code pg_try_advisory_lock} on a connection of its own; in alternating batches, after an unrecorded
     * warm-up.
     */
    static void tryLatency(BenchDatabase db, Locker busy, Locker idle, int samples, int batch, Samples busySamples,
            Samples idleSamples, Samples rawSamples) throws SQLException {
        int keys = 64;
        List<Lock> busyLocks = new ArrayList<>();
        List<Lock> idleLocks = new ArrayList<>();
        long[] rawKeys = new long[keys];
        for (int k = 0; k < keys; k++) {
            busyLocks.add(busy.lock("probe-" + k));
            idleLocks.add(idle.lock("probe-" + k));
            rawKeys[k] = LockKey.named("bench-probe", "probe-" + k).value();
        }
        try (RawJdbc raw = new RawJdbc(db.connect())) {
            int warm = Math.max(batch, Math.min(2000, samples / 5));
            probe(busyLocks, warm, new Samples());
            probe(idleLocks, warm, new Samples());
            probeRaw(raw, rawKeys, warm, new Samples());
            for (int done = 0, round = 0; done < samples; done += batch, round++) {
                int n = Math.min(batch, samples - done);
                if (round % 2 == 0) {
                    probeRaw(raw, rawKeys, n, rawSamples);
                    probe(idleLocks, n, idleSamples);
                    probe(busyLocks, n, busySamples);
                } else {
                    probe(busyLocks, n, busySamples);
                    probe(idleLocks, n, idleSamples);
                    probeRaw(raw, rawKeys, n, rawSamples);
                }
            }
        }
    }

    private static void probe(List<Lock> locks, int n, Samples into) {
        for (int i = 0; i < n; i++) {
            Lock lock = locks.get(i % locks.size());
            long start = System.nanoTime();
            boolean acquired = lock.acquire(false);
            long took = System.nanoTime() - start;
            if (!acquired || !lock.release()) {
                throw new IllegalStateException("an uncontended try failed: " + lock);
            }
            into.add(took);
        }
    }

    private static void probeRaw(RawJdbc raw, long[] keys, int n, Samples into) throws SQLException {
        for (int i = 0; i < n; i++) {
            long key = keys[i % keys.length];
            long start = System.nanoTime();
            boolean acquired = raw.tryLock(key);
            long took = System.nanoTime() - start;
            if (!acquired || !raw.unlock(key)) {
                throw new IllegalStateException("an uncontended raw try failed");
            }
            into.add(took);
        }
    }

    /** Raw JDBC try + unlock cycles on a connection that holds {@code held} other locks: per cycle, medians. */
    record SessionCost(int held, double wallMicros, double clientMicros, double serverMicros) {
    }

    /**
     * What one more statement costs on a session that already holds many locks: raw JDBC, one connection
     * per count holding that many locks, try + unlock cycles on another key, the counts in turn, {@code
     * repeats} times; medians of the repeats. (PostgreSQL walks the session's local lock table at the end of
     * every transaction, and each autocommit statement is one.)
     */
    static List<SessionCost> sessionCost(BenchDatabase db, int[] helds, int cycles, int repeats) throws SQLException {
        List<RawJdbc> raws = new ArrayList<>();
        double[][][] perRepeat = new double[helds.length][3][repeats];
        try (CpuMeter meter = CpuMeter.open(db)) {
            for (int i = 0; i < helds.length; i++) {
                RawJdbc raw = new RawJdbc(db.connect());
                raws.add(raw);
                for (int k = 0; k < helds[i]; k++) {
                    raw.lock(LockKey.named("bench-held-" + i, Integer.toString(k)).value());
                }
                long key = LockKey.named("bench-held-" + i, "probe").value();
                for (int w = 0; w < Math.min(cycles, 500); w++) { // warm: the statements prepared on the server
                    raw.tryLock(key);
                    raw.unlock(key);
                }
            }
            for (int rep = 0; rep < repeats; rep++) {
                for (int i = 0; i < helds.length; i++) {
                    RawJdbc raw = raws.get(i);
                    long key = LockKey.named("bench-held-" + i, "probe").value();
                    CpuMeter.Reading before = meter.read();
                    long start = System.nanoTime();
                    for (int c = 0; c < cycles; c++) {
                        if (!raw.tryLock(key) || !raw.unlock(key)) {
                            throw new IllegalStateException("an uncontended raw try + unlock failed");
                        }
                    }
                    long wall = System.nanoTime() - start;
                    CpuMeter.Reading after = meter.read();
                    perRepeat[i][0][rep] = wall / 1e3 / cycles;
                    perRepeat[i][1][rep] = CpuMeter.clientBetween(before, after) / 1e3 / cycles;
                    perRepeat[i][2][rep] = meter.serverBetween(before, after) / 1e3 / cycles;
                }
            }
        } finally {
            for (RawJdbc raw : raws) {
                raw.close();
            }
        }
        List<SessionCost> costs = new ArrayList<>();
        for (int i = 0; i < helds.length; i++) {
            costs.add(new SessionCost(helds[i], Interleaved.median(perRepeat[i][0]), Interleaved.median(perRepeat[i][1]),
                    Interleaved.median(perRepeat[i][2])));
        }
        return costs;
    }

    /**
     * Closes the Locker, which releases every lock (their sessions end), and waits up to 60 s until the
     * server has seen its sessions go (backends exit asynchronously; a server stopped while a thousand
     * still exit may not stop in time).
     */
    @Override
    public void close() throws SQLException {
        held.clear();
        locker.close();
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (sessionPids().length > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            observer.close();
        }
    }
}
