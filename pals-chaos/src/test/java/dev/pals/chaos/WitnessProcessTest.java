package dev.pals.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The witness as the chaos run uses it, a process of its own: asked to finish, it answers and then exits
 * with 0, every time. It once ended its process as soon as it had closed its listening socket, sometimes
 * before its answer had left, and the run failed with "the witness did not answer its finish".
 */
class WitnessProcessTest {
    private static final int ROUNDS = 20;

    @TempDir
    Path dir;

    @Test
    void theWitnessAnswersFinishBeforeItExits() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Path log = dir.resolve("witness-" + round + ".log");
            Witness.Started witness = Witness.start(dir.resolve("witness-" + round), log);
            try (Control control = new Control(witness.port())) {
                control.mark("RUN", "start", -1, -1, "round " + round);
                control.finish(); // throws if the answer does not come
                assertThat(witness.process().waitFor(60, TimeUnit.SECONDS)).as("the witness exits, round %d", round)
                        .isTrue();
                assertThat(witness.process().exitValue()).as("exit code, round %d; see %s", round, log).isZero();
            } finally {
                witness.process().destroyForcibly();
            }
        }
    }
}
