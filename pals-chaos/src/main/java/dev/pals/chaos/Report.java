package dev.pals.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** The run's table (Markdown, one column per mode) and one-line summaries. */
final class Report {
    private Report() {
    }

    static String summary(Result r) {
        return String.format(Locale.ROOT, "chaos: %s: %,d cycles in %.0f s; faults %s; overlaps %,d: %,d explained by"
                + " lost locks told in time, %,d paused, %,d killed holders, %,d told late, %,d never told, %,d"
                + " violations; delay p50/p99/max %.0f/%.0f/%.0f ms; left on server %d locks, %d backends; counters %s;"
                + " acquires over bound %d (beyond tolerance %d); fenced writes %,d, rejected %,d, stale accepted %,d"
                + " (unfenced control: %,d stale of %,d); properties 1 %s, 2 %s, 3 %s, 4 %s, fencing %s",
                r.mode, r.cycles, r.seconds, r.faults, r.overlaps, r.overlapsLostToldInTime, r.overlapsPaused,
                r.overlapsKilled, r.overlapsLostToldLate, r.overlapsLostNeverTold, r.violations, r.delayP50Millis,
                r.delayP99Millis, r.delayMaxMillis, r.locksLeftOnServer, r.backendsLeftOnServer,
                r.counterMismatches.isEmpty() ? "add up" : r.counterMismatches, r.acquiresOverBound,
                r.acquiresOverBoundBeyondTolerance, r.fencedRegister[0], r.fencedRegister[2], r.fencedRegister[1],
                r.unfencedRegister[1], r.unfencedRegister[0], ok(r.property1()), ok(r.property2()), ok(r.property3()),
                ok(r.property4()), ok(r.fencing()));
    }

    private static String ok(boolean ok) {
        return ok ? "hold" : "FAIL";
    }

