package dev.pals.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertEquals(2 * 3 * 2, report.cycles.size(), "one JMH run per variant, kind and thread count");
        assertEquals(6, report.costs.size(), "costs for PALs and raw, each kind");
        assertFalse(report.handoff.isEmpty());
        assertFalse(report.timeout.isEmpty());
        assertTrue(report.connections != null);
        for (String file : new String[] {"benchmarks-results.md", "benchmarks-throughput.png", "benchmarks-handoff.png"}) {
            assertTrue(Files.size(out.resolve(file)) > 0, file);
        }
        assertTrue(Files.readString(out.resolve("benchmarks-results.md")).contains("| 1. blocking cycle, 1 thread"));
    }
}
