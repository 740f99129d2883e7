package dev.pals.jooq.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Checks sessions that hold locks, one cheap statement per session (never per lock): a session that
 * turns out dead is handed to {@code onDead}; a live one is kept from looking idle to
 * {@code idle_session_timeout} or to proxies that drop idle connections.
 *
 * <p>A round checks all its sessions at once, each on a thread of its own with the check's short network
 * timeout, so one dead or frozen path delays neither the report of another nor the keepalive of a
 * healthy session: every dead session of a round is reported within one check timeout of the round's
 * start. Rounds run one after another on one scheduler thread per Locker.
 */
final class SessionWatchdog {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");

    private final Supplier<List<LockSession>> sessions;
    private final Consumer<LockSession> onDead;
    private final int pingTimeoutMillis;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService checkers;

    /**
     * @param sessions the sessions to check now (those that hold locks)
     * @param onDead told of each session found dead, on a checker thread
     */
    SessionWatchdog(Duration interval, int pingTimeoutMillis, String name, Supplier<List<LockSession>> sessions,
            Consumer<LockSession> onDead) {
        this.sessions = sessions;
        this.onDead = onDead;
        this.pingTimeoutMillis = pingTimeoutMillis;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("pals-session-watchdog-" + name));
        // Threads made as needed, one per session checked at once, let go after a minute idle.
        this.checkers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemon("pals-session-check-" + name));
        long nanos = interval.toNanos();
        scheduler.scheduleWithFixedDelay(this::round, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    private void round() {
        try {
            List<Future<?>> checks = new ArrayList<>();
            for (LockSession session : sessions.get()) {
                checks.add(checkers.submit(() -> check(session)));
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pingTimeoutMillis + 500L);
            for (Future<?> check : checks) {
                try {
                    check.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException late) {
                    // Its own network timeout ends it; the next round does not wait for it either.
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            // Never let the scheduled task die: later rounds must still run.
            LOG.log(Level.WARNING, "a session check round failed; the next round runs as planned", e);
        }
    }

    private void check(LockSession session) {
        try {
            if (!session.ping(pingTimeoutMillis)) {
                onDead.accept(session);
            }
        } catch (Throwable e) {
            LOG.log(Level.WARNING, "reporting a dead session failed", e);
        }
    }

    void stop() {
        scheduler.shutdownNow();
        checkers.shutdownNow();
    }
}
