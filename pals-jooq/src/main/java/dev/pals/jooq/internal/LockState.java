package dev.pals.jooq.internal;

import dev.pals.AcquireFailure.Reason;
import dev.pals.LockInfo;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.internal.Text;
import java.lang.System.Logger.Level;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * What a lock handle holds: its acquire count and its grant from the core. Kept apart from the handle
 * ({@link JooqLock}) so that it can release a forgotten lock after the handle is collected: it is the
 * handle's {@link Cleaner} action, and it must never refer back to the handle. It is also what listeners
 * are told about ({@link LockInfo}), and the {@link LockerCore.GrantOwner} the core tells of a loss.
 *
 * <p>Its own lock guards only its fields and is never held while the core works or waits, so nothing
 * here blocks a thread on a monitor or across I/O.
 */
final class LockState implements Runnable, LockInfo, LockerCore.GrantOwner {
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
    /** Whether grants take a fencing token. */
    final boolean fencing;
    private final ReentrantLock guard = new ReentrantLock();
    private final Condition acquireDone = guard.newCondition();

    // Guarded by guard.
    private int holds;
    private LockerCore.Grant grant;
    private boolean acquiring;
    private Cleaner.Cleanable cleanable;
    private volatile List<Consumer<? super LockInfo>> lostCallbacks = List.of();

    LockState(LockerCore core, LockKey key, LockMode mode, boolean fencing) {
        this.core = core;
        this.key = key;
        this.mode = mode;
        this.fencing = fencing;
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
     * otherwise through the core.
     *
     * @param wait whether to wait for the lock (else one try)
     * @param budgetNanos the whole budget ({@link LockerCore#FOREVER} for none)
     * @return null if acquired, else why not (the caller decides whether to throw)
     */
    LockerCore.Outcome acquire(Object handle, boolean wait, long budgetNanos) {
        long start = System.nanoTime();
        guard.lock();
        try {
            core.checkOpen();
            if (acquiring) {
                LockerCore.Outcome failure = awaitOtherAcquire(wait, budgetNanos, start);
                if (failure != null) {
                    return failure;
                }
            }
            if (holds > 0) {
                if (!grant.isDropped()) {
                    holds++;
                    return null;
                }
                // Lost (and reported by whoever noticed): acquire afresh.
                holds = 0;
                grant = null;
            }
            acquiring = true;
        } finally {
            guard.unlock();
        }
        LockerCore.Outcome outcome = null;
        try {
            outcome = core.acquire(this, key, mode, fencing, wait, budgetNanos, start, this);
        } finally {
            guard.lock();
            try {
                acquiring = false;
                acquireDone.signalAll();
                if (outcome != null && outcome.grant() != null) {
                    grant = outcome.grant();
                    holds = 1;
                    if (cleanable == null) {
                        cleanable = CLEANER.register(handle, this);
                    }
                }
            } finally {
                guard.unlock();
            }
        }
        return outcome.grant() != null ? null : outcome;
    }

    /**
     * Another thread acquires through the same handle: a blocking acquire waits for its outcome (the
     * handle is one owner), a try does not. Called with the guard held.
     */
    private LockerCore.Outcome awaitOtherAcquire(boolean wait, long budgetNanos, long start) {
        if (!wait) {
            return LockerCore.Outcome.failed(Reason.NOT_AVAILABLE, null, null, start);
        }
        boolean forever = budgetNanos == LockerCore.FOREVER;
        long deadline = forever ? 0 : start + budgetNanos;
        try {
            while (acquiring) {
                if (forever) {
                    acquireDone.await();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return LockerCore.Outcome.failed(Reason.TIMEOUT, null, null, start);
                    }
                    acquireDone.awaitNanos(left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return LockerCore.Outcome.failed(Reason.INTERRUPTED, null, e, start);
        }
        core.checkOpen();
        return null;
    }

    /** Counts one acquire down; at zero, releases the lock. */
    boolean release() {
        LockerCore.Grant releasing;
        guard.lock();
        try {
            if (holds == 0) {
                return false;
            }
            if (core.isClosed() || grant.isDropped()) {
                holds = 0;
                grant = null;
                return false;
            }
            if (--holds > 0) {
                return true;
            }
            releasing = grant;
            grant = null;
        } finally {
            guard.unlock();
        }
        return core.release(releasing);
    }

    /** The core dropped {@code lost}: its session ended. */
    @Override
    public void lost(LockerCore.Grant lost) {
        guard.lock();
        try {
            if (grant == lost) {
                holds = 0;
                grant = null;
            }
        } finally {
            guard.unlock();
        }
    }

    @Override
    public Iterable<Consumer<? super LockInfo>> lostCallbacks() {
        return lostCallbacks;
    }

    /**
     * Asks the server whether the lock is held right now (one round trip on its session).
     *
     * @return false if this handle does not hold it, or its session turned out lost (then reported)
     */
    boolean confirm() {
        LockerCore.Grant holding;
        guard.lock();
        try {
            if (holds == 0 || core.isClosed()) {
                return false;
            }
            holding = grant;
        } finally {
            guard.unlock();
        }
        return core.confirm(holding);
    }

    void onLost(Consumer<? super LockInfo> callback) {
        guard.lock();
        try {
            List<Consumer<? super LockInfo>> callbacks = new ArrayList<>(lostCallbacks);
            callbacks.add(callback);
            lostCallbacks = List.copyOf(callbacks);
        } finally {
            guard.unlock();
        }
    }

    /** The fencing token of the grant held, if held with fencing. */
    java.util.Optional<dev.pals.FencingToken> fencingToken() {
        guard.lock();
        try {
            if (holds == 0 || core.isClosed() || grant.isDropped() || grant.fencingToken() == 0) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(new dev.pals.FencingToken(key, grant.fencingToken()));
        } finally {
            guard.unlock();
        }
    }

    boolean isHeld() {
        guard.lock();
        try {
            return holds > 0 && !core.isClosed() && !grant.isDropped();
        } finally {
            guard.unlock();
        }
    }

    int holdCount() {
        guard.lock();
        try {
            return holds > 0 && !core.isClosed() && !grant.isDropped() ? holds : 0;
        } finally {
            guard.unlock();
        }
    }

    /** The Cleaner action: the handle was collected; release what it still held. */
    @Override
    public void run() {
        LockerCore.Grant releasing;
        int count;
        guard.lock();
        try {
            if (holds == 0) {
                return;
            }
            count = holds;
            holds = 0;
            releasing = grant;
            grant = null;
        } finally {
            guard.unlock();
        }
        if (core.isClosed() || releasing.isDropped()) {
            return;
        }
        LOG.log(Level.WARNING, "Lock \"" + Text.shorten(name) + "\" (" + mode.label()
                + ") was garbage collected while held (" + count + " acquire(s) not released): releasing it. "
                + "Keep a lock handle reachable until its work is done, or use hold() with try-with-resources.");
        core.release(releasing);
    }

    @Override
    public String toString() {
        return "LockInfo[\"" + Text.shorten(name) + "\", key " + key.displayNumber() + ", " + mode.label() + "]";
    }
}
