package dev.pals.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** What a run measured, and its tables. Only measured numbers; the Python figures are labelled as quoted. */
final class Report {
    static final double CYCLE_TARGET = 0.85;
    static final double CPU_TARGET = 0.95;
    static final double CPU_METRICS_TARGET = 0.90;
    static final int SESSIONS_TARGET = 8;
    static final int[] THREADS = {1, 4};

    final Map<String, String> env = new LinkedHashMap<>();
    final List<Interleaved.Result> slices = new ArrayList<>();
    final List<CycleResult> cycles = new ArrayList<>();
    final Map<String, LoadCases.Cost> costs = new LinkedHashMap<>();
    /** Handoff latency by variant label; the raw JDBC one under {@link Variant#RAW}'s label. */
    final Map<String, Samples> handoff = new LinkedHashMap<>();
    final Map<String, Samples> timeout = new LinkedHashMap<>();
    /** Case 12: a leader's {@code close()} to the next leader's {@code onGained}. */
    final Map<String, Samples> election = new LinkedHashMap<>();
    /** Try latency: with many held by the same Locker, with none, raw JDBC. */
    final Map<String, Samples> tryLatency = new LinkedHashMap<>();
    int tryLatencyHeld;
    final List<ManyLocks.Series> many = new ArrayList<>();
    final List<ManyLocks.SessionCost> sessionCost = new ArrayList<>();
    /** The server the many-locks cases ran on. */
    String manyServer = "";

    static final String HANDOFF_IN_PROCESS = "PALs, one Locker (in-process)";
    static final String HANDOFF_ACROSS = "PALs, two Lockers";
    static final String HANDOFF_SOLO = "PALs, one Locker, multiplexing off";
    static final String HANDOFF_RAW = "raw JDBC, two connections";
    static final String TRY_BUSY = "PALs, %,d held by the same Locker";
    static final String TRY_IDLE = "PALs, none held";
    static final String TRY_RAW = "raw JDBC";

    record CycleResult(int round, int threads, Cycle.Kind kind, Variant variant, double score, double error,
            double allocBytes) {
    }

    // ---- cases 1, 2, 8: the slices of one kind and thread count, over their repeats ----------------------

    /** The slices of one kind and thread count: every round of every repeat. */
    final class Slices {
        final Cycle.Kind kind;
        final int threads;
        final List<Interleaved.Result> repeats;
        final List<Variant> variants;

        Slices(Cycle.Kind kind, int threads, List<Interleaved.Result> repeats) {
            this.kind = kind;
            this.threads = threads;
            this.repeats = repeats;
            this.variants = repeats.get(0).variants();
        }

        private double[] perRound(Variant variant, PerRound f) {
            List<Double> values = new ArrayList<>();
            for (Interleaved.Result result : repeats) {
                int v = result.index(variant);
                int raw = result.index(Variant.RAW);
                for (int r = 0; r < result.rounds(); r++) {
                    values.add(f.of(result, v, raw, r));
                }
            }
            return values.stream().mapToDouble(Double::doubleValue).toArray();
        }

        int rounds() {
            return repeats.stream().mapToInt(Interleaved.Result::rounds).sum();
        }

        /** Cycles/s over all of the variant's slices (equal lengths: the mean). */
        double rate(Variant variant) {
            return Arrays.stream(perRound(variant, (res, v, raw, r) -> res.rates()[v][r])).average().orElse(Double.NaN);
        }

        /** Median of the within-round ratios of cycles/s to raw's. */
        double ratio(Variant variant) {
            return Interleaved.median(perRound(variant, (res, v, raw, r) -> res.rates()[v][r] / res.rates()[raw][r]));
        }

        double clientMicros(Variant variant) {
            return clientMicros(variant, 50);
        }

        double serverMicros(Variant variant) {
            return serverMicros(variant, 50);
        }

        /** A percentile over the variant's slices of this JVM's CPU per cycle. */
        double clientMicros(Variant variant, double p) {
            return Interleaved.percentile(perRound(variant, (res, v, raw, r) -> res.clientNanos()[v][r]), p) / 1e3;
        }

