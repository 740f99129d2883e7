package dev.pals.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The harness runs end to end in its tiny smoke mode: every case, PALs and raw JDBC, the table and the
 * plots. It checks that it runs and reports, never how fast anything was.
 */
class BenchSmokeTest {

    @Test
    @Timeout(180)
    void theHarnessRunsEveryCaseAndWritesTheTableAndPlots() throws Exception {
        Path out = Paths.get("target", "bench-smoke");
        Report report = Bench.run(Bench.Mode.SMOKE, out);

        assertEquals(3 * 2, report.slices.size(), "interleaved slices per kind and thread count");
        assertEquals(2 * 3, report.sliceGroups().size());
        for (Interleaved.Result result : report.slices) {
            for (double[] perRound : result.clientNanos()) {
                for (double nanos : perRound) {
                    assertTrue(nanos > 0, "client CPU per cycle read: " + nanos);
                }
            }
        }
        assertEquals(2 * 3 * 2, report.cycles.size(), "one JMH run per variant, kind and thread count");
        assertEquals(8, report.costs.size(), "costs for PALs and raw, each kind, and fenced PALs for the exclusive ones");
        assertEquals(4, report.handoff.size(), "handoff: in one Locker, across two, multiplexing off, raw");
        assertFalse(report.timeout.isEmpty());
        assertEquals(1, report.election.size(), "leader hand-over");
        assertTrue(report.election.values().iterator().next().size() > 0, "leader hand-overs measured");
        assertEquals(3, report.tryLatency.size(), "try latency: many held, none held, raw");
        assertEquals(2, report.many.size(), "held locks against sessions, multiplexing on and off");
        for (ManyLocks.Series series : report.many) {
            assertNull(series.stopped(), series.label() + " reached its last checkpoint");
            ManyLocks.Point last = series.last();
            assertEquals(Bench.checkpoints(last.locks()).length, series.points().size());
            assertTrue(last.sessions() >= 1);
        }
        for (String file : new String[] {"benchmarks-results.md", "benchmarks-throughput.png", "benchmarks-handoff.png",
            "benchmarks-cpu.png", "benchmarks-sessions.png", "benchmarks-try.png"}) {
            assertTrue(Files.size(out.resolve(file)) > 0, file);
        }
        String table = Files.readString(out.resolve("benchmarks-results.md"));
        assertTrue(table.contains("| 1. blocking cycle, 1 thread"), table);
        assertTrue(table.contains("| 8. CPU per blocking cycle, 1 thread"), table);
        assertTrue(table.contains("| 10. server sessions for"), table);
        assertTrue(table.contains("| 12. leader hand-over"), table);
        assertTrue(table.contains("fenced (token taken with the lock)"), table);
    }
}
