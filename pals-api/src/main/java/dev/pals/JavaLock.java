package dev.pals;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * {@link Lock#asJavaLock()}: a PALs lock as a {@code java.util.concurrent.locks.Lock}. The handle owns
 * the lock, not the thread: any thread may unlock what another locked through the same view, and
 * locking twice counts twice, as on the handle.
 */
final class JavaLock implements java.util.concurrent.locks.Lock {
    private final Lock lock;

    JavaLock(Lock lock) {
        this.lock = lock;
    }

    /** Waits without limit, through interrupts (which stay set when it returns). */
    @Override
    public void lock() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (lock.acquire(Lock.WAIT_FOREVER)) {
                        return;
                    }
                } catch (AcquireFailure failure) {
                    if (failure.reason() != AcquireFailure.Reason.INTERRUPTED) {
                        throw failure;
                    }
                    // As the JDK's lock(): go on waiting, and keep the interrupt for afterwards.
                    Thread.interrupted();
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        while (!acquireInterruptibly(Lock.WAIT_FOREVER)) {
            // A wait without limit ends only with the lock, a failure or an interrupt.
        }
    }

    @Override
    public boolean tryLock() {
        return lock.acquire(Duration.ZERO);
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long nanos = unit.toNanos(time);
        return nanos <= 0 ? lock.acquire(Duration.ZERO) : acquireInterruptibly(Duration.ofNanos(nanos));
    }

    private boolean acquireInterruptibly(Duration timeout) throws InterruptedException {
        try {
            return lock.acquire(timeout);
        } catch (AcquireFailure failure) {
            if (failure.reason() == AcquireFailure.Reason.INTERRUPTED) {
                Thread.interrupted();
                InterruptedException interrupted = new InterruptedException("interrupted while waiting for " + lock.name());
                interrupted.initCause(failure);
                throw interrupted;
            }
            throw failure;
        }
    }

    /**
     * @throws IllegalMonitorStateException if the handle does not hold the lock (never acquired, already
     *     released, or lost with its database session)
     */
    @Override
    public void unlock() {
        if (!lock.release()) {
            throw new IllegalMonitorStateException("this handle does not hold " + lock
                    + " (never locked, already unlocked, or lost with its database session)");
        }
    }

    /** @throws UnsupportedOperationException always: an advisory lock has no conditions */
    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("PALs locks have no conditions: an advisory lock cannot signal"
                + " waiters; use a java.util.concurrent lock in the process, or LISTEN/NOTIFY between processes");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JavaLock && ((JavaLock) other).lock == lock;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(lock);
    }

    @Override
    public String toString() {
        return "JavaLock[" + lock + "]";
    }
}
