package dev.pals.jooq.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Pings every session that holds locks, one cheap statement per session (never per lock), on one
 * daemon thread per Locker: a session that turns out dead has its locks reported lost; a live one
 * is kept from looking idle to {@code idle_session_timeout} or to proxies that drop idle connections.
 * Each ping has its own short network timeout, so a dead or frozen path cannot stall the round.
 */
final class SessionWatchdog {
    private final LockerCore core;
    private final int pingTimeoutMillis;
    private final ScheduledExecutorService executor;

    SessionWatchdog(LockerCore core, Duration interval, int pingTimeoutMillis, String name) {
        this.core = core;
        this.pingTimeoutMillis = pingTimeoutMillis;
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "pals-session-watchdog-" + name);
            thread.setDaemon(true);
            return thread;
        });
        long nanos = interval.toNanos();
        executor.scheduleWithFixedDelay(this::round, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    private void round() {
        try {
            for (LockSession session : core.sessions()) {
                if (session.owner() != null && !session.ping(pingTimeoutMillis)) {
                    core.sessionLost(session);
                }
            }
        } catch (RuntimeException e) {
            System.getLogger("dev.pals.jooq").log(System.Logger.Level.WARNING, "a session check round failed", e);
        }
    }

    void stop() {
        executor.shutdownNow();
    }
}