    static String markdown(List<Result> results) {
        StringBuilder md = new StringBuilder();
        md.append("| | ");
        results.forEach(r -> md.append(r.mode).append(" | "));
        md.append("\n| --- |");
        results.forEach(r -> md.append(" ---: |"));
        md.append("\n");
        row(md, results, "run", r -> String.format(Locale.ROOT, "%.0f s, %d workers × %d threads, %d keys", r.seconds,
                r.workers, r.threads, r.keys));
        row(md, results, "acquire/release cycles", r -> String.format(Locale.ROOT, "%,d (%,.0f/s)", r.cycles,
                r.cycles / Math.max(1, r.seconds)));
        for (FaultKind kind : FaultKind.values()) {
            row(md, results, "faults: " + kind.label(), r -> String.format(Locale.ROOT, "%,d", r.faults.getOrDefault(kind, 0)));
        }
        row(md, results, "sessions that ended (server log)", r -> {
            List<String> parts = new ArrayList<>();
            int total = 0;
            for (Map.Entry<String, Integer> e : r.sessionEnds.entrySet()) {
                total += e.getValue();
                parts.add(String.format(Locale.ROOT, "%,d %s", e.getValue(), e.getKey()));
            }
            return String.format(Locale.ROOT, "%,d: %s", total, String.join(", ", parts));
        });
        row(md, results, "locks reported lost (`onLost`)", r -> String.format(Locale.ROOT, "%,d", r.lostReported));
        row(md, results, "**1. exclusion violations among holders no fault touched**", r -> bold(r.violations));
        row(md, results, "overlaps the witness saw (pairs of holders)", r -> String.format(Locale.ROOT, "%,d", r.overlaps));
        row(md, results, "**2.** overlaps explained by a lost lock, told within interval + 1 s",
                r -> String.format(Locale.ROOT, "%,d", r.overlapsLostToldInTime));
        row(md, results, "**2.** overlaps with a lost lock told late / never told / delay unknown",
                r -> String.format(Locale.ROOT, "%d / %d / %d", r.overlapsLostToldLate, r.overlapsLostNeverTold,
                        r.overlapsLostDelayUnknown));
        row(md, results, "**2.** paused-process overlaps (the documented limit)",
                r -> String.format(Locale.ROOT, "%,d", r.overlapsPaused));
        row(md, results, "overlaps with a holder killed (before the overlap, or after its session ended but before it could be told)",
                r -> String.format(Locale.ROOT, "%,d", r.overlapsKilled));
        row(md, results, "detection delay, session end → `onLost` at the witness: p50 / p99 / max",
                r -> Double.isNaN(r.delayMaxMillis) || r.lostDelayKnown == 0 ? "–"
                        : String.format(Locale.ROOT, "%.0f / %.0f / %.0f ms (%,d locks)", r.delayP50Millis,
                                r.delayP99Millis, r.delayMaxMillis, r.lostDelayKnown));
        row(md, results, "lost locks told later than interval + 1 s (not paused)",
                r -> String.format(Locale.ROOT, "%,d", r.lostToldLate));
        row(md, results, "lost locks told before the server ended the session (frozen path)",
                r -> String.format(Locale.ROOT, "%,d", r.lostToldBeforeServerEnd));
        row(md, results, "lost locks of paused processes: longest delay",
                r -> Double.isNaN(r.pausedDelayMaxMillis) ? String.format(Locale.ROOT, "%,d locks", r.lostPaused)
                        : String.format(Locale.ROOT, "%,d locks, %.0f ms", r.lostPaused, r.pausedDelayMaxMillis));
        row(md, results, "sessions ended while held, never reported lost",
                r -> String.format(Locale.ROOT, "%d", r.neverTold));
        row(md, results, "**3.** advisory locks / PALs backends left on the server",
                r -> String.format(Locale.ROOT, "%d / %d", r.locksLeftOnServer, r.backendsLeftOnServer));
        row(md, results, "**3.** workers whose counters add up (acquired = released + lost)",
                r -> String.format(Locale.ROOT, "%d of %d (%d killed generations)", r.cleanGenerations
                        - r.counterMismatches.size(), r.expectedCleanGenerations, r.killedGenerations));
        row(md, results, "**4.** acquires over timeout + network timeout (beyond " + results.get(0).toleranceMillis + " ms)",
                r -> String.format(Locale.ROOT, "%d (%d)%s", r.acquiresOverBound, r.acquiresOverBoundBeyondTolerance,
                        Double.isNaN(r.maxExcessMillis) ? "" : String.format(Locale.ROOT, ", max %.0f ms over",
                                r.maxExcessMillis)));
        row(md, results, "fenced writes (exclusive holders of " + results.get(0).fencedKeys + " keys, entering and leaving):"
                + " accepted / rejected as stale by the fence / failed by a fault (workers that ended cleanly)",
                r -> String.format(Locale.ROOT, "%,d / %,d / %,d", r.fencedRegister[0], r.fencedRegister[2],
                        r.fencedWritesOfCleanWorkers.getOrDefault(FencedWrites.Outcome.FAILED.name(), 0L)));
        row(md, results, "**fencing: stale writes the fenced register accepted**", r -> bold(r.fencedRegister[1]));
        row(md, results, "control: stale writes the same holders made to an unfenced register (of all its writes)",
                r -> String.format(Locale.ROOT, "%,d (of %,d)", r.unfencedRegister[1], r.unfencedRegister[0]));
        row(md, results, "acquires that failed, by reason (workers that ended cleanly)", r -> r.failuresOfCleanWorkers.isEmpty()
                ? "none" : r.failuresOfCleanWorkers.toString().replace("{", "").replace("}", "").replace("=", ": "));
        row(md, results, "load average: before / highest; wall time",
                r -> String.format(Locale.ROOT, "%.1f / %.1f; %.1f min", r.loadBefore, r.loadMax, r.wallMinutes));
        row(md, results, "properties 1 / 2 / 3 / 4; fencing", r -> ok(r.property1()) + " / " + ok(r.property2()) + " / "
                + ok(r.property3()) + " / " + ok(r.property4()) + "; " + ok(r.fencing()));
        md.append("\nSeed ").append(results.get(0).seed).append(".\n");
        for (Result r : results) {
            List<String> notes = new ArrayList<>();
            notes.addAll(r.examples);
            notes.addAll(r.counterMismatches);
            notes.addAll(r.workerDeaths);
            notes.addAll(r.injectorErrors);
            if (!notes.isEmpty()) {
                md.append("\n").append(r.mode).append(":\n\n");
                notes.forEach(note -> md.append("- ").append(note).append("\n"));
            }
        }
        return md.toString();
    }

    private static String bold(long n) {
        return "**" + String.format(Locale.ROOT, "%,d", n) + "**";
    }

    private static void row(StringBuilder md, List<Result> results, String label, Function<Result, String> value) {
        md.append("| ").append(label).append(" |");
        for (Result r : results) {
            md.append(" ").append(value.apply(r)).append(" |");
        }
        md.append("\n");
    }
}
