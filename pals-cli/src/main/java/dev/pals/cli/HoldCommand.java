package dev.pals.cli;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.Locker;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code pals hold}: holds a lock until Ctrl-C or for a while, as Python PALs' {@code hang.py} does. */
@Command(name = "hold", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Holds a lock until Ctrl-C, or for --for <duration>, through a PALs Locker (application_name"
                    + " pals:<app>): to see how other services behave while it is taken.",
            "",
            "If the lock is taken, waits for it (--wait, default: without limit) and says who holds it."
                    + " The lock's session is checked every second: if it ends (a server restart,"
                    + " pg_terminate_backend), the loss is reported at once and the command exits with 5.",
        })
final class HoldCommand implements Callable<Integer> {
    /** How often the held lock's session is checked, so that a loss is reported at once. */
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

    @ParentCommand
    Pals pals;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name>", description = "The lock name, as given to locker.lock(name).")
    String name;

    @Option(names = "--app", paramLabel = "<app>",
            description = "Application name of the Locker: the lock is <app>.<name>, as for that application's"
                    + " Lockers. Default: none, the bare name.")
    String app;

    @Option(names = "--shared", description = "Take the lock shared (a reader) instead of exclusive.")
    boolean shared;

    @Option(names = "--for", paramLabel = "<duration>", converter = Durations.Converter.class,
            description = "Release after this long (500ms, 30s, 5m, 1h30m, ...) and exit 0. Default: until Ctrl-C.")
    Duration holdFor;

    @Option(names = "--wait", paramLabel = "<duration>", defaultValue = "forever",
            description = "How long to wait if the lock is taken: a duration, 0 (one try), or 'forever' (the default)."
                    + " Not acquired in time: exit 4.")
    String waitText;

    @Mixin
    ConnectionOptions connection;

    private final Object state = new Object();
    private boolean finished;
    private volatile long heldFrom;

    @Override
    public Integer call() throws InterruptedException {
        Duration wait = waitDuration();
        LockMode mode = shared ? LockMode.SHARED : LockMode.EXCLUSIVE;
        LockKey key;
        try {
            key = LockKey.named(app, name);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        Server server = connection.server(pals.env);
        PrintWriter out = spec.commandLine().getOut();
        String what = "\"" + TextTable.printable(key.name().orElseThrow()) + "\" (key " + key.value() + ", " + mode.label() + ")";

        CountDownLatch lost = new CountDownLatch(1);
        Locker locker;
        Lock lock;
        List<Integer> holdersBefore;
        Connection observer = server.connect(LocksCommand.APPLICATION_NAME);
        try {
            holdersBefore = holders(observer, key);
            try {
                locker = server.locker(app).maxPoolSize(1).lockCheckInterval(CHECK_INTERVAL)
                        .onLockLost(info -> lost.countDown()).build();
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            Thread hook = new Thread(() -> interrupted(out, locker, what), "pals-hold-release");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                lock = locker.lock(name, mode);
                boolean acquired = acquire(lock, wait, observer, key, server, out, what);
                if (!acquired) {
                    return ExitCodes.NOT_ACQUIRED;
                }
                heldFrom = System.nanoTime();
                List<Integer> mine = holders(observer, key);
                mine.removeAll(holdersBefore);
                synchronized (state) { // so that an interrupt's "released" never comes before "holding"
                    if (finished) {
                        return ExitCodes.INTERRUPTED;
                    }
                    out.println("holding " + what + (mine.size() == 1 ? " as pid " + mine.get(0) : "") + " on " + server
                            + ", application_name " + (app == null ? "pals" : "pals:" + TextTable.printable(app)) + "; "
                            + (holdFor == null ? "Ctrl-C to release" : "releasing in " + Durations.format(holdFor)));
                    out.flush();
                }
                close(observer);
                boolean wasLost = holdFor == null ? awaitForever(lost) : lost.await(holdFor.toNanos(), TimeUnit.NANOSECONDS);
                String heldFor = Durations.format(Duration.ofNanos(System.nanoTime() - heldFrom));
                synchronized (state) {
                    if (finished) {
                        return ExitCodes.INTERRUPTED;
                    }
                    finished = true;
                }
                if (wasLost) {
                    spec.commandLine().getErr().println("pals: lost " + what + " after " + heldFor
                            + ": its database session ended (server restart, pg_terminate_backend, broken connection)");
                    spec.commandLine().getErr().flush();
                    return ExitCodes.LOST;
                }
                lock.release();
                out.println("released " + what + " after " + heldFor);
                out.flush();
                return ExitCodes.OK;
            } finally {
                locker.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutting down: the hook runs (and finds the work done)
                }
            }
        } catch (SQLException e) {
            throw Errors.fromServer(e, server);
        } finally {
            close(observer);
        }
    }

