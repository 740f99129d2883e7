package dev.pals.benchmarks;

import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.Locker;
import dev.pals.LockerStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The benchmark harness: {@code Bench quick|full|smoke}. Starts (or attaches to) PostgreSQL, keeps the
 * cores awake, runs every case with PALs and the raw JDBC yardstick interleaved, prints a results table
 * with the machine and server settings, and writes it and the PNG plots to the output folder.
 *
 * <p>System properties: {@code bench.out} (output folder), {@code bench.docs} (where a full run writes,
 * default {@code docs}), {@code bench.keepAwake=false}, {@code bench.seed}, {@code bench.cases} (a subset of
 * {@code slices,jmh,cost,handoff,timeout,connections}), {@code pals.db.url} (or the environment's
 * {@code PALS_DB_URL}).
 */
public final class Bench {
    private static final List<Cycle.Kind> KINDS = List.of(Cycle.Kind.BLOCKING, Cycle.Kind.TRY, Cycle.Kind.SHARED);

    /** How much of everything a mode runs. */
    enum Mode {
        // slices: first warm-up ms, ms, rounds; JMH: rounds, forks, 4 threads too?, warm-up its x ms, its x ms, gc;
        // handoffs, batch; timeouts; cost cycles; keep awake
        SMOKE(200, 100, 2, 1, 0, true, 1, 100, 1, 200, false, 6, 3, 2, 50, false),
        QUICK(3000, 250, 16, 1, 1, false, 3, 1000, 1, 1000, true, 100, 25, 12, 500, true),
        FULL(4000, 250, 60, 2, 1, true, 3, 2000, 5, 2000, true, 1000, 100, 100, 2000, true);

        final int sliceWarmupMillis;
        final int sliceMillis;
        final int sliceRounds;
        final int jmhRounds;
        final int forks;
        final boolean jmhMultiThreaded;
        final int warmupIterations;
        final int warmupMillis;
        final int iterations;
        final int iterationMillis;
        final boolean gcProfile;
        final int handoffs;
        final int handoffBatch;
        final int timeouts;
        final int costCycles;
        final boolean keepAwake;

        Mode(int sliceWarmupMillis, int sliceMillis, int sliceRounds, int jmhRounds, int forks, boolean jmhMultiThreaded,
                int warmupIterations, int warmupMillis, int iterations, int iterationMillis, boolean gcProfile,
                int handoffs, int handoffBatch, int timeouts, int costCycles, boolean keepAwake) {
            this.sliceWarmupMillis = sliceWarmupMillis;
            this.sliceMillis = sliceMillis;
            this.sliceRounds = sliceRounds;
            this.jmhRounds = jmhRounds;
            this.forks = forks;
            this.jmhMultiThreaded = jmhMultiThreaded;
            this.warmupIterations = warmupIterations;
            this.warmupMillis = warmupMillis;
            this.iterations = iterations;
            this.iterationMillis = iterationMillis;
            this.gcProfile = gcProfile;
            this.handoffs = handoffs;
            this.handoffBatch = handoffBatch;
            this.timeouts = timeouts;
            this.costCycles = costCycles;
            this.keepAwake = keepAwake;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Mode mode;
    private final Path out;
    private final Report report = new Report();

    private Bench(Mode mode, Path out) {
        this.mode = mode;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("jmh")) {
            jmh(Arrays.copyOfRange(args, 1, args.length));
            System.exit(0);
        }
        Mode mode = Mode.valueOf((args.length > 0 ? args[0] : "quick").toUpperCase(Locale.ROOT));
        String defaultOut = mode == Mode.FULL ? System.getProperty("bench.docs", "docs") : "target/bench-" + mode.id();
        Path out = Paths.get(System.getProperty("bench.out", defaultOut));
        run(mode, out);
        System.exit(0);
    }

    /**
     * {@code Bench jmh <JMH options>}: JMH's own command line (such as {@code -p variant=pals -t 4 -prof gc})
     * on a server started here, for one case at a time and for profiling.
     */
    private static void jmh(String[] jmhArgs) throws Exception {
        try (BenchDatabase db = BenchDatabase.start()) {
            new Runner(new OptionsBuilder()
                    .parent(new org.openjdk.jmh.runner.options.CommandLineOptions(jmhArgs))
                    .include(CycleBenchmark.class.getName() + ".cycle")
                    .jvmArgsAppend(db.forkProperties())
                    .build()).run();
        }
    }

