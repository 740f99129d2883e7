package dev.pals.jooq.internal;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * At most N sessions out at once, first come first served, with a per-call timeout: what Agroal's
 * {@code getConnection()} (and many a user's pool) lacks. A borrower enters before taking a connection
 * and leaves after giving it back, so a permit means a free connection.
 */
final class ConnectionGate {
    private final Semaphore permits;
    private final int size;

    ConnectionGate(int size) {
        this.permits = new Semaphore(size, true);
        this.size = size;
    }

    int size() {
        return size;
    }

    /** Borrowers waiting for a place (an estimate, as {@link Semaphore#getQueueLength()}). */
    int waiting() {
        return permits.getQueueLength();
    }

    /**
     * Waits at most {@code timeoutNanos} ({@link SessionSource#FOREVER} for no limit) for a place.
     *
     * @return false if none came in time
     */
    boolean enter(long timeoutNanos) throws InterruptedException {
        if (timeoutNanos == SessionSource.FOREVER) {
            permits.acquire();
            return true;
        }
        return permits.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    void leave() {
        permits.release();
    }

    /** Lets every waiter through (they then find the source closed). */
    void openAll() {
        permits.release(Integer.MAX_VALUE / 2);
    }
}
