package dev.pals;

import java.time.Duration;
import java.util.List;

/**
 * Several locks taken all or nothing, made by {@link Locker#lockAll}. They are always taken in one order
 * (by key), whatever order they were given in, so two processes locking the same keys in different
 * orders cannot deadlock: each waits for the first key the other holds, never for one behind it. A
 * timeout or failure releases the ones already taken: either all are held, or none. One timeout bounds
 * the whole set.
 */
public interface LockSet {
    /** The locks, in the order they are taken. */
    List<Lock> locks();

    /** Acquires all, as {@link Lock#acquire()} does (the first lock's blocking and timeout settings). */
    boolean acquire();

    /** Acquires all, each blocking or a single try. */
    boolean acquire(boolean blocking);

    /**
     * Acquires all, waiting at most {@code timeout} in all ({@link Duration#ZERO}: a single try each).
     *
     * @return true if all are held now; false if one was not available in time (then none is held)
     * @throws AcquireFailure as {@link Lock#acquire(Duration)} does (then none is held)
     */
    boolean acquire(Duration timeout);

    /** {@link #acquire()} for try-with-resources; {@link HeldLock#close()} releases all. */
    HeldLock hold();

    /** {@link #acquire(Duration)} for try-with-resources. */
    HeldLock hold(Duration timeout);

    /**
     * Releases all, in the reverse order.
     *
     * @return whether every lock was held until now
     */
    boolean release();

    /** Whether all are held. */
    boolean isHeld();
}
