package dev.pals.benchmarks;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the cores out of deep idle states during a run: one busy loop per core, in a separate process
 * at {@code nice -n 19} (Java thread priorities are ignored on Linux), so it only takes what the run
 * leaves idle. Without it, single-thread round-trip figures on these VMs swing 2–5×.
 */
final class KeepAwake implements AutoCloseable {
    private final List<Process> loops = new ArrayList<>();

    private KeepAwake() {
    }

    /** Starts {@code count} busy loops; none if {@code count} is 0 or {@code nice} is missing. */
    static KeepAwake start(int count) {
        KeepAwake awake = new KeepAwake();
        for (int i = 0; i < count; i++) {
            try {
                Process loop = new ProcessBuilder("nice", "-n", "19", "sh", "-c", "while :; do :; done")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                awake.loops.add(loop);
            } catch (IOException e) {
                System.out.println("cannot keep the cores awake (" + e.getMessage() + "): figures may swing");
                break;
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(awake::close, "bench-keep-awake-stop"));
        return awake;
    }

    boolean active() {
        return !loops.isEmpty() && loops.stream().allMatch(Process::isAlive);
    }

    int count() {
        return loops.size();
    }

    @Override
    public void close() {
        for (Process loop : loops) {
            loop.destroy();
        }
    }
}
