package dev.pals.jooq.internal;

import dev.pals.AcquireFailure.Reason;
import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockListener;
import dev.pals.LockerStats;
import dev.pals.internal.Text;
import dev.pals.internal.Timeouts;
import java.lang.System.Logger.Level;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What a Locker does with the database: borrow a session and take a lock on it, release a lock and
 * give its session back, and end everything on close. Keeps track of the sessions it gave out (never
 * of lock handles, which must stay collectable), and tells the listener.
 */
public final class LockerCore {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");

    private final SessionSource source;
    private final LockListener listener;
    private final boolean listening;
    private final Set<LockSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger locksHeld = new AtomicInteger();
    private final AtomicInteger waitingForLock = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong locksLost = new java.util.concurrent.atomic.AtomicLong();
    private final long networkTimeoutNanos;
    private final Consumer<? super LockInfo> onLockLost;
    private final SessionWatchdog watchdog;
    private volatile boolean closed;

    /**
     * @param listener already guarded (see {@link LockListener#composite}), or {@link LockListener#NONE}
     * @param onLockLost called once for every lost lock, or null
     * @param watchInterval how often the watchdog pings every session that holds locks; zero: never
     * @param pingTimeout the network timeout of one ping
     */
    public LockerCore(SessionSource source, LockListener listener, Consumer<? super LockInfo> onLockLost,
            Duration watchInterval, Duration pingTimeout, Duration networkTimeout, String name) {
        this.source = source;
        this.networkTimeoutNanos = networkTimeout.toNanos();
        this.listener = listener;
        this.listening = listener != LockListener.NONE;
        this.onLockLost = onLockLost;
        this.watchdog = watchInterval.isZero() ? null
                : new SessionWatchdog(this, watchInterval, (int) Math.max(1, pingTimeout.toMillis()), name);
    }

