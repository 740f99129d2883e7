package dev.pals.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time, to the nanosecond, of the two sides of a cycle: this JVM (every thread of the process: the
 * cycling threads, the pool's, GC and JIT) and the server's client backends (every one but this meter's
 * own connection). Both come from Linux's {@code /proc/<id>/schedstat} (time on CPU, in nanoseconds):
 * the JDK's {@code getProcessCpuTime()} and {@code /proc/<pid>/stat} count in 10 ms clock ticks, too
 * coarse for a 250 ms slice. Where that file cannot be read (another OS, a remote server), the client
 * falls back to {@code getProcessCpuTime()} and the server side reads as unknown (NaN).
 */
final class CpuMeter implements AutoCloseable {
    private static final Path SELF_TASKS = Paths.get("/proc/self/task");
    private final Connection observer;
    private final boolean serverLocal;

    /**
     * What both sides had used at one moment, and the whole machine's busy time not at nice > 0 (the
     * keep-awake loops run at nice 19), from {@code /proc/stat} (-1 if unknown).
     */
    record Reading(long clientNanos, Map<Integer, Long> serverNanosByPid, long machineBusyNanos) {
    }

    private CpuMeter(Connection observer, boolean serverLocal) {
        this.observer = observer;
        this.serverLocal = serverLocal;
    }

    /** A meter on {@code db}'s server; its backends are read only if they run on this machine. */
    static CpuMeter open(BenchDatabase db) throws SQLException {
        Connection observer = db.connect();
        boolean local = false;
        try (Statement statement = observer.createStatement();
                ResultSet rs = statement.executeQuery("select pg_backend_pid()")) {
            rs.next();
            local = Files.isReadable(Paths.get("/proc/" + rs.getInt(1) + "/schedstat"));
        }
        return new CpuMeter(observer, local);
    }

    /** Whether the server's backends can be read (the server runs on this machine, under Linux). */
    boolean serverReadable() {
        return serverLocal;
    }

    /**
     * Reads both sides. The list of backends comes from {@code pg_stat_activity} first (that query costs
     * only this meter's own backend, which is left out), then the clocks are read at once.
     */
    Reading read() throws SQLException {
        int[] pids = serverLocal ? backendPids() : new int[0];
        long client = clientNanos();
        Map<Integer, Long> server = new HashMap<>();
        for (int pid : pids) {
            long nanos = schedNanos(Paths.get("/proc/" + pid + "/schedstat"));
            if (nanos >= 0) {
                server.put(pid, nanos);
            }
        }
        return new Reading(client, server, machineBusyNanos());
    }

    /**
     * CPU the rest of the machine used between two readings (ns): busy time at nice 0 or below (user,
     * system, interrupts) less this JVM's and the server backends'; what other work took from the cores,
     * in 10 ms ticks. NaN if unknown.
     */
    double othersBetween(Reading start, Reading end) {
        if (start.machineBusyNanos < 0 || end.machineBusyNanos < 0) {
            return Double.NaN;
        }
        double server = serverBetween(start, end);
        return end.machineBusyNanos - start.machineBusyNanos - clientBetween(start, end)
                - (Double.isNaN(server) ? 0 : server);
    }

    /** user + system + irq + softirq of all cores, from /proc/stat (USER_HZ = 100); -1 if unknown. */
    private static long machineBusyNanos() {
        try {
            String first = Files.readAllLines(Paths.get("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long ticks = Long.parseLong(f[1]) + Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7]);
            return ticks * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** CPU of this JVM between two readings. */
    static long clientBetween(Reading start, Reading end) {
        return end.clientNanos - start.clientNanos;
    }

    /**
     * CPU of the server's client backends between two readings: the difference for a backend in both,
     * all of it for one that started in between (its start-up is part of the work). NaN if unknown.
     */
    double serverBetween(Reading start, Reading end) {
        if (!serverLocal) {
            return Double.NaN;
        }
        long sum = 0;
        for (Map.Entry<Integer, Long> e : end.serverNanosByPid.entrySet()) {
            Long before = start.serverNanosByPid.get(e.getKey());
            sum += e.getValue() - (before == null ? 0 : before);
        }
        return sum;
    }

    private int[] backendPids() throws SQLException {
        try (Statement statement = observer.createStatement();
                ResultSet rs = statement.executeQuery("select pid from pg_stat_activity"
                        + " where backend_type = 'client backend' and pid <> pg_backend_pid()")) {
            int[] pids = new int[64];
            int n = 0;
            while (rs.next()) {
                if (n == pids.length) {
                    pids = java.util.Arrays.copyOf(pids, n * 2);
                }
                pids[n++] = rs.getInt(1);
            }
            return java.util.Arrays.copyOf(pids, n);
        }
    }

    /** CPU of every thread of this process so far (threads that ended are not counted). */
    static long clientNanos() {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(SELF_TASKS)) {
            for (Path task : tasks) {
                long nanos = schedNanos(task.resolve("schedstat"));
                if (nanos > 0) {
                    sum += nanos;
                }
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }
    }

    /** The first field of a schedstat file (time on CPU, ns); -1 if it cannot be read (a thread that ended). */
    private static long schedNanos(Path schedstat) {
        try {
            String text = Files.readString(schedstat);
            int space = text.indexOf(' ');
            return Long.parseLong(space < 0 ? text.strip() : text.substring(0, space));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public void close() throws SQLException {
        observer.close();
    }
}
