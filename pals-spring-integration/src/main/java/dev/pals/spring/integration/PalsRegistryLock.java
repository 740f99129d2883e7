package dev.pals.spring.integration;

import dev.pals.AcquireFailure;
import java.time.Duration;
import java.util.ConcurrentModificationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Lock} of a {@link PalsLockRegistry}: a thread-owned, reentrant view of one PALs advisory
 * lock. Within the JVM, threads queue on a local {@link ReentrantLock}; the thread that owns it then
 * holds the advisory lock through one PALs handle, so at most one session per lock object waits in or
 * holds the lock on the server, however many local threads want it.
 *
 * <ul>
 *   <li><b>Ownership</b>: the thread that locked it; {@link #unlock()} by any other thread throws
 *       {@link IllegalMonitorStateException}.</li>
 *   <li><b>Reentrant</b>: the owner may lock again; each {@code unlock()} counts down, and the advisory
 *       lock is released when the count reaches zero. A re-entrant acquire asks the server (one round
 *       trip) whether the lock is still held; if its session was lost meanwhile, it takes the lock
 *       afresh, and if that fails the thread's holds are dropped and it owns nothing any more (so
 *       {@code LockRegistryLeaderInitiator}'s heartbeat notices lost leadership, and nothing leaks).</li>
 *   <li><b>Waiting</b>: {@link #lock()} waits in PostgreSQL without limit and ignores interrupts;
 *       {@link #lockInterruptibly()} and {@link #tryLock(long, TimeUnit)} wait in PostgreSQL in slices of
 *       at most the registry's {@code interruptCheckInterval} (JDBC calls do not react to interrupts),
 *       so an interrupt is honoured within that interval; {@link #tryLock()} tries once.</li>
 *   <li><b>Lost locks</b>: if the advisory lock was lost while held (its session ended, or the Locker was
 *       closed), the final {@code unlock()} frees the thread and then throws
 *       {@link ConcurrentModificationException}, as Spring Integration's Jdbc and Redis registries do
 *       when their lock expired.</li>
 *   <li>Failures of the database ({@link AcquireFailure}) and a closed Locker
 *       ({@link IllegalStateException}) propagate from the acquiring methods, leaving nothing held.</li>
 * </ul>
 *
 * <p>{@link #newCondition()} is not supported.
 */
public final class PalsRegistryLock implements Lock {
    private final dev.pals.Lock handle;
    private final ReentrantLock local = new ReentrantLock();
    private final long sliceNanos;
    private volatile long lastUsed = System.currentTimeMillis();

    PalsRegistryLock(dev.pals.Lock handle, Duration interruptCheckInterval) {
        this.handle = handle;
        this.sliceNanos = interruptCheckInterval.toNanos();
    }

    /** The advisory lock's full name, as PALs gives it ({@code app.key}). */
    public String name() {
        return handle.name();
    }

    /** Whether the current thread owns this lock. */
    public boolean isHeldByCurrentThread() {
        return local.isHeldByCurrentThread();
    }

    /** How many unlocks the current thread owes this lock; 0 if it does not own it. */
    public int getHoldCount() {
        return local.getHoldCount();
    }

    /** Whether any thread of this JVM owns this lock object. */
    public boolean isLocked() {
        return local.isLocked();
    }

    long lastUsed() {
        return lastUsed;
    }

    @Override
    public void lock() {
        local.lock();
        boolean interrupted = false;
        boolean acquired = false;
        try {
            while (!acquired) {
                try {
                    acquired = acquireRemote(dev.pals.Lock.WAIT_FOREVER);
                } catch (AcquireFailure e) {
                    if (e.reason() != AcquireFailure.Reason.INTERRUPTED) {
                        throw e;
                    }
                    // lock() is not interruptible: wait on, and give the interrupt back afterwards.
                    interrupted |= Thread.interrupted();
                }
            }
        } finally {
            if (!acquired) {
                failed();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        local.lockInterruptibly();
        boolean acquired = false;
        try {
            acquired = acquireInSlices(-1);
        } finally {
            if (!acquired) {
                failed();
            }
        }
    }

    @Override
    public boolean tryLock() {
        if (!local.tryLock()) {
            return false;
        }
        boolean acquired = false;
        try {
            acquired = acquireRemote(Duration.ZERO);
        } catch (AcquireFailure e) {
            if (e.reason() != AcquireFailure.Reason.INTERRUPTED) {
                throw e;
            }
            // The interrupt flag stays set; a try that was interrupted is a "no".
        } finally {
            if (!acquired) {
                failed();
            }
        }
        return acquired;
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        long start = System.nanoTime();
        long budget = Math.max(0, unit.toNanos(time));
        if (!local.tryLock(budget, TimeUnit.NANOSECONDS)) {
            return false;
        }
        boolean acquired = false;
        try {
            acquired = acquireInSlices(start + budget);
        } finally {
            if (!acquired) {
                failed();
            }
        }
        return acquired;
    }

    /**
     * @throws IllegalMonitorStateException if the current thread does not own this lock
     * @throws ConcurrentModificationException if this was the last hold and the advisory lock had been
     *     lost before (its session ended, or the Locker was closed): the lock is free for others, and
     *     what it protected may have been changed meanwhile
     */
    @Override
    public void unlock() {
        if (!local.isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException("The current thread doesn't own the lock \"" + name() + "\"");
        }
        if (local.getHoldCount() > 1) {
            local.unlock();
            return;
        }
        boolean released;
        try {
            released = handle.release();
        } finally {
            lastUsed = System.currentTimeMillis();
            local.unlock();
        }
        if (!released) {
            throw new ConcurrentModificationException("Lock \"" + name() + "\" was lost before this unlock: its "
                    + "database session ended or its Locker was closed, so another process may have held it "
                    + "meanwhile. The integrity of data protected by this lock may have been compromised.");
        }
    }

    /** Not supported: a condition cannot wait on a lock held in another process. */
    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("Conditions are not supported by PALs registry locks");
    }

    /**
     * Waits in slices until {@code deadline} (a {@code System.nanoTime()}; negative: none), checking
     * for interrupts between slices.
     */
    private boolean acquireInSlices(long deadline) throws InterruptedException {
        while (true) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            long slice = sliceNanos;
            if (deadline >= 0) {
                long left = deadline - System.nanoTime();
                slice = Math.min(slice, Math.max(left, 0));
            }
            boolean acquired;
            try {
                acquired = acquireRemote(Duration.ofNanos(slice));
            } catch (AcquireFailure e) {
                if (e.reason() == AcquireFailure.Reason.INTERRUPTED) {
                    Thread.interrupted();
                    InterruptedException interrupted = new InterruptedException("interrupted while waiting for \""
                            + name() + "\"");
                    interrupted.initCause(e);
                    throw interrupted;
                }
                throw e;
            }
            if (acquired) {
                return true;
            }
            if (deadline >= 0 && deadline - System.nanoTime() <= 0) {
                return false;
            }
        }
    }

    /**
     * With the local lock held (the current thread's count already counts this acquire): makes sure the
     * advisory lock is held, waiting at most {@code timeout} in PostgreSQL.
     */
    private boolean acquireRemote(Duration timeout) {
        if (local.getHoldCount() > 1) {
            // Re-entrant: nothing to take if the server says the lock is still ours.
            if (handle.isHeld() && handle.confirmHeld()) {
                return true;
            }
        } else if (handle.isHeld()) {
            return true;
        }
        boolean acquired = handle.acquire(timeout);
        if (acquired) {
            lastUsed = System.currentTimeMillis();
        }
        return acquired;
    }

    /**
     * An acquire did not succeed: undo its count. A re-entrant one on a lost lock drops the thread's
     * holds altogether: they stood for a lock that is gone, and the owner learns it from the "no".
     */
    private void failed() {
        if (local.getHoldCount() > 1 && !handle.isHeld()) {
            while (local.isHeldByCurrentThread()) {
                local.unlock();
            }
        } else {
            local.unlock();
        }
    }

    @Override
    public String toString() {
        return "PalsRegistryLock[\"" + name() + "\", " + (local.isLocked() ? "locked" : "unlocked") + "]";
    }
}