        /** A percentile over the variant's slices of the server backends' CPU per cycle. */
        double serverMicros(Variant variant, double p) {
            return Interleaved.percentile(perRound(variant, (res, v, raw, r) -> res.serverNanos()[v][r]), p) / 1e3;
        }

        boolean serverKnown() {
            return !Double.isNaN(serverMicros(Variant.RAW));
        }

        private static double cpu(Interleaved.Result res, int v, int r) {
            double server = res.serverNanos()[v][r];
            return res.clientNanos()[v][r] + (Double.isNaN(server) ? 0 : server);
        }

        private double[] efficiencies(Variant variant, Interleaved.Result only) {
            List<Double> values = new ArrayList<>();
            for (Interleaved.Result result : repeats) {
                if (only != null && result != only) {
                    continue;
                }
                int v = result.index(variant);
                int raw = result.index(Variant.RAW);
                for (int r = 0; r < result.rounds(); r++) {
                    values.add(cpu(result, raw, r) / cpu(result, v, r));
                }
            }
            return values.stream().mapToDouble(Double::doubleValue).toArray();
        }

        /** Median of the within-round ratios of raw's CPU per cycle (client + server) to the variant's. */
        double efficiency(Variant variant) {
            return Interleaved.median(efficiencies(variant, null));
        }

        /**
         * A bootstrap 95% interval of {@link #efficiency}: the 2.5th and 97.5th percentiles of the medians
         * of 2,000 resamples of the rounds (fixed seed, so a report renders the same twice).
         */
        double[] efficiencyInterval(Variant variant) {
            double[] ratios = efficiencies(variant, null);
            if (ratios.length == 0) {
                return new double[] {Double.NaN, Double.NaN};
            }
            java.util.SplittableRandom random = new java.util.SplittableRandom(20_251_204L);
            double[] medians = new double[2000];
            double[] sample = new double[ratios.length];
            for (int b = 0; b < medians.length; b++) {
                for (int i = 0; i < sample.length; i++) {
                    sample[i] = ratios[random.nextInt(ratios.length)];
                }
                medians[b] = Interleaved.median(sample);
            }
            return new double[] {Interleaved.percentile(medians, 2.5), Interleaved.percentile(medians, 97.5)};
        }

        /** The same, quartiles. */
        double efficiencyPercentile(Variant variant, double p) {
            return Interleaved.percentile(efficiencies(variant, null), p);
        }

        /** The median efficiency of each repeat (its own Lockers and connections, at another time of the run). */
        double[] repeatEfficiencies(Variant variant) {
            return repeats.stream().mapToDouble(res -> Interleaved.median(efficiencies(variant, res))).toArray();
        }

        long compileMillis() {
            return repeats.stream().mapToLong(Interleaved.Result::compileMillis).sum();
        }

        /** Median over all slices of the cores other work on the machine kept busy. */
        double othersCores() {
            List<Double> values = new ArrayList<>();
            for (Interleaved.Result result : repeats) {
                for (double[] perVariant : result.othersCores()) {
                    for (double cores : perVariant) {
                        values.add(cores);
                    }
                }
            }
            return Interleaved.median(values.stream().mapToDouble(Double::doubleValue).toArray());
        }

        /**
         * The efficiency over the quieter half of the rounds: those where other work kept fewer cores busy
         * (the more of the raw and the variant slice) than in the median round.
         */
        double quietEfficiency(Variant variant) {
            List<double[]> rounds = new ArrayList<>(); // {others, efficiency}
            for (Interleaved.Result result : repeats) {
                int v = result.index(variant);
                int raw = result.index(Variant.RAW);
                for (int r = 0; r < result.rounds(); r++) {
                    double others = Math.max(result.othersCores()[v][r], result.othersCores()[raw][r]);
                    rounds.add(new double[] {others, cpu(result, raw, r) / cpu(result, v, r)});
                }
            }
            double cut = Interleaved.median(rounds.stream().mapToDouble(x -> x[0]).toArray());
            if (Double.isNaN(cut)) {
                return Double.NaN;
            }
            return Interleaved.median(rounds.stream().filter(x -> x[0] <= cut).mapToDouble(x -> x[1]).toArray());
        }
    }