    private static void close(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // closed already, or the server is gone: nothing held on it
        }
    }

    private Duration waitDuration() {
        if (waitText.equalsIgnoreCase("forever")) {
            return Lock.WAIT_FOREVER;
        }
        Duration wait;
        try {
            wait = Durations.parse(waitText);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--wait: " + e.getMessage() + ", or 'forever'");
        }
        if (wait.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
            throw CliException.usage("--wait must be at most " + Integer.MAX_VALUE + " ms (PostgreSQL's lock_timeout)"
                    + " or 'forever': " + waitText);
        }
        return wait;
    }

    private boolean acquire(Lock lock, Duration wait, Connection observer, LockKey key, Server server, PrintWriter out,
            String what) throws SQLException {
        long start = 0;
        try {
            if (lock.acquire(false)) {
                return true;
            }
            if (!wait.isZero()) {
                start = System.nanoTime();
                out.println("waiting for " + what + ", held by " + pids(holders(observer, key)) + "; "
                        + (wait.equals(Lock.WAIT_FOREVER) ? "Ctrl-C to give up" : "up to " + Durations.format(wait)));
                out.flush();
                if (lock.acquire(wait)) {
                    return true;
                }
            }
        } catch (AcquireFailure e) {
            if (e.reason() == AcquireFailure.Reason.CONNECT_FAILED) {
                throw server.connectFailure(e);
            }
            throw new CliException(ExitCodes.FAILED, Errors.describe(e), e);
        } catch (IllegalStateException e) {
            synchronized (state) {
                if (finished) { // Ctrl-C closed the Locker under the waiting acquire
                    return false;
                }
            }
            throw e;
        }
        synchronized (state) {
            if (finished) {
                return false;
            }
        }
        spec.commandLine().getErr().println("pals: not acquired: " + what + " is held by "
                + pids(holders(observer, key)) + (start == 0 ? " (--wait 0: a single try)"
                        : " (waited " + Durations.format(Duration.ofNanos(System.nanoTime() - start)) + ")"));
        spec.commandLine().getErr().flush();
        return false;
    }

    private static boolean awaitForever(CountDownLatch lost) throws InterruptedException {
        lost.await();
        return true;
    }

    /** Shutdown hook (Ctrl-C, SIGTERM): release the lock before the JVM ends, and say so. */
    private void interrupted(PrintWriter out, Locker locker, String what) {
        synchronized (state) {
            if (finished) {
                return;
            }
            finished = true;
        }
        int held = locker.stats().locksHeld();
        locker.close();
        out.println(held > 0
                ? "interrupted: released " + what + " after " + Durations.format(Duration.ofNanos(System.nanoTime() - heldFrom))
                : "interrupted: gave up waiting for " + what);
        out.flush();
    }

    /** Backend pids holding {@code key} (granted, any mode) in this database, per pg_locks. */
    static List<Integer> holders(Connection db, LockKey key) throws SQLException {
        String sql = "select pid from pg_locks where locktype = 'advisory' and granted"
                + " and database = (select oid from pg_database where datname = current_database())"
                + " and classid::bigint = ? and objid::bigint = ? and objsubid = ? order by pid";
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            statement.setLong(1, Integer.toUnsignedLong(key.key1()));
            statement.setLong(2, Integer.toUnsignedLong(key.key2()));
            statement.setInt(3, key.isPair() ? 2 : 1);
            List<Integer> pids = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
            return pids;
        }
    }

    static String pids(List<Integer> pids) {
        if (pids.isEmpty()) {
            return "nobody any more";
        }
        return (pids.size() == 1 ? "pid " : "pids ") + String.join(", ", pids.stream().map(String::valueOf).toList());
    }
}