    /** Runs every case in {@code mode} and writes the results and plots to {@code out}. */
    static Report run(Mode mode, Path out) throws Exception {
        System.setProperty("java.awt.headless", "true");
        if (mode == Mode.SMOKE) {
            // A smoke run measures nothing: it must not fail because another JMH run holds JMH's lock file.
            System.setProperty("jmh.ignoreLock", "true");
        }
        return new Bench(mode, out).runAll();
    }

    private Report runAll() throws Exception {
        Instant started = Instant.now();
        report.env.put("mode", mode.id());
        report.env.put("started", started.truncatedTo(ChronoUnit.SECONDS).toString());
        report.env.put("machine", Runtime.getRuntime().availableProcessors() + " cores (" + cpuModel() + ")");
        report.env.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        report.env.put("load before (1/5/15 min)", loadAverage());
        try (BenchDatabase db = BenchDatabase.start()) {
            boolean countStatements = db.enableStatementCounts();
            report.env.putAll(db.describe());
            int awakeLoops = mode.keepAwake && !"false".equals(System.getProperty("bench.keepAwake"))
                    ? Runtime.getRuntime().availableProcessors() : 0;
            try (KeepAwake awake = KeepAwake.start(awakeLoops)) {
                report.env.put("cores kept awake", awake.count() > 0
                        ? "yes: " + awake.count() + " busy loops at nice 19 in a separate process" : "no");
                report.env.forEach((k, v) -> System.out.println(k + ": " + v));
                if (runs("slices")) {
                    slices(db);
                }
                if (runs("jmh")) {
                    throughput(db);
                }
                report.env.put("load after cases 1-2 (incl. this run)", loadAverage());
                LoadCases load = new LoadCases(db, Long.getLong("bench.seed", 20_251_125L));
                if (runs("cost")) {
                    costs(load, countStatements);
                }
                if (runs("handoff")) {
                    handoffs(db, load);
                }
                if (runs("timeout")) {
                    timeouts(db, load);
                }
                if (runs("connections")) {
                    connections(db, load);
                }
            }
        }
        report.env.put("load at end (incl. this run)", loadAverage());
        report.env.put("duration", Duration.between(started, Instant.now()).truncatedTo(ChronoUnit.SECONDS).toString());
        write();
        return report;
    }

    /** {@code -Dbench.cases=slices,jmh,cost,handoff,timeout,connections} picks cases (default: all). */
    private static boolean runs(String cases) {
        String picked = System.getProperty("bench.cases", "");
        return picked.isBlank() || Arrays.asList(picked.split(",")).contains(cases);
    }

    // ---- cases 1, 2: interleaved slices; 1, 2, 6: JMH ----------------------------------------------

    private void slices(BenchDatabase db) throws Exception {
        boolean first = true;
        for (int threads : Report.THREADS) {
            for (Cycle.Kind kind : KINDS) {
                List<Variant> variants = new ArrayList<>(List.of(Variant.RAW, Variant.PALS));
                if (mode == Mode.FULL && kind == Cycle.Kind.BLOCKING) {
                    variants.add(Variant.PALS_LISTENER);
                    variants.add(Variant.PALS_METRICS);
                }
                Interleaved.Result result = Interleaved.run(db, kind, threads, variants,
                        first ? mode.sliceWarmupMillis : 4 * mode.sliceMillis, mode.sliceMillis, mode.sliceRounds);
                first = false;
                report.slices.add(result);
                for (Variant variant : variants) {
                    System.out.printf(Locale.ROOT, "slices  %-8s %d thread(s)  %-15s %,10.0f cycles/s  ratio to raw %.3f"
                            + "  (ratio: median over %d rounds of %d ms slices)%n", kind.id, threads, variant.label, result.rate(variant),
                            result.ratio(variant), result.pairs(), mode.sliceMillis);
                }
            }
        }
    }

