package dev.pals.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The chaos run in small: 30 seconds of work under every kind of fault, split over multiplexing on and off,
 * checked by the witness. Only the properties are asserted (never a speed): no exclusion violation among
 * untouched holders, no lost lock left untold, nothing left on the server and every worker's counters adding
 * up, no acquire past its bound. The seed is printed; replay with {@code -Dpals.seed=<seed>}.
 */
class ChaosSmokeTest {

    static long seed() {
        String given = System.getProperty("pals.seed");
        long seed = given != null && !given.isBlank() ? Long.parseLong(given) : new java.security.SecureRandom().nextLong();
        System.out.println("ChaosSmokeTest seed " + seed + " (replay: -Dpals.seed=" + seed + ")");
        return seed;
    }

    static List<Result> run(long seed, String... args) throws Exception {
        Chaos chaos = new Chaos();
        new CommandLine(chaos).parseArgs(args);
        return chaos.runAll(seed, line -> {
            System.out.println(line);
            System.out.flush();
        });
    }

    @Test
    @Timeout(300)
    void underEveryKindOfFaultTheLocksExcludeAndNothingIsLeftBehind() throws Exception {
        long seed = seed();
        Path out = Path.of("target", "chaos-smoke");
        List<Result> results = run(seed, "--preset", "smoke", "--modes", "on,off", "--out", out.toString());
        String report = Report.markdown(results);
        Files.writeString(out.resolve("chaos-results.md"), report);
        System.out.println(report);

        assertThat(results).hasSize(2);
        for (Result r : results) {
            String in = r.mode + ", seed " + seed + ": " + Report.summary(r);
            assertThat(r.cycles).as(in).isPositive();
            for (FaultKind kind : FaultKind.values()) {
                assertThat(r.faults.get(kind)).as(kind + " in " + in).isGreaterThanOrEqualTo(3);
            }
            // 1. No two holders in their sections at once unless a fault touched one of them.
            assertThat(r.violations).as(in).isZero();
            // 2. No lost lock went untold (how fast it was told is reported, not asserted: a busy CI machine).
            assertThat(r.neverTold).as(in).isZero();
            assertThat(r.overlapsLostNeverTold).as(in).isZero();
            // 3. Nothing left on the server; every worker's counters add up.
            assertThat(r.locksLeftOnServer).as(in).isZero();
            assertThat(r.backendsLeftOnServer).as(in).isZero();
            assertThat(r.counterMismatches).as(in).isEmpty();
            assertThat(r.workerDeaths).as(in).isEmpty();
            assertThat(r.releaseFalseWithoutLost).as(in).isZero();
            assertThat(r.cleanGenerations).as(in).isEqualTo(r.expectedCleanGenerations);
            // 4. No acquire outlived its timeout + network timeout (beyond the scheduling tolerance).
            assertThat(r.acquiresOverBoundBeyondTolerance).as(in).isZero();
            assertThat(r.injectorErrors).as(in).isEmpty();
            // Fencing: holders of fenced keys wrote, and no stale write got past the database's fence.
            assertThat(r.fencedRegister[0]).as(in).isPositive();
            assertThat(r.fencedRegister[1]).as(in).isZero();
        }
    }

    /** The negative control: workers that sometimes skip the lock are caught by the witness. */
    @Test
    @Timeout(120)
    void holdersThatSkipTheLockAreCaught() throws Exception {
        long seed = seed();
        List<Result> results = run(seed, "--preset", "smoke", "--modes", "on", "--seconds", "2", "--faults", "none",
                "--workers", "1", "--threads", "4", "--keys", "1", "--unsafe-every", "10", "--out",
                Path.of("target", "chaos-negative-control").toString());

        Result r = results.get(0);
        assertThat(r.violations).as(Report.summary(r)).isPositive();
        assertThat(r.property1()).isFalse();
        // The rest stays clean: only the exclusion was broken.
        assertThat(r.locksLeftOnServer).isZero();
        assertThat(r.counterMismatches).isEmpty();
    }
}