    private interface PerRound {
        double of(Interleaved.Result result, int variant, int raw, int round);
    }

    /** Slices grouped by kind and threads, in the order they were first run. */
    List<Slices> sliceGroups() {
        Map<String, List<Interleaved.Result>> groups = new LinkedHashMap<>();
        for (Interleaved.Result result : slices) {
            groups.computeIfAbsent(result.kind().id + "/" + result.threads(), k -> new ArrayList<>()).add(result);
        }
        List<Slices> out = new ArrayList<>();
        for (List<Interleaved.Result> group : groups.values()) {
            out.add(new Slices(group.get(0).kind(), group.get(0).threads(), group));
        }
        out.sort((a, b) -> a.threads != b.threads ? Integer.compare(a.threads, b.threads)
                : Integer.compare(a.kind.ordinal(), b.kind.ordinal()));
        return out;
    }

    Slices slices(Cycle.Kind kind, int threads) {
        for (Slices group : sliceGroups()) {
            if (group.kind == kind && group.threads == threads) {
                return group;
            }
        }
        return null;
    }

    /** Every recorded slice of cases 1, 2 and 8, one line each, for looking at a run again. */
    String slicesCsv() {
        StringBuilder csv = new StringBuilder("kind,threads,repeat,round,variant,cycles_per_s,client_ns_per_cycle,"
                + "server_ns_per_cycle,others_cores\n");
        for (Interleaved.Result result : slices) {
            for (int v = 0; v < result.variants().size(); v++) {
                for (int r = 0; r < result.rounds(); r++) {
                    csv.append(fmt("%s,%d,%d,%d,%s,%.1f,%.1f,%.1f,%.3f\n", result.kind().id, result.threads(),
                            result.repeat() + 1, r + 1, result.variants().get(v).id, result.rates()[v][r],
                            result.clientNanos()[v][r], result.serverNanos()[v][r], result.othersCores()[v][r]));
                }
            }
        }
        return csv.toString();
    }

    // ---- JMH ---------------------------------------------------------------------------------------------

    private List<CycleResult> of(Cycle.Kind kind, int threads, Variant variant) {
        return cycles.stream().filter(c -> c.kind == kind && c.threads == threads && c.variant == variant)
                .collect(Collectors.toList());
    }

    double alloc(Cycle.Kind kind, int threads, Variant variant) {
        return Interleaved.median(of(kind, threads, variant).stream().mapToDouble(CycleResult::allocBytes).toArray());
    }

    // ---- plots ------------------------------------------------------------------------------------------

    List<Charts.Bar> bars() {
        List<Charts.Bar> bars = new ArrayList<>();
        for (Slices group : sliceGroups()) {
            for (Variant variant : group.variants) {
                bars.add(new Charts.Bar(group.kind.id + ", " + threads(group.threads), variant.label,
                        group.rate(variant)));
            }
        }
        return bars;
    }

    /** CPU per blocking cycle: one stacked bar (client, server) per variant and thread count. */
    List<Charts.Stack> cpuStacks() {
        List<Charts.Stack> stacks = new ArrayList<>();
        for (int threads : THREADS) {
            Slices group = slices(Cycle.Kind.BLOCKING, threads);
            if (group == null) {
                continue;
            }
            for (Variant variant : group.variants) {
                stacks.add(new Charts.Stack(variant.label, threads(threads), group.clientMicros(variant, 25),
                        group.serverKnown() ? group.serverMicros(variant, 25) : 0));
            }
        }
        return stacks;
    }

    String subtitle() {
        return env.getOrDefault("machine", "?") + "; PostgreSQL " + env.getOrDefault("server_version", "?") + ", "
                + env.getOrDefault("server", "?").replaceAll(" at .*", "") + "; cores kept awake: "
                + (env.getOrDefault("cores kept awake", "no").startsWith("yes") ? "yes" : "no") + "; mode "
                + env.get("mode");
    }