    private void throughput(BenchDatabase db) throws RunnerException {
        if (mode.forks == 0) {
            db.exportToThisJvm();
        }
        int[] threads = mode.jmhMultiThreaded ? Report.THREADS : new int[] {1};
        for (int round = 0; round < mode.jmhRounds; round++) {
            for (int t : threads) {
                for (Cycle.Kind kind : KINDS) {
                    List<Variant> order = new ArrayList<>(round % 2 == 0
                            ? List.of(Variant.RAW, Variant.PALS) : List.of(Variant.PALS, Variant.RAW));
                    if (mode == Mode.FULL && kind == Cycle.Kind.BLOCKING) {
                        order.add(Variant.PALS_LISTENER);
                        order.add(Variant.PALS_METRICS);
                    }
                    for (Variant variant : order) {
                        report.cycles.add(jmh(db, round, t, kind, variant));
                    }
                }
            }
        }
    }

    private Report.CycleResult jmh(BenchDatabase db, int round, int threads, Cycle.Kind kind, Variant variant)
            throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(CycleBenchmark.class.getName() + ".cycle")
                .param("variant", variant.id)
                .param("kind", kind.id)
                .threads(threads)
                .forks(mode.forks)
                .warmupIterations(mode.warmupIterations)
                .warmupTime(TimeValue.milliseconds(mode.warmupMillis))
                .measurementIterations(mode.iterations)
                .measurementTime(TimeValue.milliseconds(mode.iterationMillis))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .jvmArgs("-Xms1g", "-Xmx1g")
                .jvmArgsAppend(db.forkProperties());
        if (mode.gcProfile) {
            options.addProfiler(GCProfiler.class);
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        RunResult result = results.iterator().next();
        Result<?> primary = result.getPrimaryResult();
        double alloc = Double.NaN;
        for (String name : result.getSecondaryResults().keySet()) {
            if (name.endsWith("gc.alloc.rate.norm")) {
                alloc = result.getSecondaryResults().get(name).getScore();
            }
        }
        Report.CycleResult cycle = new Report.CycleResult(round, threads, kind, variant, primary.getScore(),
                primary.getScoreError(), alloc);
        System.out.printf(Locale.ROOT, "round %d  %-8s %d thread(s)  %-15s %,10.0f ± %,6.0f cycles/s  %s%n",
                round + 1, kind.id, threads, variant.label, cycle.score(), cycle.error(),
                Double.isNaN(alloc) ? "" : String.format(Locale.ROOT, "%,.0f B/cycle", alloc));
        return cycle;
    }

    // ---- case 3: statements and round trips ---------------------------------------------------------

    private void costs(LoadCases load, boolean countStatements) throws SQLException {
        for (Cycle.Kind kind : KINDS) {
            for (Variant variant : List.of(Variant.RAW, Variant.PALS)) {
                LoadCases.Cost cost = load.cost(variant, kind, mode.costCycles, countStatements);
                report.costs.put(kind.id + "/" + variant.id, cost);
                System.out.printf(Locale.ROOT, "cost  %-8s %-15s %.2f statements, %.2f round trips per cycle,"
                        + " %d new connections%n", kind.id, variant.label, cost.statementsPerCycle(),
                        cost.roundTripsPerCycle(), cost.newConnections());
                cost.statements().forEach((sql, calls) -> System.out.printf(Locale.ROOT, "      %6d  %s%n", calls, sql));
            }
        }
    }

    // ---- case 4: handoff ----------------------------------------------------------------------------

    private void handoffs(BenchDatabase db, LoadCases load) throws Exception {
        Samples raw = new Samples();
        Samples pals = new Samples();
        try (Locker locker = Variant.PALS.open(db, Cycle.APP)) {
            List<LoadCases.Contender> palsSide = List.of(load.palsContender(locker, "handoff"),
                    load.palsContender(locker, "handoff"));
            List<LoadCases.Contender> rawSide = List.of(load.rawContender("handoff"), load.rawContender("handoff"));
            load.handoff(palsSide, 4, new Samples()); // warm both, unrecorded
            load.handoff(rawSide, 4, new Samples());
            for (int done = 0, batch = 0; done < mode.handoffs; done += mode.handoffBatch, batch++) {
                int n = Math.min(mode.handoffBatch, mode.handoffs - done);
                if (batch % 2 == 0) {
                    load.handoff(rawSide, n, raw);
                    load.handoff(palsSide, n, pals);
                } else {
                    load.handoff(palsSide, n, pals);
                    load.handoff(rawSide, n, raw);
                }
            }
            for (LoadCases.Contender contender : rawSide) {
                contender.close();
            }
        }
        report.handoff.put(Variant.PALS.label, pals);
        report.handoff.put(Variant.RAW.label, raw);
        printLatency("handoff", report.handoff);
    }

