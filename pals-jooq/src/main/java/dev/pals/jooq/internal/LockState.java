package dev.pals.jooq.internal;

import dev.pals.AcquireFailure.Reason;
import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.internal.Text;
import java.lang.System.Logger.Level;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What a lock handle holds: its acquire count and the session the lock lives on. Kept apart from the
 * handle ({@link JooqLock}) so that it can release a forgotten lock after the handle is collected: it
 * is the handle's {@link Cleaner} action, and it must never refer back to the handle. It is also what
 * listeners are told about ({@link LockInfo}).
 */
final class LockState implements Runnable, LockInfo {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");
    private static final Cleaner CLEANER = Cleaner.create(runnable -> {
        Thread thread = new Thread(runnable, "pals-forgotten-lock-cleaner");
        thread.setDaemon(true);
        return thread;
    });

    final LockerCore core;
    final LockKey key;
    final LockMode mode;
    final String name;

    // Guarded by this.
    private int holds;
    private LockSession session;
    private long acquiredAt;
    private boolean acquiring;
    private Cleaner.Cleanable cleanable;
    private List<Consumer<? super LockInfo>> lostCallbacks = List.of();

    LockState(LockerCore core, LockKey key, LockMode mode) {
        this.core = core;
        this.key = key;
        this.mode = mode;
        this.name = key.displayName();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LockKey key() {
        return key;
    }

    @Override
    public LockMode mode() {
        return mode;
    }

    /**
     * Acquires for {@code handle}: at once, without a round trip, if it already holds the lock;
     * otherwise through the database.
     *
     * @return null if acquired, else why not (the caller decides whether to throw)
     */
    LockerCore.Outcome acquire(Object handle, boolean blocking, Duration timeout) {
        long start = System.nanoTime();
        LockSession lostSession = null;
        long lostHeldSince = 0;
        synchronized (this) {
            core.checkOpen();
            if (acquiring) {
                LockerCore.Outcome failure = awaitOtherAcquire(blocking, timeout, start);
                if (failure != null) {
                    return failure;
                }
            }
            if (holds > 0) {
                if (!session.isLost()) {
                    holds++;
                    return null;
                }
                // The next use notices the loss: report it, then acquire afresh.
                lostSession = session;
                lostHeldSince = acquiredAt;
                holds = 0;
                session = null;
            }
            acquiring = true;
        }
        if (lostSession != null) {
            core.lockLost(this, lostSession, lostHeldSince);
        }
        LockerCore.Outcome outcome = null;
        try {
            outcome = core.acquire(this, blocking, timeout, start);
        } finally {
            synchronized (this) {
                acquiring = false;
                notifyAll();
                if (outcome != null && outcome.session != null) {
                    session = outcome.session;
                    session.owner(this);
                    acquiredAt = outcome.endNanos;
                    holds = 1;
                    if (cleanable == null) {
                        cleanable = CLEANER.register(handle, this);
                    }
                }
            }
        }
        return outcome.session != null ? null : outcome;
    }

    /**
     * Another thread acquires through the same handle: a blocking acquire waits for its outcome (the
     * handle is one owner), a non-blocking one does not.
     */
    private LockerCore.Outcome awaitOtherAcquire(boolean blocking, Duration timeout, long start) {
        if (!blocking || timeout.isZero()) {
            return LockerCore.Outcome.failed(Reason.NOT_AVAILABLE, null, null, start);
        }
        boolean forever = timeout.equals(Lock.WAIT_FOREVER);
        long deadline = forever ? 0 : start + timeout.toNanos();
        try {
            while (acquiring) {
                long left = forever ? 0 : deadline - System.nanoTime();
                if (!forever && left <= 0) {
                    return LockerCore.Outcome.failed(Reason.TIMEOUT, null, null, start);
                }
                if (forever) {
                    wait();
                } else {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return LockerCore.Outcome.failed(Reason.INTERRUPTED, null, e, start);
        }
        core.checkOpen();
        return null;
    }

    /** Counts one acquire down; at zero, unlocks and gives the session back. */
    boolean release() {
        LockSession releasing;
        long heldSince;
        synchronized (this) {
            if (holds == 0) {
                return false;
            }
            if (core.isClosed()) {
                holds = 0;
                session = null;
                return false;
            }
            if (--holds > 0 && !session.isLost()) {
                return true;
            }
            holds = 0;
            releasing = session;
            heldSince = acquiredAt;
            session = null;
        }
        return core.release(this, releasing, heldSince);
    }

    /**
     * The session this lock lived on is gone: the lock is lost. Reported once, by whoever notices
     * first (the watchdog, a confirm, the next release or acquire).
     */
    void lost(LockSession lostSession) {
        long heldSince;
        synchronized (this) {
            if (holds == 0 || session != lostSession) {
                return;
            }
            heldSince = acquiredAt;
            holds = 0;
            session = null;
        }
        core.lockLost(this, lostSession, heldSince);
    }

    /**
     * Asks the server whether the lock is held right now (one round trip on its session).
     *
     * @return false if this handle does not hold it, or its session turned out lost (then reported)
     */
    boolean confirm() {
        LockSession holding;
        synchronized (this) {
            if (holds == 0 || core.isClosed()) {
                return false;
            }
            holding = session;
        }
        boolean held = core.confirm(this, holding);
        if (holding.isLost()) {
            lost(holding);
            return false;
        }
        return held;
    }

    synchronized void onLost(Consumer<? super LockInfo> callback) {
        List<Consumer<? super LockInfo>> callbacks = new ArrayList<>(lostCallbacks);
        callbacks.add(callback);
        lostCallbacks = List.copyOf(callbacks);
    }

    synchronized List<Consumer<? super LockInfo>> lostCallbacks() {
        return lostCallbacks;
    }

    /** What {@code Locker.heldLocks()} shows of this lock if it is held on {@code on}; else null. */
    synchronized dev.pals.HeldLockInfo snapshot(LockSession on, long nowNanos, java.time.Instant now) {
        if (holds == 0 || session != on || on.isLost()) {
            return null;
        }
        return new dev.pals.HeldLockInfo(name, key, mode, now.minusNanos(nowNanos - acquiredAt), on.backendPid());
    }

    synchronized boolean isHeld() {
        return holds > 0 && !core.isClosed() && !session.isLost();
    }

    synchronized int holdCount() {
        return isHeld() ? holds : 0;
    }

    /** The Cleaner action: the handle was collected; release what it still held. */
    @Override
    public void run() {
        LockSession releasing;
        long heldSince;
        int count;
        synchronized (this) {
            if (holds == 0) {
                return;
            }
            count = holds;
            holds = 0;
            releasing = session;
            heldSince = acquiredAt;
            session = null;
        }
        if (core.isClosed()) {
            return;
        }
        LOG.log(Level.WARNING, "Lock \"" + Text.shorten(name) + "\" (" + mode.label()
                + ") was garbage collected while held (" + count + " acquire(s) not released): releasing it. "
                + "Keep a lock handle reachable until its work is done, or use hold() with try-with-resources.");
        core.release(this, releasing, heldSince);
    }

    @Override
    public String toString() {
        return "LockInfo[\"" + Text.shorten(name) + "\", key " + key.displayNumber() + ", " + mode.label() + "]";
    }
}
