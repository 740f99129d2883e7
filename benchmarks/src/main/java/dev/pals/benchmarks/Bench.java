package dev.pals.benchmarks;

import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.Locker;
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
 * {@code slices,jmh,cost,handoff,timeout,election,many}), {@code bench.many.most} and {@code bench.many.soloMost}
 * (locks held with multiplexing on and off), {@code pals.db.url} (or the environment's {@code PALS_DB_URL}).
 */
public final class Bench {
    private static final List<Cycle.Kind> KINDS = List.of(Cycle.Kind.BLOCKING, Cycle.Kind.TRY, Cycle.Kind.SHARED);

    /** How much of everything a mode runs. */
    enum Mode {
        // slices: first warm-up ms, ms, rounds, repeats of blocking; JMH: rounds, forks, 4 threads too?,
        // warm-up its x ms, its x ms, gc; handoffs, batch; timeouts; cost cycles; keep awake;
        // many: most locks with multiplexing, most without, try probes, probe batch
        SMOKE(200, 100, 2, 1, 1, 0, true, 1, 100, 1, 200, false, 6, 3, 2, 50, false, 50, 10, 100, 50),
        QUICK(3000, 250, 16, 2, 1, 1, false, 3, 1000, 1, 1000, true, 100, 25, 12, 500, true, 10_000, 200, 3000, 100),
        FULL(4000, 250, 60, 3, 1, 1, true, 3, 2000, 5, 2000, true, 1000, 100, 100, 2000, true, 10_000, 1000, 20_000,
                200);

        final int sliceWarmupMillis;
        final int sliceMillis;
        final int sliceRounds;
        final int blockingRepeats;
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
        final int manyMost;
        final int manySoloMost;
        final int tryProbes;
        final int tryBatch;

        Mode(int sliceWarmupMillis, int sliceMillis, int sliceRounds, int blockingRepeats, int jmhRounds, int forks,
                boolean jmhMultiThreaded, int warmupIterations, int warmupMillis, int iterations, int iterationMillis,
                boolean gcProfile, int handoffs, int handoffBatch, int timeouts, int costCycles, boolean keepAwake,
                int manyMost, int manySoloMost, int tryProbes, int tryBatch) {
            this.sliceWarmupMillis = sliceWarmupMillis;
            this.sliceMillis = sliceMillis;
            this.sliceRounds = sliceRounds;
            this.blockingRepeats = blockingRepeats;
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
            this.manyMost = manyMost;
            this.manySoloMost = manySoloMost;
            this.tryProbes = tryProbes;
            this.tryBatch = tryBatch;
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
                if (runs("election")) {
                    elections(db);
                }
                if (runs("many")) {
                    many(db);
                }
            }
        }
        report.env.put("load at end (incl. this run)", loadAverage());
        report.env.put("duration", Duration.between(started, Instant.now()).truncatedTo(ChronoUnit.SECONDS).toString());
        write();
        return report;
    }

    /** {@code -Dbench.cases=slices,jmh,cost,handoff,timeout,election,many} picks cases (default: all). */
    private static boolean runs(String cases) {
        String picked = System.getProperty("bench.cases", "");
        return picked.isBlank() || Arrays.asList(picked.split(",")).contains(cases);
    }

    // ---- cases 1, 2: interleaved slices; 1, 2, 6: JMH ----------------------------------------------

    /**
     * Cases 1, 2 and 8. Per thread count: the blocking kind in {@code blockingRepeats} repeats (fresh
     * Lockers and connections each) spread between the try and shared kinds, so that the CPU figures of
     * the blocking cycle are seen at several points of the run.
     */
    private void slices(BenchDatabase db) throws Exception {
        boolean first = true;
        try (CpuMeter meter = CpuMeter.open(db)) {
            if (!meter.serverReadable()) {
                System.out.println("the server's backends cannot be read from /proc: CPU per cycle is the client's only");
            }
            for (int threads : Report.THREADS) {
                int repeats = mode.blockingRepeats;
                int blockingRounds = Math.max(1, mode.sliceRounds / repeats);
                List<Cycle.Kind> plan = new ArrayList<>();
                List<Cycle.Kind> others = new ArrayList<>(List.of(Cycle.Kind.TRY, Cycle.Kind.SHARED));
                for (int r = 0; r < repeats; r++) {
                    plan.add(Cycle.Kind.BLOCKING);
                    if (!others.isEmpty() && (r < repeats - 1 || repeats == 1)) {
                        plan.add(others.remove(0));
                    }
                }
                plan.addAll(others);
                int repeat = 0;
                for (Cycle.Kind kind : plan) {
                    boolean blocking = kind == Cycle.Kind.BLOCKING;
                    List<Variant> variants = new ArrayList<>(List.of(Variant.RAW, Variant.PALS, Variant.PALS_SOLO));
                    if (blocking) {
                        variants.add(Variant.PALS_LISTENER);
                        variants.add(Variant.PALS_METRICS);
                    }
                    Interleaved.Result result = Interleaved.run(db, meter, kind, threads, variants,
                            first ? mode.sliceWarmupMillis : 4 * mode.sliceMillis, mode.sliceMillis,
                            blocking ? blockingRounds : mode.sliceRounds, blocking ? repeat++ : 0, mode != Mode.SMOKE);
                    first = false;
                    report.slices.add(result);
                    for (Variant variant : variants) {
                        int v = result.index(variant);
                        double[] ratios = new double[result.rounds()];
                        double[] cpu = new double[result.rounds()];
                        for (int r = 0; r < result.rounds(); r++) {
                            ratios[r] = result.rates()[v][r] / result.rates()[0][r];
                            double rawCpu = result.clientNanos()[0][r] + nanToZero(result.serverNanos()[0][r]);
                            cpu[r] = rawCpu / (result.clientNanos()[v][r] + nanToZero(result.serverNanos()[v][r]));
                        }
                        System.out.printf(Locale.ROOT, "slices  %-8s %d thread(s)  %-24s %,8.0f cycles/s  ratio %.3f"
                                + "  CPU/cycle client %.1f µs server %.1f µs  efficiency %.3f  others %.2f cores  (%d rounds%s)%n",
                                kind.id, threads, variant.label, Arrays.stream(result.rates()[v]).average().orElse(0),
                                Interleaved.median(ratios), Interleaved.median(result.clientNanos()[v]) / 1e3,
                                Interleaved.median(result.serverNanos()[v]) / 1e3, Interleaved.median(cpu),
                                Interleaved.median(result.othersCores()[v]), result.rounds(), blocking ? ", repeat " + (result.repeat() + 1) : "");
                    }
                    System.out.println("        warm-up: " + result.warmupRounds() + " rounds; JIT compile time during"
                            + " the recorded slices: " + result.compileMillis() + " ms");
                }
            }
        }
    }

    private static double nanToZero(double value) {
        return Double.isNaN(value) ? 0 : value;
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
            List<Variant> variants = kind == Cycle.Kind.SHARED ? List.of(Variant.RAW, Variant.PALS)
                    : List.of(Variant.RAW, Variant.PALS, Variant.PALS_FENCED); // fencing: exclusive locks only
            for (Variant variant : variants) {
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

    /**
     * Case 4: two threads pass one key back and forth. PALs: two handles of the key in one Locker (with
     * multiplexing the waiter waits in the process; without, at the server), or one handle in each of two
     * Lockers (the waiter waits at the server); raw JDBC: two connections. Variants in alternating batches.
     */
    private void handoffs(BenchDatabase db, LoadCases load) throws Exception {
        Map<String, Samples> samples = new LinkedHashMap<>();
        Map<String, List<LoadCases.Contender>> sides = new LinkedHashMap<>();
        try (Locker one = Variant.PALS.open(db, Cycle.APP); Locker other = Variant.PALS.open(db, Cycle.APP);
                Locker solo = Variant.PALS_SOLO.open(db, Cycle.APP)) {
            sides.put(Report.HANDOFF_RAW, List.of(load.rawContender("handoff-raw"), load.rawContender("handoff-raw")));
            sides.put(Report.HANDOFF_IN_PROCESS, List.of(load.palsContender(one, "handoff-one"),
                    load.palsContender(one, "handoff-one")));
            sides.put(Report.HANDOFF_ACROSS, List.of(load.palsContender(one, "handoff-two"),
                    load.palsContender(other, "handoff-two")));
            sides.put(Report.HANDOFF_SOLO, List.of(load.palsContender(solo, "handoff-solo"),
                    load.palsContender(solo, "handoff-solo")));
            List<String> order = new ArrayList<>(sides.keySet());
            for (String variant : order) {
                samples.put(variant, new Samples());
                load.handoff(sides.get(variant), 4, new Samples()); // warm, unrecorded
            }
            for (int done = 0, batch = 0; done < mode.handoffs; done += mode.handoffBatch, batch++) {
                int n = Math.min(mode.handoffBatch, mode.handoffs - done);
                for (int k = 0; k < order.size(); k++) {
                    String variant = order.get(batch % 2 == 0 ? k : order.size() - 1 - k);
                    load.handoff(sides.get(variant), n, samples.get(variant));
                }
            }
            for (LoadCases.Contender contender : sides.get(Report.HANDOFF_RAW)) {
                contender.close();
            }
        }
        for (String variant : List.of(Report.HANDOFF_IN_PROCESS, Report.HANDOFF_ACROSS, Report.HANDOFF_SOLO,
                Report.HANDOFF_RAW)) {
            report.handoff.put(variant, samples.get(variant));
        }
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

    // ---- case 12: leader election hand-over -----------------------------------------------------------

    /**
     * Case 12: two candidates of one election, in two Lockers; the leader closes its election while the other
     * waits at the server, and the time from {@code close()} to the next leader's {@code onGained} callback is
     * recorded. The candidates take turns leading.
     */
    private void elections(BenchDatabase db) throws Exception {
        Samples samples = new Samples();
        try (Locker first = Variant.PALS_FENCED.open(db, Cycle.APP); Locker second = Variant.PALS_FENCED.open(db, Cycle.APP)) {
            for (int round = -4; round < mode.handoffs; round++) { // four warm-up rounds, unrecorded
                Locker leading = round % 2 == 0 ? first : second;
                Locker waiting = leading == first ? second : first;
                dev.pals.LeaderElection leader = leading.leaderElection("election").start();
                if (!leader.awaitLeadership(Duration.ofSeconds(30))) {
                    throw new IllegalStateException("no leadership within 30 s");
                }
                java.util.concurrent.BlockingQueue<Long> gainedAt = new java.util.concurrent.LinkedBlockingQueue<>();
                dev.pals.LeaderElection next = waiting.leaderElection("election")
                        .onGained(term -> gainedAt.add(System.nanoTime())).start();
                awaitWaiter(db, first.key("election"));
                long closing = System.nanoTime();
                leader.close();
                Long at = gainedAt.poll(30, java.util.concurrent.TimeUnit.SECONDS);
                if (at == null) {
                    throw new IllegalStateException("the next candidate did not lead within 30 s of the close");
                }
                if (round >= 0) {
                    samples.add(at - closing);
                }
                next.close();
            }
        }
        report.election.put("PALs, two Lockers", samples);
        printLatency("election hand-over", report.election);
    }

    /** Until a session waits at the server for {@code key} (the next candidate's campaign). */
    private static void awaitWaiter(BenchDatabase db, LockKey key) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        try (java.sql.Connection connection = db.connect();
                java.sql.PreparedStatement statement = connection.prepareStatement("select count(*) from pg_locks"
                        + " where locktype = 'advisory' and not granted and ((classid::bigint << 32) | objid::bigint) = ?")) {
            statement.setLong(1, key.value());
            while (true) {
                try (java.sql.ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the next candidate did not wait at the server within 30 s");
                }
                Thread.sleep(1);
            }
        }
    }

    private static void printLatency(String what, Map<String, Samples> byVariant) {
        byVariant.forEach((variant, samples) -> System.out.printf(Locale.ROOT,
                "%s  %-15s n=%d  p50 %.3f ms  p99 %.3f ms  max %.3f ms%n", what, variant, samples.size(),
                samples.percentileMillis(50), samples.percentileMillis(99), samples.maxMillis()));
    }

    // ---- cases 9-11: many locks held ------------------------------------------------------------------

    /**
     * Cases 9–11 on a server sized for the sessions multiplexing off needs (an embedded one of their own
     * when the main server is smaller and PALS_DB_URL is not set): held locks against server sessions,
     * memory per held lock, and try latency with the most held.
     */
    private void many(BenchDatabase db) throws Exception {
        int most = Integer.getInteger("bench.many.most", mode.manyMost);
        int soloMost = Integer.getInteger("bench.many.soloMost", mode.manySoloMost);
        BenchDatabase server = db;
        boolean own = false;
        int headroom = 100;
        if (!BenchDatabase.external() && Integer.parseInt(db.show("max_connections")) < soloMost + headroom) {
            server = BenchDatabase.start(Map.of("max_connections", Integer.toString(soloMost + headroom)));
            own = true;
        }
        try {
            report.manyServer = (own ? "an embedded server of its own" : "the same server") + ", max_connections "
                    + server.show("max_connections") + ", max_locks_per_transaction "
                    + server.show("max_locks_per_transaction");
            System.out.println("many locks: on " + report.manyServer);
            try (ManyLocks on = ManyLocks.fill(server, "bench-many", true, dev.pals.jooq.JooqLockerSettings.DEFAULT_MAX_POOL_SIZE,
                    checkpoints(most), Bench::printSeries)) {
                report.many.add(on.series());
                int held = on.series().last() == null ? 0 : on.series().last().locks();
                if (held > 0) {
                    Samples busy = new Samples();
                    Samples idle = new Samples();
                    Samples raw = new Samples();
                    try (Locker none = Variant.PALS.open(server, "bench-idle")) {
                        ManyLocks.tryLatency(server, on.locker(), none, mode.tryProbes, mode.tryBatch, busy, idle, raw);
                    }
                    report.tryLatencyHeld = held;
                    report.tryLatency.put(String.format(Locale.ROOT, Report.TRY_BUSY, held), busy);
                    report.tryLatency.put(Report.TRY_IDLE, idle);
                    report.tryLatency.put(Report.TRY_RAW, raw);
                    printLatency("try", report.tryLatency);
                }
            }
            int[] helds = most >= 10_000 ? new int[] {0, 100, 1_000, 2_500, 10_000} : new int[] {0, most / 5, most};
            report.sessionCost.addAll(ManyLocks.sessionCost(server, helds, mode.costCycles, 3));
            for (ManyLocks.SessionCost cost : report.sessionCost) {
                System.out.printf(Locale.ROOT, "raw try + unlock on a session holding %,6d locks: %.1f µs wall, CPU client"
                        + " %.1f µs, server %.1f µs per cycle%n", cost.held(), cost.wallMicros(), cost.clientMicros(),
                        cost.serverMicros());
            }
            try (ManyLocks off = ManyLocks.fill(server, "bench-many-solo", false, soloMost, checkpoints(soloMost),
                    Bench::printSeries)) {
                report.many.add(off.series());
                if (off.series().stopped() != null) {
                    System.out.println("multiplexing off stopped: " + off.series().stopped());
                }
            }
        } finally {
            if (own) {
                server.close();
            }
        }
    }

    /** 1, 2, 5, 10, 20, 50, ... up to {@code most}, and {@code most}. */
    static int[] checkpoints(int most) {
        List<Integer> points = new ArrayList<>();
        for (long decade = 1; decade <= most; decade *= 10) {
            for (int step : new int[] {1, 2, 5}) {
                if (decade * step < most) {
                    points.add((int) (decade * step));
                }
            }
        }
        points.add(most);
        return points.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void printSeries(ManyLocks.Series series) {
        ManyLocks.Point p = series.last();
        System.out.printf(Locale.ROOT, "many  %-16s %,6d locks held: %,5d sessions (pg_stat_activity), %,d in use,"
                + " at most %,d locks on one; heap above the handles %,.0f KiB%s%n", series.label(), p.locks(),
                p.sessions(), p.inUse(), p.maxLocksPerSession(), (p.heapBytes() - series.heapWithHandles()) / 1024.0,
                p.serverPssBytes() < 0 ? "" : String.format(Locale.ROOT, "; server PSS %,.1f MiB",
                        p.serverPssBytes() / 1048576.0));
    }

    // ---- output -------------------------------------------------------------------------------------

    private void write() throws IOException {
        Files.createDirectories(out);
        String subtitle = report.subtitle();
        Charts.throughput(report.bars(), subtitle, out.resolve("benchmarks-throughput.png"));
        Charts.latency("Handoff: holder's release() call to the waiter's acquire() returning (lower is better)",
                report.handoff, subtitle, out.resolve("benchmarks-handoff.png"));
        Charts.cpu(report.cpuStacks(), subtitle, out.resolve("benchmarks-cpu.png"));
        Map<String, List<double[]>> sessions = new LinkedHashMap<>();
        for (ManyLocks.Series series : report.many) {
            List<double[]> points = new ArrayList<>();
            series.points().forEach(p -> points.add(new double[] {p.locks(), p.sessions()}));
            sessions.put(series.label(), points);
        }
        Charts.sessions(sessions, subtitle, out.resolve("benchmarks-sessions.png"));
        if (!report.tryLatency.isEmpty()) {
            Charts.latency("Uncontended try-acquire (lower is better)", report.tryLatency, subtitle,
                    out.resolve("benchmarks-try.png"));
        }
        Path data = Paths.get("target", "bench-" + mode.id() + "-slices.csv");
        Files.createDirectories(data.toAbsolutePath().getParent());
        Files.writeString(data, report.slicesCsv(), StandardCharsets.UTF_8);
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
