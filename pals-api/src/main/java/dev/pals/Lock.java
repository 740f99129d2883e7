package dev.pals;

import java.time.Duration;

/**
 * A handle on one advisory lock key, made by {@link Locker#lock(String)}. Handles are cheap: for mutual
 * exclusion between threads, each thread takes its own.
 *
 * <h2>Ownership</h2>
 * The handle, not the thread, owns what it acquires (as in Python PALs). An {@code acquire} on a handle
 * that already holds its lock succeeds at once, without a round trip to the database, and counts; each
 * {@link #release()} counts down, and the lock is released on the server when the count reaches zero,
 * so nested {@link #hold()} blocks on one handle are correct. Handles are thread-safe and any thread may
 * release.
 *
 * <h2>Connections</h2>
 * A held lock lives on a database session of the {@link Locker}: shared with other locks of that Locker
 * (multiplexing, the default of {@code pals-jooq}), or, without multiplexing, a pool connection of its own
 * until it is released.
 *
 * <h2>Forgotten locks</h2>
 * A held lock whose handle becomes unreachable is released when the garbage collector notices, with a
 * warning in the log. Java may collect a handle right after its last use, even while the work "under"
 * the lock goes on: keep the handle reachable until the work is done, for instance with
 * try-with-resources on {@link #hold()}.
 */
