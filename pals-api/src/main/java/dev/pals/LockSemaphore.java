package dev.pals;

import java.time.Duration;

/**
 * A handle on a counting semaphore across processes: at most {@link #permits()} holders of a name at
 * once, made by {@link Locker#semaphore(String, int)}. Like a {@link Lock}, the handle owns what it
 * acquires (one permit; acquiring again while holding counts, as on a lock), handles are cheap, and each
 * thread that wants a permit of its own takes its own handle.
 *
 * <h2>How it waits</h2>
 * The permits are advisory locks on keys derived from the name ({@code name#permit-0} …), and a queue key
 * ({@code name#queue}) keeps the order: an acquire first takes the queue key (waiting for it at the
 * server, first come first served), then takes a free permit, or — holding the queue key, so nobody who
 * came later passes it — waits at the server for all the permits at once and keeps the first it is
 * granted, cancelling the other waits; then it lets the queue key go. Waiting is therefore fair (in
 * arrival order at the server) and polls nothing. A wait for every permit at once takes one database
 * session per permit held elsewhere: keep {@code permits} well below the Locker's pool size.
 *
 * <p>An acquire costs three round trips uncontended (queue key, permit, queue key). A holder's lost
 * session frees its permit, as a lost lock does.
 */
public interface LockSemaphore {
    /** The semaphore's name (its full name, as a lock name would be). */
    String name();

    /** How many holders it admits at once. */
    int permits();

    /** Acquires a permit the way {@link Locker#blocking()} and {@link Locker#acquireTimeout()} say. */
    boolean acquire();

    /** Acquires a permit: waiting up to the Locker's acquire timeout if {@code blocking}, else one try. */
    boolean acquire(boolean blocking);

    /**
     * Acquires a permit, waiting at most {@code timeout} ({@link Duration#ZERO}: a single try; {@link
     * Lock#WAIT_FOREVER}: no limit).
     *
     * @return whether this handle holds a permit now
     * @throws AcquireFailure as {@link Lock#acquire(Duration)} does; nothing is then held
     */
    boolean acquire(Duration timeout);

    /** {@link #acquire(Duration)} for try-with-resources; throws {@link AcquireFailure} for every failure. */
    HeldLock hold(Duration timeout);

    /** Releases the permit (counting down a re-entered one). */
    boolean release();

    /** Whether this handle holds a permit. */
    boolean isHeld();

    /** Which permit this handle holds, 0 to {@link #permits()} - 1; -1 if none. */
    int permit();
}