    public void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this Locker is closed");
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Borrows a session and takes the lock on it: one try if not {@code blocking} (or the timeout is
     * zero), otherwise a wait bounded by the server. Waiting for the session counts against
     * {@code timeout}.
     *
     * @param timeout the whole budget ({@link Lock#WAIT_FOREVER} for none); for a try, the budget of
     *     the wait for a session only
     * @param startNanos when the caller started waiting
     * @throws IllegalStateException if the Locker is or gets closed
     */
    Outcome acquire(LockState lock, boolean blocking, Duration timeout, long startNanos) {
        checkOpen();
        if (listening) {
            listener.acquireStarted(lock);
        }
        Outcome outcome = takeLock(lock, blocking, timeout, startNanos);
        if (outcome.session != null) {
            locksHeld.incrementAndGet();
        }
        if (listening) {
            if (outcome.session != null) {
                listener.acquired(lock, Duration.ofNanos(outcome.waitedNanos));
            } else {
                listener.acquireFailed(lock, outcome.reason, Duration.ofNanos(outcome.waitedNanos));
            }
        }
        return outcome;
    }

    private Outcome takeLock(LockState lock, boolean blocking, Duration timeout, long startNanos) {
        boolean forever = timeout.equals(Lock.WAIT_FOREVER);
        long budget = forever ? SessionSource.FOREVER : timeout.toNanos();
        LockSession session;
        try {
            session = source.borrow(forever ? budget : Math.max(0, budget - (System.nanoTime() - startNanos)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            checkOpen();
            return Outcome.failed(Reason.INTERRUPTED, null, e, startNanos);
        } catch (SQLException e) {
            checkOpen();
            if (Thread.currentThread().isInterrupted()) {
                return Outcome.failed(Reason.INTERRUPTED, null, e, startNanos);
            }
            if (!SqlStates.fromServerOrDriver(e)) {
                // A pool's own refusal, such as its acquisition timeout: no connection in time.
                return Outcome.failed(Reason.NO_CONNECTION, "from " + source.target() + " (" + summary(e) + ")", e,
                        startNanos);
            }
            return Outcome.failed(Reason.CONNECT_FAILED, "to " + source.target() + " (" + summary(e) + ")", e,
                    startNanos);
        }
        if (session == null) {
            checkOpen();
            return Outcome.failed(Reason.NO_CONNECTION, "within " + Timeouts.describe(timeout), null, startNanos);
        }
        sessions.add(session);
        if (closed) {
            giveBack(session);
            checkOpen();
        }
        boolean locked;
        try {
            if (!blocking || timeout.isZero()) {
                locked = session.tryLock(lock.key, lock.mode);
            } else {
                long remaining = forever ? 0 : budget - (System.nanoTime() - startNanos);
                if (!forever && remaining <= 0) {
                    giveBack(session);
                    return Outcome.failed(Reason.NO_CONNECTION, "within " + Timeouts.describe(timeout), null,
                            startNanos);
                }
                if (Thread.currentThread().isInterrupted()) {
                    giveBack(session);
                    return Outcome.failed(Reason.INTERRUPTED, null, null, startNanos);
                }
                waitingForLock.incrementAndGet();
                try {
                    session.lock(lock.key, lock.mode,
                            forever ? 0 : Timeouts.lockTimeoutMillis(remaining));
                } finally {
                    waitingForLock.decrementAndGet();
                }
                locked = true;
            }
        } catch (SQLException e) {
            giveBack(session);
            checkOpen();
            Reason reason = SqlStates.reasonOf(e);
            String detail = reason == Reason.CONNECTION_LOST ? "to " + source.target()
                    : reason == Reason.SERVER_ERROR ? "(SQLSTATE " + e.getSQLState() + ": " + summary(e) + ")"
                    : null;
            return Outcome.failed(reason, detail, e, startNanos);
        }
        if (!locked) {
            giveBack(session);
            return Outcome.failed(Reason.NOT_AVAILABLE, null, null, startNanos);
        }
        if (closed) {
            // close() ended this session (and the lock with it) while the lock was being taken.
            giveBack(session);
            checkOpen();
        }
        return Outcome.acquired(session, startNanos);
    }

    /**
     * Unlocks {@code lock} on {@code session} and gives the session back.
     *
     * @param acquiredAt {@link System#nanoTime()} when the lock was acquired
     * @return whether the lock was held until now: false if the Locker was closed (which released
     *     it) or the session was lost
     */
    boolean release(LockState lock, LockSession session, long acquiredAt) {
        if (closed) {
            return false;
        }
        boolean released = false;
        if (!session.isLost()) {
            try {
                released = session.unlock(lock.key, lock.mode);
            } catch (SQLException e) {
                if (!session.isLost()) {
                    LOG.log(Level.WARNING, "releasing a lock failed; its session is reset or discarded, which releases it", e);
                    released = true;
                }
            }
        }
        if (session.isLost()) {
            lockLost(lock, session, acquiredAt);
            return false;
        }
        giveBack(session);
        locksHeld.decrementAndGet();
        if (listening) {
            listener.released(lock, Duration.ofNanos(System.nanoTime() - acquiredAt));
        }
        return released;
    }

    /**
     * A lock's session is gone: gives the session back (to be destroyed) and tells everyone who asked,
     * once per lock (the caller guarantees that).
     */
    void lockLost(LockState lock, LockSession session, long acquiredAt) {
        giveBack(session);
        if (closed) {
            return;
        }
        locksHeld.decrementAndGet();
        locksLost.incrementAndGet();
        Duration held = Duration.ofNanos(System.nanoTime() - acquiredAt);
        LOG.log(Level.WARNING, "Lock \"" + Text.shorten(lock.name) + "\" (" + lock.mode.label()
                + ") was lost after " + held.toMillis() + " ms: its database session ended");
        if (listening) {
            listener.lockLost(lock, held);
        }
        for (Consumer<? super LockInfo> callback : lock.lostCallbacks()) {
            runCallback(callback, lock);
        }
        if (onLockLost != null) {
            runCallback(onLockLost, lock);
        }
    }

    private static void runCallback(Consumer<? super LockInfo> callback, LockInfo lock) {
        try {
            callback.accept(lock);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a lost-lock callback failed; ignored", e);
        }
    }

    /** The watchdog found {@code session} dead. */
    void sessionLost(LockSession session) {
        LockState owner = session.owner();
        if (owner != null) {
            owner.lost(session);
        }
    }

    /** Whether the server says {@code session} holds {@code lock} right now; false if it cannot say. */
    boolean confirm(LockState lock, LockSession session) {
        try {
            return session.confirm(lock.key, lock.mode);
        } catch (SQLException e) {
            if (!session.isLost()) {
                LOG.log(Level.WARNING, "confirming a lock with the server failed", e);
            }
            return false;
        }
    }

    /** The sessions lent out right now (the watchdog pings those that hold locks). */
    Iterable<LockSession> sessions() {
        return sessions;
    }

    private void giveBack(LockSession session) {
        sessions.remove(session);
        session.giveBack();
    }

    /** The Locker's state right now. */
    public LockerStats stats() {
        int held = closed ? 0 : locksHeld.get();
        return new LockerStats(held, sessions.size(), source.maxSessions(), source.waitingForSession(),
                waitingForLock.get(), held > 0 ? 1 : 0, locksLost.get());
    }

    /** The locks held right now, from the sessions lent out. */
    public java.util.List<dev.pals.HeldLockInfo> heldLocks() {
        java.util.List<dev.pals.HeldLockInfo> held = new java.util.ArrayList<>();
        if (closed) {
            return held;
        }
        long nowNanos = System.nanoTime();
        java.time.Instant now = java.time.Instant.now();
        for (LockSession session : sessions) {
            LockState owner = session.owner();
            if (owner != null) {
                dev.pals.HeldLockInfo info = owner.snapshot(session, nowNanos, now);
                if (info != null) {
                    held.add(info);
                }
            }
        }
        return held;
    }

    /** One round trip on a session lent out that is not busy, else on a borrowed one. */
    public Duration ping() {
        checkOpen();
        long start = System.nanoTime();
        for (LockSession session : sessions) {
            if (session.owner() != null && session.pingIfFree((int) Math.max(1, networkTimeoutNanos / 1_000_000L))) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
        }
        LockSession session;
        try {
            session = source.borrow(networkTimeoutNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.pals.PalsException("interrupted while waiting for a connection to " + source.target(), e);
        } catch (SQLException e) {
            throw new dev.pals.PalsException("cannot reach " + source.target() + " (" + summary(e) + ")", e);
        }
        if (session == null) {
            throw new dev.pals.PalsException("no free connection to " + source.target() + " within "
                    + Duration.ofNanos(networkTimeoutNanos).toMillis() + " ms");
        }
        try {
            session.checkAlive((int) Math.max(1, networkTimeoutNanos / 1_000_000L));
            return Duration.ofNanos(System.nanoTime() - start);
        } catch (SQLException e) {
            throw new dev.pals.PalsException("cannot reach " + source.target() + " (" + summary(e) + ")", e);
        } finally {
            session.giveBack();
        }
    }

    /** Ends every session: waits in flight are cancelled, held locks released, the pool closed. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (watchdog != null) {
            watchdog.stop();
        }
        for (LockSession session : sessions) {
            session.cancel();
        }
        for (LockSession session : sessions) {
            giveBack(session);
        }
        source.close();
        if (listening) {
            listener.lockerClosed();
        }
    }

    /** Where the locks live, for messages: host and port, never credentials. */
    public String target() {
        return source.target();
    }

    /** The first sentence of an exception's message, short enough for another message. */
    private static String summary(Throwable e) {
        String message = String.valueOf(e.getMessage());
        int end = message.indexOf(". ");
        if (end > 0) {
            message = message.substring(0, end);
        }
        message = message.strip();
        return message.length() > 160 ? message.substring(0, 160) + "…" : message;
    }

    /** The result of an acquire: a session that now holds the lock, or why not; and how long it took. */
    static final class Outcome {
        final LockSession session;
        final Reason reason;
        final String detail;
        final Throwable cause;
        final long endNanos;
        final long waitedNanos;

        private Outcome(LockSession session, Reason reason, String detail, Throwable cause, long startNanos) {
            this.session = session;
            this.reason = reason;
            this.detail = detail;
            this.cause = cause;
            this.endNanos = System.nanoTime();
            this.waitedNanos = endNanos - startNanos;
        }

        static Outcome acquired(LockSession session, long startNanos) {
            return new Outcome(session, null, null, null, startNanos);
        }

        static Outcome failed(Reason reason, String detail, Throwable cause, long startNanos) {
            return new Outcome(null, reason, detail, cause, startNanos);
        }
    }
}