public interface Lock {
    /**
     * An acquire timeout that means "wait without limit". Durations beyond PostgreSQL's largest
     * {@code lock_timeout} (2^31−1 ms) are refused; use this to wait forever on purpose.
     */
    Duration WAIT_FOREVER = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);

    /**
     * Acquires the lock the way this handle was configured: blocking up to {@link #acquireTimeout()}
     * if {@link #blocking()}, otherwise a single try.
     *
     * @return true if the handle now holds the lock; false if the lock was not available, the timeout
     *     passed, or no pool connection came in time
     * @throws AcquireFailure for a lost or failed database connection, a server error, or an interrupt
     * @throws IllegalStateException if the {@link Locker} is closed
     */
    boolean acquire();

    /**
     * Acquires the lock, blocking up to {@link #acquireTimeout()} if {@code blocking}, otherwise with a
     * single try ({@code pg_try_advisory_lock}). A non-blocking acquire never waits for the lock, but
     * may wait up to {@link #acquireTimeout()} for a free pool connection (use
     * {@code acquire(Duration.ZERO)} to wait for nothing at all).
     *
     * @see #acquire()
     */
    boolean acquire(boolean blocking);

    /**
     * Acquires the lock, waiting at most {@code timeout} for a pool connection and the lock together.
     * The wait is bounded by the server ({@code lock_timeout}), not by polling. Once a connection is in
     * hand, a spent budget still gets its one try.
     *
     * @param timeout {@link Duration#ZERO} for a single try that waits for nothing, not even for a pool
     *     connection; below 1 ms counts as 1 ms; {@link #WAIT_FOREVER} to wait without limit
     * @throws IllegalArgumentException if {@code timeout} is null, negative, or longer than 2^31−1 ms
     *     without being {@link #WAIT_FOREVER}
     * @see #acquire()
     */
    boolean acquire(Duration timeout);

    /**
     * Counts down one acquire; at zero, releases the lock on the server and returns its connection to
     * the pool.
     *
     * @return whether this handle held the lock. Releasing a handle that holds nothing returns false and
     *     harms nothing; so does a release while another thread's {@code acquire} on this handle is still
     *     in flight (it does not wait for it).
     */
    boolean release();

    /**
     * Whether this handle holds its lock, as far as this process knows, without a round trip: false
     * once its database session is known to be gone (see {@link #onLost}).
     */
    boolean isHeld();

    /**
     * Asks the server whether this handle's lock is held right now: one round trip on the lock's own
     * session, for code about to do something irreversible. If the session turns out to be gone, the
     * lock is reported lost. Even true only means "held at the moment the server answered": see the
     * README on what advisory locks cannot guarantee.
     *
     * @return false if this handle does not hold the lock, or its session is gone
     */
    boolean confirmHeld();

    /**
     * Runs {@code callback} once if this lock is lost while held: its database session ended (server
     * restart, terminated backend, broken network path, idle-session reaper). It runs on the thread that
     * notices (the Locker's session watchdog, or the next use of the lock). Afterwards
     * {@link #isHeld()} is false and {@link #release()} returns false. The callback stays registered for
     * later acquires of this handle.
     *
     * <p>Do not capture this handle in the callback: the library keeps the callback, so the handle would
     * never become unreachable, and a forgotten lock would never be released.
     *
     * @return this lock
     */
    Lock onLost(java.util.function.Consumer<? super LockInfo> callback);

    /**
     * The fencing token of the grant this handle holds, for a lock acquired with fencing
     * ({@link LockOptions.Builder#fencing(boolean)}); empty if not held, or held without fencing.
     */
    default java.util.Optional<FencingToken> fencingToken() {
        return java.util.Optional.empty();
    }

    /** How many acquires this handle holds that are not yet released; 0 when not held. */
    int holdCount();

    /**
     * Acquires the lock as {@link #acquire()} does, for try-with-resources:
     * {@code try (HeldLock held = lock.hold()) { ... }} releases when the block ends.
     *
     * @throws AcquireFailure for every failure to acquire, naming the reason
     */
    HeldLock hold();

    /**
     * Acquires the lock as {@link #acquire(Duration)} does, for try-with-resources.
     *
     * @throws AcquireFailure for every failure to acquire, naming the reason
     */
    HeldLock hold(Duration timeout);

    /**
     * Acquires the lock as {@link #acquire(Duration)} does, on another thread (a daemon thread of the
     * library). Cancelling the future ends the wait, at the server too, and a lock acquired just as
     * the cancel came is released: nothing is left held.
     *
     * @return completes with the result of the acquire, or with the {@link AcquireFailure} it threw
     */
    default java.util.concurrent.CompletableFuture<Boolean> acquireAsync(Duration timeout) {
        return AsyncAcquire.start(this, timeout, AsyncAcquire.DEFAULT_EXECUTOR);
    }

    /** {@link #acquireAsync(Duration)} on a thread of {@code executor}. */
    default java.util.concurrent.CompletableFuture<Boolean> acquireAsync(Duration timeout,
            java.util.concurrent.Executor executor) {
        return AsyncAcquire.start(this, timeout, executor);
    }

    /**
     * This lock as a {@code java.util.concurrent.locks.Lock}: {@code lock()} waits without limit (through
     * interrupts, as the JDK's does), {@code lockInterruptibly()} and {@code tryLock(time, unit)} end with
     * {@link InterruptedException} when interrupted (cancelling a wait at the server), {@code tryLock()}
     * is a single try that waits for nothing, {@code unlock()} throws {@link IllegalMonitorStateException}
     * when the handle does not hold the lock, and {@code newCondition()} is not supported. Unlike the
     * JDK's locks, the handle owns the lock, not the thread: any thread may unlock, and failures the JDK
     * has no words for (a lost connection) are thrown as {@link AcquireFailure}.
     */
    default java.util.concurrent.locks.Lock asJavaLock() {
        return new JavaLock(this);
    }

    /** The lock's full name: {@code app.name} (or the bare name); see {@link LockKey#displayName()}. */
    String name();

    /** The advisory lock key. */
    LockKey key();

    /** Exclusive or shared. */
    LockMode mode();

    /** Whether {@link #acquire()} blocks (from the lock's options, else the {@link Locker}'s default). */
    boolean blocking();

    /**
     * How long a blocking {@link #acquire()} waits (from the lock's options, else the {@link Locker}'s
     * default); {@link #WAIT_FOREVER} for no limit.
     */
    Duration acquireTimeout();
}
