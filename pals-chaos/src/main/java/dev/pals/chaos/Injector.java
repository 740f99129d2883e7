package dev.pals.chaos;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Injects faults while the workers run: each kind on a thread of its own, on a schedule drawn from the
 * run's seed (one every {@code duration / faultsPerKind}, each moved by up to ±40% of that gap, for as
 * long as the run lasts), so faults of different kinds meet at random. Targets (which worker, which backends) and lengths
 * come from the same stream. Every fault is marked at the witness before it acts, and a fault that lasts
 * is marked again once undone.
 */
final class Injector {
    private final Settings settings;
    private final Server server;
    private final List<WorkerSlot> slots;
    private final Control control;
    private final String applicationName;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();
    private final Map<FaultKind, AtomicInteger> done = new EnumMap<>(FaultKind.class);
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    /** Why the run cannot go on (the server did not come back), or null. */
    private volatile String fatal;
    private long startNanos;

    Injector(Settings settings, Server server, List<WorkerSlot> slots, Control control, String applicationName) {
        this.settings = settings;
        this.server = server;
        this.slots = slots;
        this.control = control;
        this.applicationName = applicationName;
        for (FaultKind kind : FaultKind.values()) {
            done.put(kind, new AtomicInteger());
        }
    }

    void start() {
        startNanos = System.nanoTime();
        for (FaultKind kind : settings.faults()) {
            Thread thread = new Thread(() -> schedule(kind), "fault-" + kind.name().toLowerCase());
            thread.start();
            threads.add(thread);
        }
    }

    /** No new faults; waits until those under way are undone. */
    void stop() throws InterruptedException {
        stop.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
    }

    Map<FaultKind, Integer> counts() {
        Map<FaultKind, Integer> counts = new EnumMap<>(FaultKind.class);
        done.forEach((kind, count) -> counts.put(kind, count.get()));
        return counts;
    }

    List<String> errors() {
        return List.copyOf(errors);
    }

    String fatal() {
        return fatal;
    }

    private void schedule(FaultKind kind) {
        SplittableRandom random = new SplittableRandom(settings.seed() * 31 + kind.ordinal() * 0x5DEECE66DL);
        double gap = settings.duration().toNanos() / (double) settings.faultsPerKind();
        for (int i = 0; ; i++) {
            long due = startNanos + (long) (gap * (i + 0.5 + (random.nextDouble() - 0.5) * 0.8));
            // Draw this fault's parameters now, so the stream does not depend on how faults went.
            SplittableRandom faultRandom = random.split();
            try {
                long wait = due - System.nanoTime();
                if (stop.await(Math.max(0, wait), TimeUnit.NANOSECONDS)) {
                    return;
                }
                if (inject(kind, faultRandom)) {
                    done.get(kind).incrementAndGet();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                errors.add(kind + " #" + i + ": " + e);
                if (kind == FaultKind.RESTART) {
                    fatal = "the server did not restart: " + e;
                    return;
                }
            }
        }
    }

    /** One fault; false if there was nothing to act on. */
    private boolean inject(FaultKind kind, SplittableRandom random) throws Exception {
        return switch (kind) {
            case KILL -> kill(slot(random));
            case TERMINATE -> terminate(random);
            case RESTART -> restart(random);
            case FREEZE -> freeze(slot(random), 1_500 + random.nextInt(2_501));
            case DROP -> drop(slot(random));
            case IDLE -> idle(100 + random.nextInt(301), 1_000 + random.nextInt(2_001));
            case PAUSE -> pause(slot(random), settings.checkInterval().toMillis() + 300 + random.nextInt(1_201),
                    random.nextBoolean());
        };
    }

    private WorkerSlot slot(SplittableRandom random) {
        return slots.get(random.nextInt(slots.size()));
    }

    private boolean kill(WorkerSlot slot) throws Exception {
        slot.faults.lock();
        try {
            control.mark(FaultKind.KILL.name(), "at", slot.id, slot.generation(), "pid " + slot.pid());
            slot.killAndRestart();
            return true;
        } finally {
            slot.faults.unlock();
        }
    }

    /** 1–3 PALs backends; half the time only among those holding advisory locks (if any do). */
    private boolean terminate(SplittableRandom random) throws Exception {
        int count = 1 + random.nextInt(3);
        boolean holdersOnly = random.nextBoolean();
        for (int attempt = 0; attempt < 20; attempt++) {
            try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
                List<Integer> all = new ArrayList<>();
                List<Integer> holders = new ArrayList<>();
                try (ResultSet rs = statement.executeQuery("select a.pid, exists (select 1 from pg_locks l where"
                        + " l.pid = a.pid and l.locktype = 'advisory' and l.granted) from pg_stat_activity a"
                        + " where a.application_name = '" + applicationName + "' order by a.pid")) {
                    while (rs.next()) {
                        all.add(rs.getInt(1));
                        if (rs.getBoolean(2)) {
                            holders.add(rs.getInt(1));
                        }
                    }
                }
                List<Integer> candidates = holdersOnly && !holders.isEmpty() ? holders : all;
                if (candidates.isEmpty()) {
                    Thread.sleep(100);
                    continue;
                }
                List<Integer> chosen = new ArrayList<>(candidates);
                while (chosen.size() > count) {
                    chosen.remove(random.nextInt(chosen.size()));
                }
                for (int pid : chosen) {
                    control.mark(FaultKind.TERMINATE.name(), "at", -1, -1, "pid " + pid);
                    statement.execute("select pg_terminate_backend(" + pid + ")");
                }
                return true;
            } catch (SQLException e) {
                Thread.sleep(200); // the server restarts: try again
            }
        }
        return false;
    }

