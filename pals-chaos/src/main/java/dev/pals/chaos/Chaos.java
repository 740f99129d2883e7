package dev.pals.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The chaos run: worker processes lock, enter and leave critical sections under injected faults while a
 * witness process checks mutual exclusion; once per multiplexing mode. Prints the seed first, the numbers
 * last; exits 0 when properties 1, 3 and 4 hold in every mode (property 2 is reported with its numbers).
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Lock cycles across worker processes under injected faults, checked by an outside witness.")
public final class Chaos implements Callable<Integer> {
    @Option(names = "--preset", description = "full (per mode: 10 minutes and 1,000,000 cycles at least, 110 faults"
            + " of each kind per 10 minutes) or smoke (30 seconds over the modes, 3 faults of each kind per mode)."
            + " Default: ${DEFAULT-VALUE}.", defaultValue = "full")
    String preset;

    @Option(names = "--seed", description = "Seed of the fault schedule and of every worker thread's choices."
            + " Default: a random one, printed.")
    Long seed;

    @Option(names = "--modes", split = ",", description = "Multiplexing modes to run, in order: on, off."
            + " Default: on,off.", defaultValue = "on,off")
    List<String> modes;

    @Option(names = "--seconds", description = "Seconds of work under faults per mode, at least (overrides the preset).")
    Integer seconds;

    @Option(names = "--workers", description = "Worker processes (overrides the preset: 2 full, 4 smoke).")
    Integer workers;

    @Option(names = "--threads", description = "Threads per worker (overrides the preset).")
    Integer threads;

    @Option(names = "--keys", description = "Lock names the threads pick from (overrides the preset).")
    Integer keys;

    @Option(names = "--fenced-keys", description = "Keys whose exclusive holders take fencing tokens and write with"
            + " them (overrides the preset: 2 full, 4 smoke).")
    Integer fencedKeys;

    @Option(names = "--cycles", description = "Go on until this many cycles (overrides the preset: 1,000,000 full, 0 smoke).")
    Long cycles;

    @Option(names = "--faults-per-kind", description = "Faults of each kind per mode (overrides the preset).")
    Integer faultsPerKind;

    @Option(names = "--faults", split = ",", description = "Kinds of fault to inject (default: all), or none:"
            + " KILL, TERMINATE, RESTART, FREEZE, DROP, IDLE, PAUSE.")
    List<String> faults;

    @Option(names = "--unsafe-every", description = "Negative control: every n-th cycle of each thread enters its"
            + " section without acquiring the lock; the witness must then report violations. Default: 0 (off).",
            defaultValue = "0")
    int unsafeEvery;

    @Option(names = "--out", description = "Where runs write their records. Default: ${DEFAULT-VALUE}.",
            defaultValue = "target/chaos")
    Path out;

    @Option(names = "--docs", description = "Where to write chaos-results.md and the plots (full runs: docs/).")
    Path docs;

    public static void main(String[] args) {
        // The embedded server logs every start and stop (through slf4j into java.util.logging): keep it quiet.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        for (java.util.logging.Handler handler : java.util.logging.Logger.getLogger("").getHandlers()) {
            handler.setLevel(java.util.logging.Level.WARNING);
        }
        System.exit(new CommandLine(new Chaos()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long runSeed = seed != null ? seed : new java.security.SecureRandom().nextLong();
        System.out.println("chaos: seed " + runSeed + " (replay: --seed " + runSeed + ")");
        List<Result> results = runAll(runSeed, line -> {
            System.out.println(line);
            System.out.flush();
        });
        String table = Report.markdown(results);
        System.out.println();
        System.out.println(table);
        Path reportDir = docs != null ? docs : out;
        Files.createDirectories(reportDir);
        Files.writeString(reportDir.resolve("chaos-results.md"), table);
        for (Result result : results) {
            Plot.write(result, reportDir.resolve(Plot.fileName(result)));
        }
        boolean ok = results.stream().allMatch(r -> r.property1() && r.property3() && r.property4());
        System.out.println("chaos: seed " + runSeed + ": " + (ok ? "properties 1, 3 and 4 hold" : "A PROPERTY FAILED")
                + " in every mode; records in " + out.toAbsolutePath());
        return ok ? 0 : 1;
    }

    List<Result> runAll(long runSeed, java.util.function.Consumer<String> progress) throws Exception {
        List<Result> results = new ArrayList<>();
        for (String mode : modes) {
            boolean multiplexing = switch (mode) {
                case "on" -> true;
                case "off" -> false;
                default -> throw new CommandLine.ParameterException(new CommandLine(this),
                        "--modes takes on and off, not: " + mode);
            };
            Path dir = out.resolve("multiplexing-" + mode);
            Settings settings = switch (preset) {
                case "full" -> Settings.full(runSeed, multiplexing, dir);
                case "smoke" -> Settings.smoke(runSeed, multiplexing, Duration.ofSeconds(30 / Math.max(1, modes.size())), dir);
                default -> throw new CommandLine.ParameterException(new CommandLine(this),
                        "--preset takes full or smoke, not: " + preset);
            };
            if (seconds != null) {
                settings = settings.withDuration(Duration.ofSeconds(seconds));
            }
            if (workers != null || threads != null || keys != null) {
                settings = settings.withShape(workers != null ? workers : settings.workers(),
                        threads != null ? threads : settings.threads(), keys != null ? keys : settings.keys());
            }
            if (fencedKeys != null) {
                settings = settings.withFencedKeys(fencedKeys);
            }
            if (unsafeEvery > 0) {
                settings = settings.withFaults(settings.faults(), unsafeEvery);
            }
            if (cycles != null) {
                settings = settings.withCycleTarget(cycles);
            }
            if (faultsPerKind != null) {
                settings = settings.withFaultsPerKind(faultsPerKind);
            }
            if (faults != null) {
                EnumSet<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
                for (String kind : faults) {
                    if (!kind.equalsIgnoreCase("none")) {
                        try {
                            kinds.add(FaultKind.valueOf(kind.toUpperCase(java.util.Locale.ROOT)));
                        } catch (IllegalArgumentException e) {
                            throw new CommandLine.ParameterException(new CommandLine(this), "--faults: no such kind: "
                                    + kind);
                        }
                    }
                }
                settings = settings.withFaults(kinds, settings.unsafeEvery());
            }
            progress.accept("chaos: " + settings.mode() + ", " + settings.duration().toSeconds() + " s, "
                    + settings.workers() + " workers x " + settings.threads() + " threads, " + settings.keys()
                    + " keys (" + settings.fencedKeys() + " fenced), " + settings.faultsPerKind() + " faults of each kind " + settings.faults());
            Result result = new Run(settings, progress).run();
            progress.accept(Report.summary(result));
            results.add(result);
        }
        return results;
    }
}
