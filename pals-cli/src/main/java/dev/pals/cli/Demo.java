package dev.pals.cli;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.micrometer.MeterNames;
import dev.pals.micrometer.PalsMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** The scenes of {@code pals demo}, on one Locker of application {@value #APP} with metrics bound. */
final class Demo {
    static final String APP = "pals-demo";
    /** The lock names the demo uses (so its {@code pals locks} table can name them). */
    static final List<String> NAMES = List.of("nightly-report", "inventory", "payments", "cleanup");
    private static final Duration WORK = Duration.ofMillis(300);
    private static final Duration PAUSE = Duration.ofMillis(300);
    private static final Duration SCENE_LIMIT = Duration.ofSeconds(10);

    private final PrintWriter out;
    private final Server server;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "pals-demo-worker");
        thread.setDaemon(true);
        return thread;
    });
    private final CountDownLatch lostReported = new CountDownLatch(1);
    private long sceneStart = System.nanoTime();

    Demo(PrintWriter out, Server server) {
        this.out = out;
        this.server = server;
    }

    void run() throws Exception {
        long start = System.nanoTime();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PalsMetrics metrics = PalsMetrics.builder(registry).build();
        List<Locker> services = new ArrayList<>();
        try (Connection admin = server.connect(LocksCommand.APPLICATION_NAME + " (demo admin)");
                Locker locker = server.locker(APP)
                        .acquireTimeout(SCENE_LIMIT)
                        .lockCheckInterval(Duration.ofMillis(250))
                        .onLockLost(this::lost)
                        .listener(metrics)
                        .build()) {
            // The workers are instances of one service, each with its Locker, as separate processes would be:
            // what they wait for shows at the server. (Handles of one Locker wait in the process instead.)
            for (int i = 0; i < 3; i++) {
                services.add(server.locker(APP).acquireTimeout(SCENE_LIMIT).listener(metrics).build());
            }
            warmUp(locker);
            for (Locker service : services) {
                warmUp(service);
            }
            metrics.bindTo(locker); // after the warm-up: events before bindTo are not counted
            out.println("PostgreSQL " + serverVersion(admin) + "; workers on Lockers of their own, as instances of one"
                    + " service would be, JooqLocker.builder(\"" + APP + "\"); the first with lockCheckInterval 250 ms"
                    + " and onLockLost; pals-metrics on a SimpleMeterRegistry hears them all.");
            contention(services, admin);
            readersAndWriter(services, admin);
            timeout(services);
            killed(locker, admin);
            manyLocks(locker, admin);
            summary(registry);
        } catch (SQLException e) {
            throw Errors.fromServer(e, server);
        } finally {
            for (Locker service : services) {
                service.close();
            }
            threads.shutdownNow();
        }
        out.println();
        out.println("Demo done in " + Durations.format(Duration.ofNanos(System.nanoTime() - start))
                + ": the Locker is closed, every lock released, every connection closed.");
        out.flush();
    }

    // ------------------------------------------------------------------ scenes

    private void contention(List<Locker> services, Connection admin) throws Exception {
        LockKey key = services.get(0).key("nightly-report");
        scene("1. Three workers want one exclusive lock, \"" + key.displayName() + "\"",
                "each runs: try (HeldLock held = locker.lock(\"nightly-report\").hold()) { work " + WORK.toMillis() + " ms }");
        CountDownLatch tableShown = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            String who = "worker-" + i;
            boolean first = i == 1;
            Locker locker = services.get(i - 1);
            workers.add(threads.submit(() -> {
                say(who, "asks for the lock");
                long asked = System.nanoTime();
                try (HeldLock held = locker.lock("nightly-report").hold()) {
                    say(who, "acquired it after " + since(asked) + "; works");
                    sleep(WORK);
                    if (first) {
                        tableShown.await(SCENE_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    say(who, "releases it");
                }
                return null;
            }));
            if (first) {
                awaitServer(admin, key, 1, 0);
            } else {
                awaitServer(admin, key, 1, i - 1);
            }
        }
        out.println("   What 'pals locks pals-demo.nightly-report' shows now:");
        LockReport report = LockReport.of(LockQuery.read(admin, false), server.target(), false,
                new Names(NAMES, List.of(APP)), new HashMap<>()).filter(entry -> entry.row().key().equals(key));
        report.printTable(out, ZoneId.systemDefault(), false, "   ");
        tableShown.countDown();
        join(workers);
        out.println("   One holder at a time; the waiters were served in the order they asked.");
    }

    private void readersAndWriter(List<Locker> services, Connection admin) throws Exception {
        LockKey key = services.get(0).key("inventory");
        scene("2. Readers share \"" + key.displayName() + "\"; a writer waits for them, a later reader waits behind the writer",
                "readers: locker.lock(\"inventory\", LockMode.SHARED); the writer: locker.lock(\"inventory\")");
        CountDownLatch readersDone = new CountDownLatch(1);
        List<Future<?>> all = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            String who = "reader-" + i;
            Locker locker = services.get(i - 1);
            all.add(threads.submit(() -> {
                try (HeldLock held = locker.lock("inventory", LockMode.SHARED).hold()) {
                    say(who, "acquired it shared");
                    readersDone.await(SCENE_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                    say(who, "releases it");
                }
                return null;
            }));
            awaitServer(admin, key, i, 0);
        }
        all.add(threads.submit(() -> holdAndWork(services.get(2), "inventory", LockMode.EXCLUSIVE, "writer",
                "asks for it exclusive: waits for both readers")));
        awaitServer(admin, key, 2, 1);
        all.add(threads.submit(() -> holdAndWork(services.get(0), "inventory", LockMode.SHARED, "reader-3",
                "asks for it shared: waits behind the writer (writers are not starved)")));
        awaitServer(admin, key, 2, 2);
        sleep(WORK);
        readersDone.countDown();
        join(all);
    }

    private Void holdAndWork(Locker locker, String name, LockMode mode, String who, String asking)
            throws InterruptedException {
        say(who, asking);
        long asked = System.nanoTime();
        try (HeldLock held = locker.lock(name, mode).hold()) {
            say(who, "acquired it after " + since(asked) + "; works");
            sleep(WORK);
            say(who, "releases it");
        }
        return null;
    }

    private void timeout(List<Locker> services) {
        LockKey key = services.get(0).key("payments");
        scene("3. A timeout on \"" + key.displayName() + "\", enforced by the server (lock_timeout)",
                "worker-1 holds it; worker-2 tries three ways");
        Lock holder = services.get(0).lock("payments");
        holder.acquire();
        say("worker-1", "holds it");
        Lock other = services.get(1).lock("payments");
        long asked = System.nanoTime();
        boolean got = other.acquire(false);
        say("worker-2", "acquire(false)            -> " + got + " after " + since(asked) + " (non-blocking)");
        asked = System.nanoTime();
        got = other.acquire(Duration.ofMillis(800));
        say("worker-2", "acquire(800 ms)           -> " + got + " after " + since(asked));
        asked = System.nanoTime();
        try (HeldLock held = other.hold(Duration.ofMillis(300))) {
            say("worker-2", "hold(300 ms) acquired it (unexpected)");
        } catch (AcquireFailure e) {
            say("worker-2", "hold(300 ms)              -> AcquireFailure after " + since(asked) + ": " + e.getMessage());
        }
        holder.release();
        say("worker-1", "releases it");
    }

    private void killed(Locker locker, Connection admin) throws Exception {
        LockKey key = locker.key("cleanup");
        scene("4. A holder's session is killed: the lock is reported lost, and freed",
                "an admin runs pg_terminate_backend on the session holding \"" + key.displayName() + "\"");
        Lock lock = locker.lock("cleanup");
        lock.acquire();
        List<Integer> pids = HoldCommand.holders(admin, key);
        say("worker-1", "holds it, on the session of backend pid " + pids.get(0));
        try (PreparedStatement terminate = admin.prepareStatement("select pg_terminate_backend(?)")) {
            terminate.setInt(1, pids.get(0));
            terminate.executeQuery().close();
            say("admin", "select pg_terminate_backend(" + pids.get(0) + ")");
        } catch (SQLException e) {
            say("admin", "may not terminate that session (" + Errors.describe(e) + "): scene skipped");
            lock.release();
            return;
        }
        if (!lostReported.await(SCENE_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new CliException(ExitCodes.FAILED, "the Locker did not report the lost lock within " + SCENE_LIMIT);
        }
        say("worker-1", "lock.isHeld() -> " + lock.isHeld() + ", lock.release() -> " + lock.release());
        Lock next = locker.lock("cleanup");
        long asked = System.nanoTime();
        boolean got = next.acquire(false);
        say("worker-2", "acquire(false) -> " + got + " after " + since(asked) + ": the server freed it with the session");
        next.release();
    }

    private void manyLocks(Locker locker, Connection admin) throws SQLException {
        scene("5. Many locks, few sessions: one Locker takes 1,000 locks (multiplexing, the default)",
                "for (int i = 0; i < 1000; i++) locker.lock(\"job-\" + i).acquire();");
        List<Lock> locks = new ArrayList<>();
        long asked = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            Lock lock = locker.lock("job-" + i);
            lock.acquire();
            locks.add(lock);
        }
        String took = since(asked);
        int sessions = 0;
        try (PreparedStatement count = admin.prepareStatement(
                "select count(distinct l.pid) from pg_locks l join pg_stat_activity a using (pid)"
                        + " where l.locktype = 'advisory' and l.granted and a.application_name = ?")) {
            count.setString(1, "pals:" + APP);
            try (java.sql.ResultSet rs = count.executeQuery()) {
                rs.next();
                sessions = rs.getInt(1);
            }
        }
        say("worker-1", "holds " + locker.stats().locksHeld() + " locks after " + took + ", on " + sessions
                + " database session(s) (Python PALs: one per lock)");
        locks.forEach(Lock::release);
        say("worker-1", "released them all: " + locker.stats().connectionsInUse() + " sessions in use");
    }

    private void lost(LockInfo lock) {
        say("Locker", "onLockLost: \"" + lock.name() + "\" is lost (its session is gone), noticed by the"
                + " Locker's check within 250 ms (the library also logs a warning)");
        lostReported.countDown();
    }

    private void summary(SimpleMeterRegistry registry) {
        scene("6. What pals-metrics recorded (Micrometer meters, application=" + APP + ")", null);
        TextTable table = new TextTable("METER", "MODE", "OUTCOME", "COUNT", "MEAN", "MAX");
        List<Timer> acquires = new ArrayList<>(registry.find(MeterNames.ACQUIRE).timers());
        acquires.sort(Comparator.comparing((Timer t) -> t.getId().getTag(MeterNames.TAG_MODE))
                .thenComparing(t -> t.getId().getTag(MeterNames.TAG_OUTCOME)));
        for (Timer timer : acquires) {
            if (timer.count() > 0) {
                table.row(MeterNames.ACQUIRE + " (wait)", timer.getId().getTag(MeterNames.TAG_MODE),
                        timer.getId().getTag(MeterNames.TAG_OUTCOME), Long.toString(timer.count()),
                        millis(timer.mean(TimeUnit.MILLISECONDS)), millis(timer.max(TimeUnit.MILLISECONDS)));
            }
        }
        List<Timer> holds = new ArrayList<>(registry.find(MeterNames.HELD).timers());
        holds.sort(Comparator.comparing((Timer t) -> t.getId().getTag(MeterNames.TAG_MODE)));
        for (Timer timer : holds) {
            if (timer.count() > 0) {
                table.row(MeterNames.HELD + " (hold)", timer.getId().getTag(MeterNames.TAG_MODE), "released",
                        Long.toString(timer.count()), millis(timer.mean(TimeUnit.MILLISECONDS)),
                        millis(timer.max(TimeUnit.MILLISECONDS)));
            }
        }
        for (Counter counter : registry.find(MeterNames.LOST).counters()) {
            if (counter.count() > 0) {
                table.row(MeterNames.LOST, counter.getId().getTag(MeterNames.TAG_MODE), "lost",
                        Long.toString((long) counter.count()), "", "");
            }
        }
        for (Counter counter : registry.find(MeterNames.CONNECTIONS_RESET).counters()) {
            if (counter.count() > 0) {
                table.row(MeterNames.CONNECTIONS_RESET, "", counter.getId().getTag(MeterNames.TAG_OUTCOME),
                        Long.toString((long) counter.count()), "", "");
            }
        }
        table.print(out, "   ");
        out.println("   In a service: bind them to your registry (Prometheus: pals_lock_acquire_seconds_bucket, ...);"
                + " see pals-metrics/dashboards/pals.json.");
        out.flush();
    }

    // ------------------------------------------------------------------ helpers

    /** A first acquire and release, so that the first scene does not show the pool and the JIT warming up. */
    private static void warmUp(Locker locker) {
        Lock lock = locker.lock("warm-up");
        lock.acquire();
        lock.release();
    }

    private void scene(String title, String detail) {
        try {
            Thread.sleep(PAUSE.toMillis()); // a moment to read the last scene
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.println();
        out.println(title);
        if (detail != null) {
            out.println("   " + detail);
        }
        out.flush();
        sceneStart = System.nanoTime();
    }

    private synchronized void say(String who, String what) {
        out.printf(Locale.ROOT, "  %6.2fs  %-9s %s%n", (System.nanoTime() - sceneStart) / 1e9, who, what);
        out.flush();
    }

    private static String since(long startNanos) {
        return Durations.format(Duration.ofNanos(System.nanoTime() - startNanos));
    }

    private static String millis(double millis) {
        return String.format(Locale.ROOT, "%.0f ms", millis);
    }

    private static void sleep(Duration duration) throws InterruptedException {
        Thread.sleep(duration.toMillis());
    }

    /** Waits until the server shows {@code holders} holders and {@code waiters} waiters of {@code key}. */
    private void awaitServer(Connection admin, LockKey key, int holders, int waiters) throws Exception {
        await(() -> {
            try {
                return count(admin, key, true) == holders && count(admin, key, false) == waiters;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static int count(Connection admin, LockKey key, boolean granted) throws SQLException {
        try (PreparedStatement statement = admin.prepareStatement("select count(*) from pg_locks"
                + " where locktype = 'advisory' and granted = ? and objsubid = 1"
                + " and database = (select oid from pg_database where datname = current_database())"
                + " and classid::bigint = ? and objid::bigint = ?")) {
            statement.setBoolean(1, granted);
            statement.setLong(2, Integer.toUnsignedLong(key.key1()));
            statement.setLong(3, Integer.toUnsignedLong(key.key2()));
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + SCENE_LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new CliException(ExitCodes.FAILED, "the demo's workers did not reach the expected state within "
                        + SCENE_LIMIT + " (a busy server?)");
            }
            Thread.sleep(10);
        }
    }

    private static void join(List<Future<?>> futures) throws InterruptedException {
        for (Future<?> future : futures) {
            try {
                future.get(SCENE_LIMIT.toMillis() * 3, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new CliException(ExitCodes.FAILED, "a demo worker failed: " + Errors.describe(e.getCause()), e.getCause());
            } catch (TimeoutException e) {
                throw new CliException(ExitCodes.FAILED, "a demo worker did not finish within " + SCENE_LIMIT.multipliedBy(3));
            }
        }
    }

    private static String serverVersion(Connection admin) throws SQLException {
        try (Statement statement = admin.createStatement();
                ResultSet rs = statement.executeQuery("show server_version")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