    // ---- case 5: timeout precision ------------------------------------------------------------------

    private void timeouts(BenchDatabase db, LoadCases load) throws SQLException {
        Samples raw = new Samples();
        Samples pals = new Samples();
        long key = LockKey.named(Cycle.APP, "timeout").value();
        Duration timeout = Duration.ofMillis(300);
        try (RawJdbc holder = new RawJdbc(db.connect()); RawJdbc waiter = new RawJdbc(db.connect());
                Locker locker = Variant.PALS.open(db, Cycle.APP)) {
            holder.lock(key);
            waiter.lockTimeout(timeout.toMillis());
            Lock lock = locker.lock("timeout");
            load.palsTimeout(lock, timeout); // warm
            LoadCases.rawTimeout(waiter, key);
            for (int i = 0; i < mode.timeouts; i++) {
                if (i % 2 == 0) {
                    raw.add(LoadCases.rawTimeout(waiter, key));
                    pals.add(load.palsTimeout(lock, timeout));
                } else {
                    pals.add(load.palsTimeout(lock, timeout));
                    raw.add(LoadCases.rawTimeout(waiter, key));
                }
            }
            holder.unlock(key);
        }
        report.timeout.put(Variant.PALS.label, pals);
        report.timeout.put(Variant.RAW.label, raw);
        printLatency("timeout 300 ms, waited", report.timeout);
    }

    private static void printLatency(String what, Map<String, Samples> byVariant) {
        byVariant.forEach((variant, samples) -> System.out.printf(Locale.ROOT,
                "%s  %-15s n=%d  p50 %.3f ms  p99 %.3f ms  max %.3f ms%n", what, variant, samples.size(),
                samples.percentileMillis(50), samples.percentileMillis(99), samples.maxMillis()));
    }

    // ---- case 6: connections per held lock ----------------------------------------------------------

    private void connections(BenchDatabase db, LoadCases load) throws SQLException {
        String app = "bench-connections";
        int held = 5;
        try (Locker locker = Variant.PALS.open(db, app)) {
            List<Lock> locks = new ArrayList<>();
            for (int i = 0; i < held; i++) {
                Lock lock = locker.lock("held-" + i);
                if (!lock.acquire()) {
                    throw new IllegalStateException("could not take " + lock);
                }
                locks.add(lock);
            }
            int sessions = load.serverSessions(app);
            LockerStats stats = locker.stats();
            Lock first = locks.get(0);
            first.acquire();
            first.acquire();
            int sessionsStacked = load.serverSessions(app);
            first.release();
            first.release();
            for (Lock lock : locks) {
                lock.release();
            }
            LockerStats after = locker.stats();
            report.connections = new Report.Connections(held, sessions, stats.connectionsInUse(), sessionsStacked,
                    after.connectionsInUse());
            System.out.println("connections: " + report.connections);
        }
    }

    // ---- output -------------------------------------------------------------------------------------

    private void write() throws IOException {
        Files.createDirectories(out);
        String subtitle = report.subtitle();
        Charts.throughput(report.bars(), subtitle, out.resolve("benchmarks-throughput.png"));
        Charts.latency("Handoff: holder's release() call to the waiter's acquire() returning (lower is better)",
                report.handoff, subtitle, out.resolve("benchmarks-handoff.png"));
        String markdown = report.markdown();
        Files.writeString(out.resolve("benchmarks-results.md"), markdown, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println(markdown);
        System.out.println("written to " + out.toAbsolutePath().normalize());
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
            return String.join(" / ", Arrays.copyOf(parts, 3));
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }
}
