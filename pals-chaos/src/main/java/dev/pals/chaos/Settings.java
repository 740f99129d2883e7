package dev.pals.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * One run's settings.
 *
 * @param duration how long the workers run under faults, at least
 * @param cycleTarget the run goes on (faults too, at the same pace) until this many cycles were seen
 * @param maxDuration ... but never longer than this
 * @param workers worker processes
 * @param threads threads per worker
 * @param keys lock names the threads pick from
 * @param fencedKeys keys whose exclusive holders take fencing tokens and write with them ({@link FencedWrites})
 * @param seed the run's seed: fault schedule, targets and lengths, and every worker thread's choices
 * @param multiplexing the Lockers' multiplexing setting
 * @param checkInterval the Lockers' {@code lockCheckInterval}
 * @param networkTimeout the Lockers' {@code networkTimeout}
 * @param faultsPerKind faults of each kind over {@code duration} (the pace); the run goes on until each
 *     kind has had at least this many
 * @param faults the kinds injected
 * @param unsafeEvery 0, or a negative control: every n-th cycle enters without the lock
 * @param out where the run writes the witness's records, the server log and the worker logs
 */
record Settings(Duration duration, long cycleTarget, Duration maxDuration, int workers, int threads, int keys, int fencedKeys, long seed, boolean multiplexing,
        Duration checkInterval, Duration networkTimeout, int faultsPerKind, Set<FaultKind> faults, int unsafeEvery,
        Path out) {

    /** The application name of every worker's Locker; its sessions are {@code pals:chaos}. */
    static final String APP = "chaos";

    /** Full run: 10 minutes and 1,000,000 cycles at least, 110 faults of each kind per 10 minutes. */
    static Settings full(long seed, boolean multiplexing, Path out) {
        return new Settings(Duration.ofMinutes(10), 1_000_000, Duration.ofMinutes(40), 4, 8, 16, 2, seed, multiplexing, Duration.ofMillis(500),
                Duration.ofSeconds(2), 110, EnumSet.allOf(FaultKind.class), 0, out);
    }

    /** The run inside {@code ./mvnw verify}: 30 seconds (split over the modes), a few faults of each kind. */
    static Settings smoke(long seed, boolean multiplexing, Duration duration, Path out) {
        return new Settings(duration, 0, duration.multipliedBy(4), 4, 6, 16, 4, seed, multiplexing, Duration.ofMillis(500), Duration.ofSeconds(2), 3,
                EnumSet.allOf(FaultKind.class), 0, out);
    }

    Settings withDuration(Duration newDuration) {
        return new Settings(newDuration, cycleTarget, maxDuration.compareTo(newDuration.multipliedBy(2)) < 0
                ? newDuration.multipliedBy(4) : maxDuration, workers, threads, keys, fencedKeys, seed, multiplexing, checkInterval, networkTimeout,
                faultsPerKind, faults, unsafeEvery, out);
    }

    Settings withShape(int newWorkers, int newThreads, int newKeys) {
        return new Settings(duration, cycleTarget, maxDuration, newWorkers, newThreads, newKeys, Math.min(fencedKeys, newKeys), seed, multiplexing, checkInterval, networkTimeout,
                faultsPerKind, faults, unsafeEvery, out);
    }

    Settings withCycleTarget(long target) {
        return new Settings(duration, target, maxDuration, workers, threads, keys, fencedKeys, seed, multiplexing, checkInterval,
                networkTimeout, faultsPerKind, faults, unsafeEvery, out);
    }

    Settings withFaultsPerKind(int n) {
        return new Settings(duration, cycleTarget, maxDuration, workers, threads, keys, fencedKeys, seed, multiplexing, checkInterval,
                networkTimeout, n,
                faults, unsafeEvery, out);
    }

    Settings withFaults(Set<FaultKind> kinds, int unsafe) {
        return new Settings(duration, cycleTarget, maxDuration, workers, threads, keys, fencedKeys, seed, multiplexing, checkInterval,
                networkTimeout, faultsPerKind, kinds, unsafe, out);
    }

    Settings withFencedKeys(int n) {
        return new Settings(duration, cycleTarget, maxDuration, workers, threads, keys, Math.min(n, keys), seed, multiplexing,
                checkInterval, networkTimeout, faultsPerKind, faults, unsafeEvery, out);
    }

    String mode() {
        return multiplexing ? "multiplexing on" : "multiplexing off";
    }
}
