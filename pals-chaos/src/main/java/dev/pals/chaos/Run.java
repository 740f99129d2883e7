package dev.pals.chaos;

import dev.pals.testing.TcpProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One run in one mode: its own PostgreSQL, the witness process, one proxy and one worker process per
 * worker, the injector; then the workers are stopped, the server is checked for locks and sessions left
 * behind, the witness writes out, and {@link Analysis} computes the numbers.
 */
final class Run {
    /** How far past its bound an acquire may end before it counts against property 4: scheduling on a busy machine. */
    static final long TOLERANCE_MILLIS = 250;

    private final Settings settings;
    private final Consumer<String> progress;

    Run(Settings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
    }

    static List<String> javaCommand(String... options) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(options));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        return command;
    }

    Result run() throws Exception {
        long wallStart = System.nanoTime();
        Path out = settings.out();
        Path witnessDir = out.resolve("witness");
        Path logDir = out.resolve("server-log");
        Path workerLogs = out.resolve("workers");
        for (Path dir : List.of(witnessDir, logDir, workerLogs)) {
            Files.createDirectories(dir);
        }
        Result facts = new Result();
        facts.loadBefore = load();
        facts.loadMax = facts.loadBefore;
        facts.toleranceMillis = TOLERANCE_MILLIS;
        String applicationName = "pals:" + Settings.APP;

        List<WorkerSlot> slots = new ArrayList<>();
        List<TcpProxy> proxies = new ArrayList<>();
        Process witness = null;
        Injector injector = null;
        // Should this process be ended (Ctrl-C), no worker may stay behind, least of all a stopped one.
        Thread cleanUp = new Thread(() -> slots.forEach(WorkerSlot::destroy), "chaos-clean-up");
        Runtime.getRuntime().addShutdownHook(cleanUp);
        // What the embedded server's tools say (pg_ctl's output, zonky's notes) goes to a file of the run.
        java.util.logging.Logger zonky = java.util.logging.Logger.getLogger("io.zonky");
        java.util.logging.FileHandler serverTools = new java.util.logging.FileHandler(out.resolve("server-tools.log")
                .toString());
        serverTools.setFormatter(new java.util.logging.SimpleFormatter());
        serverTools.setLevel(java.util.logging.Level.ALL);
        zonky.setLevel(java.util.logging.Level.ALL);
        zonky.addHandler(serverTools);
        try (Server server = new Server(logDir)) {
            try (Connection connection = server.connect()) {
                FencedWrites.create(connection, settings.fencedKeys());
            }
            Witness.Started started = Witness.start(witnessDir, out.resolve("witness.log"));
            witness = started.process();
            int witnessPort = started.port();
            try (Control control = new Control(witnessPort)) {
                List<String> workerJvm = javaCommand(System.getProperty("chaos.workerJvm",
                        "-Xms64m -Xmx160m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k").split(" "));
                for (int i = 0; i < settings.workers(); i++) {
                    TcpProxy proxy = TcpProxy.start("127.0.0.1", server.port());
                    proxies.add(proxy);
                    int worker = i;
                    String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres";
                    slots.add(new WorkerSlot(i, proxy, generation -> new WorkerConfig(worker, generation, witnessPort,
                            url, Settings.APP, settings.seed(), settings.threads(), settings.keys(),
                            settings.multiplexing(), settings.checkInterval().toMillis(),
                            settings.networkTimeout().toMillis(), settings.fencedKeys(), settings.unsafeEvery()), workerJvm,
                            workerLogs));
                }
                for (WorkerSlot slot : slots) {
                    slot.start();
                }
                awaitFirstHolds(control);

                control.mark("RUN", "start", -1, -1, settings.mode() + ", seed " + settings.seed());
                injector = new Injector(settings, server, slots, control, applicationName);
                injector.start();
                long runStart = System.nanoTime();
                long nextReport = runStart + TimeUnit.SECONDS.toNanos(10);
                while (!done(runStart, control, injector)) {
                    if (injector.fatal() != null) {
                        throw new IllegalStateException("the run cannot go on: " + injector.fatal());
                    }
                    Thread.sleep(250);
                    facts.loadMax = Math.max(facts.loadMax, load());
                    if (System.nanoTime() >= nextReport) {
                        nextReport += TimeUnit.SECONDS.toNanos(10);
                        long[] status = control.status();
                        progress.accept(String.format("[%s] %4.0f s: %,d cycles, %,d overlaps, %,d lost, faults %s, load %.1f",
                                settings.mode(), injector.elapsedSeconds(), status[0], status[1], status[2],
                                injector.counts(), load()));
                    }
                }
                injector.stop();
                control.mark("RUN", "end", -1, -1, "");
                facts.faults = injector.counts();
                facts.injectorErrors = injector.errors();

                for (WorkerSlot slot : slots) {
                    slot.requestStop();
                }
                List<String> deaths = new ArrayList<>();
                for (WorkerSlot slot : slots) {
                    int code = slot.awaitExit(90);
                    if (code != 0) {
                        deaths.add("worker " + slot.id + " generation " + slot.generation() + " ended with code " + code
                                + " when told to stop");
                    }
                    deaths.addAll(slot.deaths());
                }
                facts.workerDeaths = deaths;
                facts.expectedCleanGenerations = slots.size();
                long[] left = leftOnServer(server, applicationName);
                facts.locksLeftOnServer = left[0];
                facts.backendsLeftOnServer = left[1];
                try (Connection connection = server.connect()) {
                    facts.fencedRegister = FencedWrites.totals(connection, FencedWrites.FENCED);
                    facts.unfencedRegister = FencedWrites.totals(connection, FencedWrites.UNFENCED);
                }
                try {
                    control.finish();
                } catch (IOException e) {
                    throw new IllegalStateException("the witness did not answer its finish (exit code "
                            + (witness.waitFor(10, TimeUnit.SECONDS) ? witness.exitValue() : "none yet") + "); see "
                            + out.resolve("witness.log"), e);
                }
            }
            if (!witness.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the witness did not exit");
            }
        } finally {
            zonky.removeHandler(serverTools);
            serverTools.close();
            Runtime.getRuntime().removeShutdownHook(cleanUp);
            if (injector != null) {
                injector.stop();
            }
            for (WorkerSlot slot : slots) {
                slot.destroy();
            }
            for (TcpProxy proxy : proxies) {
                proxy.close();
            }
            if (witness != null) {
                witness.destroyForcibly();
            }
        }
        facts.wallMinutes = (System.nanoTime() - wallStart) / 60e9;
        Result result = Analysis.analyze(settings, witnessDir, ServerLog.read(logDir, applicationName), facts);
        Files.writeString(out.resolve("result.json"), result.toJson().toString(2));
        return result;
    }

    /** The minimum duration passed, the cycle target was met and every kind of fault had its count; or the cap. */
    private boolean done(long runStart, Control control, Injector injector) throws IOException {
        long elapsed = System.nanoTime() - runStart;
        if (elapsed >= settings.maxDuration().toNanos()) {
            return true;
        }
        if (elapsed < settings.duration().toNanos() || control.status()[0] < settings.cycleTarget()) {
            return false;
        }
        Map<FaultKind, Integer> counts = injector.counts();
        return settings.faults().stream().allMatch(kind -> counts.get(kind) >= settings.faultsPerKind());
    }

    private void awaitFirstHolds(Control control) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (control.status()[0] < settings.workers()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the workers did not start working within 120 s: see "
                        + settings.out().resolve("workers"));
            }
            Thread.sleep(100);
        }
    }

    /**
     * Advisory locks and PALs sessions on the server once every worker has ended. A closed connection's
     * backend leaves shortly after the close: sessions are counted until none are left or 10 s passed.
     */
    private static long[] leftOnServer(Server server, String applicationName) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
            while (true) {
                long locks = count(statement, "select count(*) from pg_locks where locktype = 'advisory'");
                long backends = count(statement, "select count(*) from pg_stat_activity where application_name = '"
                        + applicationName + "'");
                if ((locks == 0 && backends == 0) || System.nanoTime() > deadline) {
                    return new long[] {locks, backends};
                }
                Thread.sleep(100);
            }
        }
    }

    private static long count(Statement statement, String sql) throws SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The one-minute load average, or NaN where /proc does not tell. */
    static double load() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
