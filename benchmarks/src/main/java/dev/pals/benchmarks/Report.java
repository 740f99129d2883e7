package dev.pals.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** What a run measured, and its table. Only measured numbers; the Python figures are labelled as quoted. */
final class Report {
    static final double CYCLE_TARGET = 0.85;
    static final int[] THREADS = {1, 4};

    final Map<String, String> env = new LinkedHashMap<>();
    final List<Interleaved.Result> slices = new ArrayList<>();
    final List<CycleResult> cycles = new ArrayList<>();
    final Map<String, LoadCases.Cost> costs = new LinkedHashMap<>();
    final Map<String, Samples> handoff = new LinkedHashMap<>();
    final Map<String, Samples> timeout = new LinkedHashMap<>();
    Connections connections;

    record CycleResult(int round, int threads, Cycle.Kind kind, Variant variant, double score, double error,
            double allocBytes) {
    }

    record Connections(int locksHeld, int serverSessions, int inUse, int serverSessionsAfterReacquire,
            int inUseAfterRelease) {
    }

    private List<CycleResult> of(Cycle.Kind kind, int threads, Variant variant) {
        return cycles.stream().filter(c -> c.kind == kind && c.threads == threads && c.variant == variant)
                .collect(Collectors.toList());
    }

    /** Median over rounds. */
    double score(Cycle.Kind kind, int threads, Variant variant) {
        return median(of(kind, threads, variant).stream().mapToDouble(CycleResult::score).toArray());
    }

    double alloc(Cycle.Kind kind, int threads, Variant variant) {
        return median(of(kind, threads, variant).stream().mapToDouble(CycleResult::allocBytes).toArray());
    }

    private static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    List<Charts.Bar> bars() {
        List<Charts.Bar> bars = new ArrayList<>();
        for (Interleaved.Result result : slices) {
            for (Variant variant : result.variants()) {
                bars.add(new Charts.Bar(result.kind().id + ", " + result.threads()
                        + (result.threads() == 1 ? " thread" : " threads"), variant.label, result.rate(variant)));
            }
        }
        return bars;
    }

    String subtitle() {
        return env.getOrDefault("machine", "?") + "; PostgreSQL " + env.getOrDefault("server_version", "?") + ", "
                + env.getOrDefault("server", "?").replaceAll(" at .*", "") + "; cores kept awake: "
                + (env.getOrDefault("cores kept awake", "no").startsWith("yes") ? "yes" : "no") + "; mode "
                + env.get("mode");
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("| Case | PALs | raw JDBC | PALs / raw | Target | Met? |\n");
        md.append("| --- | ---: | ---: | ---: | --- | --- |\n");
        for (Interleaved.Result result : slices) {
            for (Variant variant : result.variants()) {
                if (variant.isRaw()) {
                    continue;
                }
                double ratio = result.ratio(variant);
                String label = (result.kind() == Cycle.Kind.BLOCKING ? "1" : "2") + ". " + result.kind().id + " cycle, "
                        + result.threads() + (result.threads() == 1 ? " thread" : " threads")
                        + (variant == Variant.PALS ? "" : ", " + variant.label) + " (cycles/s)";
                row(md, label, fmt("%,.0f", result.rate(variant)), fmt("%,.0f", result.rate(Variant.RAW)),
                        fmt("%.2f", ratio), "≥ 0.85", variant == Variant.PALS ? yesNo(ratio >= CYCLE_TARGET) : "–");
            }
        }
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
        }
        Samples palsHandoff = handoff.get(Variant.PALS.label);
        Samples rawHandoff = handoff.get(Variant.RAW.label);
        if (palsHandoff != null && rawHandoff != null) {
            row(md, "4. handoff, 2 threads, holds 10–110 ms: p50 / p99 / max (ms)", latency(palsHandoff),
                    latency(rawHandoff), fmt("%.2f", palsHandoff.percentileMillis(50) / rawHandoff.percentileMillis(50))
                            + " (p50)",
                    "p50 ≤ 0.5, p99 ≤ 2", yesNo(palsHandoff.percentileMillis(50) <= 0.5
                            && palsHandoff.percentileMillis(99) <= 2.0));
        }
        Samples palsTimeout = timeout.get(Variant.PALS.label);
        Samples rawTimeout = timeout.get(Variant.RAW.label);
        if (palsTimeout != null && rawTimeout != null) {
            row(md, "5. acquire with 300 ms timeout on a held key: waited p50 / p99 / max (ms)",
                    latency(palsTimeout), latency(rawTimeout), "–", "p99 in [300, 310]",
                    yesNo(palsTimeout.minMillis() >= 300 && palsTimeout.percentileMillis(99) <= 310));
        }
        for (Cycle.Kind kind : Cycle.Kind.values()) {
            double pals = alloc(kind, 1, Variant.PALS);
            double raw = alloc(kind, 1, Variant.RAW);
            if (!Double.isNaN(pals) && !Double.isNaN(raw)) {
                row(md, "6. allocation per " + kind.id + " cycle, 1 thread (bytes, JMH -prof gc)", fmt("%,.0f", pals),
                        fmt("%,.0f", raw), fmt("%.1f", pals / raw), "–", "–");
            }
        }
        if (connections != null) {
            row(md, "6. connections per held lock", fmt("%.0f", (double) connections.serverSessions() / connections.locksHeld())
                    + " (" + connections.locksHeld() + " locks: " + connections.serverSessions() + " sessions; re-acquire: "
                    + connections.serverSessionsAfterReacquire() + "; after release " + connections.inUseAfterRelease()
                    + " in use)", "1 per thread, for any number of locks", "–", "–", "–");
        }
        row(md, "7. Python PALs 0.4.0 (quoted from the issue, not measured here)",
                "600–960 cycles/s blocking, 1,360 try; about 11 statements per cycle", "pgbench: 11,350 pairs/s", "–",
                "–", "–");
        md.append('\n');
        md.append("Machine and settings:\n\n");
        env.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append('\n');
        if (!slices.isEmpty()) {
            md.append("Cases 1–2 above: ").append(slices.get(0).pairs())
                    .append(" alternating slices per variant on the same worker threads; cycles/s over all of a variant's"
                            + " slices; a ratio is taken within each round of slices, then the median.\n\n");
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
        if (!costs.isEmpty()) {
            md.append("\nStatements the server counted (pg_stat_statements), per variant and kind:\n\n");
            costs.forEach((what, cost) -> {
                md.append("- ").append(what).append(": ");
                md.append(cost.statements().entrySet().stream().map(e -> e.getValue() + " × `" + e.getKey() + "`")
                        .collect(Collectors.joining("; ")));
                md.append('\n');
            });
        }
        return md.toString();
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

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