    // ---- the table ------------------------------------------------------------------------------------------

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("| Case | PALs | raw JDBC | PALs / raw | Target | Met? |\n");
        md.append("| --- | ---: | ---: | ---: | --- | --- |\n");
        cpuRows(md);
        cycleRows(md);
        costRows(md);
        handoffRows(md);
        timeoutRows(md);
        electionRows(md);
        allocRows(md);
        row(md, "7. Python PALs 0.4.0 (quoted from the issue, not measured here)",
                "600–960 cycles/s blocking, 1,360 try; about 11 statements per cycle", "pgbench: 11,350 pairs/s", "–",
                "–", "–");
        tryRows(md);
        sessionCostRows(md);
        manyRows(md);
        md.append('\n');
        md.append("Machine and settings:\n\n");
        env.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append('\n');
        sliceDetails(md);
        manyDetails(md);
        latencyDetails(md);
        jmhDetails(md);
        statementDetails(md);
        return md.toString();
    }

    private void cpuRows(StringBuilder md) {
        for (int threads : THREADS) {
            Slices group = slices(Cycle.Kind.BLOCKING, threads);
            if (group == null) {
                continue;
            }
            for (Variant variant : group.variants) {
                if (variant.isRaw()) {
                    continue;
                }
                double eff = group.efficiency(variant);
                double[] repeats = group.repeatEfficiencies(variant);
                double[] interval = group.efficiencyInterval(variant);
                String target = variant == Variant.PALS ? "≥ 0.95" : variant == Variant.PALS_METRICS ? "≥ 0.90" : "–";
                double goal = variant == Variant.PALS ? CPU_TARGET : CPU_METRICS_TARGET;
                String met = variant == Variant.PALS || variant == Variant.PALS_METRICS
                        ? yesNo(eff >= goal) + (interval[0] < goal && goal <= interval[1] ? " (the target is inside the CI)" : "")
                        : "–";
                row(md, "8. CPU per blocking cycle, " + threads(threads) + (variant == Variant.PALS ? "" : ", " + variant.label)
                        + ": client + server (µs, lower quartile of slices)"
                        + (group.serverKnown() ? "" : " [server not readable: client only]"),
                        cpu(group, variant), cpu(group, Variant.RAW),
                        fmt("%.2f", eff) + fmt(" (95%% CI %.2f–%.2f", interval[0], interval[1])
                                + (repeats.length > 1 ? "; repeats " + range(repeats) : "") + ")", target, met);
            }
        }
    }

    /** Lower quartiles over the slices: the figures of the least disturbed slices (see the details). */
    private String cpu(Slices group, Variant variant) {
        if (!group.serverKnown()) {
            return fmt("%.1f", group.clientMicros(variant, 25));
        }
        return fmt("%.1f + %.1f", group.clientMicros(variant, 25), group.serverMicros(variant, 25));
    }

    private static String range(double[] values) {
        double min = Arrays.stream(values).min().orElse(Double.NaN);
        double max = Arrays.stream(values).max().orElse(Double.NaN);
        return fmt("%.2f–%.2f", min, max);
    }

    private void cycleRows(StringBuilder md) {
        for (Slices group : sliceGroups()) {
            for (Variant variant : group.variants) {
                if (variant.isRaw()) {
                    continue;
                }
                double ratio = group.ratio(variant);
                boolean targeted = variant == Variant.PALS || variant == Variant.PALS_SOLO;
                String label = (group.kind == Cycle.Kind.BLOCKING ? "1" : "2") + ". " + group.kind.id + " cycle, "
                        + threads(group.threads) + (variant == Variant.PALS ? "" : ", " + variant.label) + " (cycles/s)";
                row(md, label, fmt("%,.0f", group.rate(variant)), fmt("%,.0f", group.rate(Variant.RAW)),
                        fmt("%.2f", ratio), targeted ? "≥ 0.85" : "–", targeted ? yesNo(ratio >= CYCLE_TARGET) : "–");
            }
        }
    }

    private void costRows(StringBuilder md) {
        for (Cycle.Kind kind : Cycle.Kind.values()) {
            LoadCases.Cost pals = costs.get(kind.id + "/" + Variant.PALS.id);
            LoadCases.Cost raw = costs.get(kind.id + "/" + Variant.RAW.id);
            if (pals == null || raw == null) {
                continue;
            }
            boolean counted = !Double.isNaN(pals.statementsPerCycle());
            row(md, "3. statements per " + kind.id + " cycle (pg_stat_statements)",
                    counted ? fmt("%.2f", pals.statementsPerCycle()) : "n/a",
                    counted ? fmt("%.2f", raw.statementsPerCycle()) : "n/a", "–", "≤ 2",
                    counted ? yesNo(pals.statementsPerCycle() <= 2.0) : "n/a");
            row(md, "3. round trips per " + kind.id + " cycle (TCP proxy)", fmt("%.2f", pals.roundTripsPerCycle()),
                    fmt("%.2f", raw.roundTripsPerCycle()), "–", "–", "–");
            LoadCases.Cost fenced = costs.get(kind.id + "/" + Variant.PALS_FENCED.id);
            if (fenced != null) {
                row(md, "3. statements / round trips per " + kind.id + " cycle, fenced (token taken with the lock)",
                        (counted ? fmt("%.2f", fenced.statementsPerCycle()) : "n/a") + " / "
                                + fmt("%.2f", fenced.roundTripsPerCycle()),
                        (counted ? fmt("%.2f", raw.statementsPerCycle()) : "n/a") + " / "
                                + fmt("%.2f", raw.roundTripsPerCycle()), "–", "no extra round trip",
                        yesNo(fenced.roundTripsPerCycle() <= pals.roundTripsPerCycle()));
            }
        }
    }

    private void handoffRows(StringBuilder md) {
        Samples raw = handoff.get(HANDOFF_RAW);
        if (raw == null) {
            return;
        }
        for (String variant : List.of(HANDOFF_IN_PROCESS, HANDOFF_ACROSS, HANDOFF_SOLO)) {
            Samples pals = handoff.get(variant);
            if (pals == null) {
                continue;
            }
            row(md, "4. handoff, 2 threads, holds 10–110 ms, " + variant + ": p50 / p99 / max (ms)", latency(pals),
                    latency(raw), fmt("%.2f", pals.percentileMillis(50) / raw.percentileMillis(50)) + " (p50)",
                    "p50 ≤ 0.5, p99 ≤ 2", yesNo(pals.percentileMillis(50) <= 0.5 && pals.percentileMillis(99) <= 2.0));
        }
    }

    private void electionRows(StringBuilder md) {
        Samples raw = handoff.get(HANDOFF_RAW);
        election.forEach((variant, pals) -> row(md, "12. leader hand-over, " + variant + ": close() to the next leader's"
                + " onGained, p50 / p99 / max (ms); raw: case 4's handoff", latency(pals), raw == null ? "–" : latency(raw),
                raw == null ? "–" : fmt("%.2f", pals.percentileMillis(50) / raw.percentileMillis(50)) + " (p50)",
                "a round trip and a wake-up", "–"));
    }

    private void timeoutRows(StringBuilder md) {
        Samples pals = timeout.get(Variant.PALS.label);
        Samples raw = timeout.get(Variant.RAW.label);
        if (pals != null && raw != null) {
            row(md, "5. acquire with 300 ms timeout on a held key: waited p50 / p99 / max (ms)", latency(pals),
                    latency(raw), "–", "p99 in [300, 310]",
                    yesNo(pals.minMillis() >= 300.0 && pals.percentileMillis(99) <= 310.0));
        }
    }

    private void allocRows(StringBuilder md) {
        for (Cycle.Kind kind : Cycle.Kind.values()) {
            double pals = alloc(kind, 1, Variant.PALS);
            double raw = alloc(kind, 1, Variant.RAW);
            if (!Double.isNaN(pals) && !Double.isNaN(raw)) {
                row(md, "6. allocation per " + kind.id + " cycle, 1 thread (bytes, JMH -prof gc)", fmt("%,.0f", pals),
                        fmt("%,.0f", raw), fmt("%.1f", pals / raw), "–", "–");
            }
        }
    }

    private void tryRows(StringBuilder md) {
        Samples raw = tryLatency.get(TRY_RAW);
        if (raw == null) {
            return;
        }
        for (Map.Entry<String, Samples> e : tryLatency.entrySet()) {
            if (e.getKey().equals(TRY_RAW)) {
                continue;
            }
            Samples pals = e.getValue();
            row(md, "9. uncontended try-acquire, " + e.getKey() + ": p50 / p99 (ms)",
                    fmt("%.3f / %.3f", pals.percentileMillis(50), pals.percentileMillis(99)),
                    fmt("%.3f / %.3f", raw.percentileMillis(50), raw.percentileMillis(99)),
                    fmt("%.2f (p50)", pals.percentileMillis(50) / raw.percentileMillis(50)), "–", "–");
        }
    }

    private void sessionCostRows(StringBuilder md) {
        if (sessionCost.size() < 2) {
            return;
        }
        ManyLocks.SessionCost none = sessionCost.get(0);
        ManyLocks.SessionCost most = sessionCost.get(sessionCost.size() - 1);
        row(md, "9. raw JDBC try + unlock on a session already holding " + fmt("%,d", most.held())
                        + " locks: server CPU per cycle (µs)", "–", fmt("%.1f (holding none: %.1f)", most.serverMicros(),
                        none.serverMicros()), "–", "–", "–");
    }

    private void manyRows(StringBuilder md) {
        for (ManyLocks.Series series : many) {
            ManyLocks.Point last = series.last();
            if (last == null) {
                continue;
            }
            boolean on = series.multiplexing();
            row(md, "10. server sessions for " + fmt("%,d", last.locks()) + " held locks, " + series.label()
                            + (series.stopped() != null ? " (stopped: " + series.stopped() + ")" : ""),
                    fmt("%,d", last.sessions()), "–", "–", on ? "≤ 8 for 10,000" : "–",
                    on && last.locks() >= 10_000 ? yesNo(last.sessions() <= SESSIONS_TARGET) : "–");
        }
        for (ManyLocks.Series series : many) {
            if (series.last() == null) {
                continue;
            }
            double server = series.serverBytesPerHeldLock();
            row(md, "11. memory per held lock, " + series.label() + ", at " + fmt("%,d", series.last().locks())
                            + " held: JVM heap (+ the Lock handle)" + (Double.isNaN(server) ? "" : "; server PSS"),
                    fmt("%,.0f B", series.bytesPerHeldLock())
                            + (series.handles() >= 5_000 ? fmt(" (+ %,.0f B)", series.bytesPerHandle()) : " (+ handle: n/a)")
                            + (Double.isNaN(server) ? "" : fmt("; %,.0f KiB", server / 1024)),
                    "–", "–", "–", "–");
        }
    }

    // ---- details ------------------------------------------------------------------------------------------

    private void sliceDetails(StringBuilder md) {
        List<Slices> groups = sliceGroups();
        if (groups.isEmpty()) {
            return;
        }
        md.append("Cases 1, 2 and 8: the variants run in alternating slices on the same worker threads (order reversed"
                + " every round), each slice reading its cycles and the CPU both sides used; a ratio is taken within"
                + " each round, then the median. Cycles/s: over all of a variant's slices. CPU per cycle: client = every"
                + " thread of the benchmark JVM (/proc/self/task/*/schedstat), server = every client backend of the"
                + " server but the meter's own (/proc/<pid>/schedstat); lower quartile and median over the slices (on"
                + " this shared VM the CPU per cycle of every variant, raw JDBC included, moves between levels up to"
                + " about 3× apart from one stretch of slices to the next, while a plain computing loop's CPU time"
                + " stays put: a median can land on either level, the lower quartile is the undisturbed one, and the"
                + " within-round ratios cancel the move). Efficiency: raw's CPU per"
                + " cycle over the variant's, median of the within-round ratios; a bootstrap 95% interval of that median"
                + " (2,000 resamples of the rounds); quartiles of those ratios, and the"
                + " median of each repeat (its own Lockers and connections, at another point of the run). Others: cores"
                + " the rest of the machine kept busy during the slices (/proc/stat, user + system + interrupts, less"
                + " this JVM and the backends; the nice-19 keep-awake loops not counted), median; quieter half: the"
                + " efficiency over the rounds where others kept fewer cores busy than in the median round. JIT: ms the"
                + " JIT compiled during the recorded slices; warm-up rounds (unrecorded, per repeat): at least the mode's"
                + " warm-up, then on until a round saw at most " + Interleaved.QUIET_JIT_MILLIS + " ms of compiling.\n\n");
        md.append("| Kind | Threads | Variant | rounds | cycles/s | ratio | client µs (p25 / median) | server µs (p25 / median)"
                + " | efficiency | 95% CI | quartiles"
                + " | repeats | quieter half | others (cores) | JIT ms | warm-up rounds |\n");
        md.append("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: | --- |\n");
        for (Slices group : groups) {
            for (Variant variant : group.variants) {
                double[] interval = group.efficiencyInterval(variant);
                md.append(fmt("| %s | %d | %s | %d | %,.0f | %.3f | %.1f / %.1f | %.1f / %.1f | %.3f | %.3f–%.3f | %.3f–%.3f | %s | %.3f"
                        + " | %.2f | %d | %s |\n",
                        group.kind.id, group.threads, variant.label, group.rounds(), group.rate(variant),
                        group.ratio(variant), group.clientMicros(variant, 25), group.clientMicros(variant),
                        group.serverMicros(variant, 25), group.serverMicros(variant),
                        group.efficiency(variant), interval[0], interval[1], group.efficiencyPercentile(variant, 25),
                        group.efficiencyPercentile(variant, 75),
                        Arrays.stream(group.repeatEfficiencies(variant)).mapToObj(x -> fmt("%.3f", x))
                                .collect(Collectors.joining(", ")), group.quietEfficiency(variant), group.othersCores(),
                        group.compileMillis(), group.repeats.stream().map(r -> Integer.toString(r.warmupRounds()))
                                .collect(Collectors.joining(", "))));
            }
        }
        md.append('\n');
    }

    private void manyDetails(StringBuilder md) {
        if (many.isEmpty()) {
            return;
        }
        md.append("Cases 10 and 11: one Locker takes locks from ").append(ManyLocks.THREADS)
                .append(" threads at once (blocking acquires, default timeout) up to each count; then the server"
                        + " sessions with its application_name in pg_stat_activity, what stats() says, the JVM heap after"
                        + " a full GC (System.gc() until two readings agree within 64 KiB) and the server's memory for"
                        + " those sessions (sum of the backends' PSS, /proc/<pid>/smaps_rollup). Server: ")
                .append(manyServer).append(".\n\n");
        for (ManyLocks.Series series : many) {
            md.append(fmt("%s (pool size %,d): heap %s per Lock handle (%,d handles made before any acquire)",
                    series.label(), series.poolSize(), series.handles() >= 5_000 ? fmt("%,.0f B", series.bytesPerHandle())
                            : "n/a (too few handles to rise above the GC measurement's noise)", series.handles()));
            if (series.stopped() != null) {
                md.append("; stopped: ").append(series.stopped());
            }
            md.append(".\n\n");
            md.append("| Locks held | Sessions (pg_stat_activity) | In use (stats) | Most locks on one session"
                    + " | Heap above handles (KiB) | per lock (B) | Server PSS of the sessions (MiB) |\n");
            md.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            for (ManyLocks.Point p : series.points()) {
                long above = p.heapBytes() - series.heapWithHandles();
                md.append(fmt("| %,d | %,d | %,d | %,d | %,.0f | %,.0f | %s |\n", p.locks(), p.sessions(), p.inUse(),
                        p.maxLocksPerSession(), above / 1024.0, (double) above / p.locks(),
                        p.serverPssBytes() < 0 ? "n/a" : fmt("%,.1f", p.serverPssBytes() / 1048576.0)));
            }
            md.append('\n');
        }
    }

    private void latencyDetails(StringBuilder md) {
        if (!tryLatency.isEmpty()) {
            md.append("Case 9, uncontended try-acquire latency (acquire(false) on a free key, the release after it not"
                    + " timed; 64 keys in turn; variants in alternating batches):\n\n");
            percentileTable(md, tryLatency);
        }
        if (!sessionCost.isEmpty()) {
            md.append("Case 9, what a statement costs on a session that holds many locks: raw JDBC, one connection per"
                    + " count holding that many locks, try + unlock cycles on another key, the counts in turn three times,"
                    + " medians:\n\n");
            md.append("| Locks held by the session | wall µs per cycle | client CPU µs | server CPU µs |\n");
            md.append("| ---: | ---: | ---: | ---: |\n");
            for (ManyLocks.SessionCost cost : sessionCost) {
                md.append(fmt("| %,d | %.1f | %.1f | %.1f |\n", cost.held(), cost.wallMicros(), cost.clientMicros(),
                        cost.serverMicros()));
            }
            md.append('\n');
        }
        if (!handoff.isEmpty()) {
            md.append("Case 4, handoff (the holder's release() call to the waiter's acquire() returning; variants in"
                    + " alternating batches):\n\n");
            percentileTable(md, handoff);
        }
        if (!election.isEmpty()) {
            md.append("Case 12, leader hand-over (a leader's close() to the next leader's onGained; the next candidate"
                    + " waits at the server):\n\n");
            percentileTable(md, election);
        }
    }

    private static void percentileTable(StringBuilder md, Map<String, Samples> byVariant) {
        md.append("| Variant | n | p50 (ms) | p90 | p99 | p99.9 | max |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        byVariant.forEach((variant, s) -> md.append(fmt("| %s | %,d | %.3f | %.3f | %.3f | %.3f | %.3f |\n", variant,
                s.size(), s.percentileMillis(50), s.percentileMillis(90), s.percentileMillis(99),
                s.percentileMillis(99.9), s.maxMillis())));
        md.append('\n');
    }

    private void jmhDetails(StringBuilder md) {
        if (cycles.isEmpty()) {
            return;
        }
        md.append("JMH runs (one fork each, PALs and raw alternating; cycles/s ± 99.9% error; allocation per cycle by"
                + " `-prof gc`; ratio to the raw run of the same round, kind and threads):\n\n");
        md.append("| Round | Kind | Threads | Variant | cycles/s | ± | ratio | B/cycle |\n");
        md.append("| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: |\n");
        for (CycleResult c : cycles) {
            double raw = cycles.stream().filter(r -> r.variant == Variant.RAW && r.round == c.round && r.kind == c.kind
                    && r.threads == c.threads).mapToDouble(CycleResult::score).findFirst().orElse(Double.NaN);
            md.append(fmt("| %d | %s | %d | %s | %,.0f | %,.0f | %.2f | %s |\n", c.round + 1, c.kind.id, c.threads,
                    c.variant.label, c.score, c.error, c.score / raw,
                    Double.isNaN(c.allocBytes) ? "–" : fmt("%,.0f", c.allocBytes)));
        }
        md.append('\n');
    }

    private void statementDetails(StringBuilder md) {
        if (costs.isEmpty()) {
            return;
        }
        md.append("Statements the server counted (pg_stat_statements), per variant and kind:\n\n");
        costs.forEach((what, cost) -> {
            md.append("- ").append(what).append(": ");
            md.append(cost.statements().entrySet().stream().map(e -> e.getValue() + " × `" + e.getKey() + "`")
                    .collect(Collectors.joining("; ")));
            md.append('\n');
        });
    }

    private static String threads(int threads) {
        return threads + (threads == 1 ? " thread" : " threads");
    }

    private static String latency(Samples samples) {
        return fmt("%.2f / %.2f / %.2f", samples.percentileMillis(50), samples.percentileMillis(99), samples.maxMillis());
    }

    private static void row(StringBuilder md, String... cells) {
        md.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    private static String yesNo(boolean met) {
        return met ? "yes" : "**no**";
    }

    static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