    private boolean restart(SplittableRandom random) throws Exception {
        long down = random.nextInt(301);
        control.mark(FaultKind.RESTART.name(), "start", -1, -1, "down " + down + " ms");
        server.restart(down);
        control.mark(FaultKind.RESTART.name(), "end", -1, -1, "");
        return true;
    }

    private boolean freeze(WorkerSlot slot, long millis) throws Exception {
        control.mark(FaultKind.FREEZE.name(), "start", slot.id, slot.generation(), millis + " ms");
        slot.proxy.freeze();
        try {
            Thread.sleep(millis);
        } finally {
            slot.proxy.thaw();
            control.mark(FaultKind.FREEZE.name(), "end", slot.id, slot.generation(), "");
        }
        return true;
    }

    private boolean drop(WorkerSlot slot) throws Exception {
        control.mark(FaultKind.DROP.name(), "at", slot.id, slot.generation(), "");
        slot.proxy.dropConnections();
        return true;
    }

    private boolean idle(long timeoutMillis, long millis) throws Exception {
        control.mark(FaultKind.IDLE.name(), "start", -1, -1, "idle_session_timeout " + timeoutMillis + " ms for "
                + millis + " ms");
        try {
            server.mustRun("alter system set idle_session_timeout = '" + timeoutMillis + "ms'", "select pg_reload_conf()");
            Thread.sleep(millis);
        } finally {
            server.mustRun("alter system reset idle_session_timeout", "select pg_reload_conf()");
            control.mark(FaultKind.IDLE.name(), "end", -1, -1, "");
        }
        return true;
    }

    /**
     * SIGSTOP for longer than the check interval, then SIGCONT. Half the time, the server also ends the
     * paused process's sessions that hold locks (as it would reap a stalled client's): its holders then wake
     * up believing they hold locks others may have taken — the documented limit, counted on its own.
     */
    private boolean pause(WorkerSlot slot, long millis, boolean endSessions) throws Exception {
        slot.faults.lock();
        try {
            int generation = slot.generation();
            control.mark(FaultKind.PAUSE.name(), "start", slot.id, generation, millis + " ms"
                    + (endSessions ? ", its lock sessions terminated" : ""));
            slot.signal("STOP");
            try {
                if (endSessions) {
                    Thread.sleep(millis / 3);
                    Set<Integer> pids = Set.copyOf(control.pids(slot.id));
                    try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
                        for (int pid : pids) {
                            control.mark(FaultKind.PAUSE.name(), "terminate", slot.id, generation, "pid " + pid);
                            statement.execute("select pg_terminate_backend(" + pid + ")");
                        }
                    } catch (SQLException e) {
                        // the server restarts anyway
                    }
                    Thread.sleep(millis - millis / 3);
                } else {
                    Thread.sleep(millis);
                }
            } finally {
                slot.signal("CONT");
                control.mark(FaultKind.PAUSE.name(), "end", slot.id, generation, "");
            }
            return true;
        } finally {
            slot.faults.unlock();
        }
    }

    /** Seconds since the injector started. */
    double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
