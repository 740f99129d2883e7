package dev.pals;

import java.sql.Connection;
import java.time.Duration;

/**
 * A transaction-scoped advisory lock on one key, made by {@link TransactionLocker#lock(String)}: each
 * acquire takes the lock in the transaction running on the connection it is given, and PostgreSQL releases
 * it when that transaction commits or rolls back. There is no {@code release()}: ending the transaction
 * is the release. The object only describes the lock (name, key, mode, timeout): it is immutable, holds no
 * connection, and one instance may serve any number of transactions and threads at once.
 *
 * <h2>Outcomes and timeouts</h2>
 * As for {@link Lock}: {@link #acquire(Connection)} returns false for an ordinary "no" (the lock was held
 * elsewhere and the timeout passed, or a try found it taken) and throws {@link AcquireFailure} for errors
 * (a lost connection, a deadlock, a server error); {@link #hold(Connection)} throws {@link AcquireFailure}
 * for every failure. The wait is bounded by the server ({@code lock_timeout}), never by polling.
 *
 * <h2>Your transaction stays usable</h2>
 * A lock wait that times out, or fails with a deadlock, does not abort your transaction: the wait runs
 * under a savepoint that is rolled back. {@code lock_timeout} is only changed for the statement that waits
 * and is what it was before when the call returns, whatever the outcome.
 *
 * <h2>What is refused</h2>
 * With {@link IllegalStateException}: a connection in autocommit mode (the lock would end with the
 * statement that takes it). With {@link IllegalArgumentException}: a blocking timeout the statement cannot
 * honour — longer than 2^31−1 ms (PostgreSQL's largest {@code lock_timeout}) without being
 * {@link Lock#WAIT_FOREVER}, not at least 1 s shorter than the connection's network timeout (the driver
 * would drop the connection before the server answers), or longer than the session's
 * {@code statement_timeout} (the server would cancel the wait first).
 *
 * <h2>Re-entry</h2>
 * Acquiring a lock the transaction already holds succeeds at once; PostgreSQL counts it, and every count
 * ends with the transaction.
 */
public interface TransactionLock {
    /**
     * Acquires the lock in the connection's transaction as this lock was configured: waiting up to
     * {@link #acquireTimeout()} if {@link #blocking()}, otherwise a single try.
     *
     * @param connection a connection in a transaction (autocommit off)
     * @return true if the transaction now holds the lock; false if it was not available or the timeout
     *     passed (the transaction stays usable)
     * @throws AcquireFailure for a lost connection, a deadlock or a server error
     * @throws IllegalStateException if the connection is in autocommit mode
     * @throws IllegalArgumentException if the timeout is longer than the statement can honour (see above)
     */
    boolean acquire(Connection connection);

    /**
     * Acquires the lock, waiting up to {@link #acquireTimeout()} if {@code blocking}, otherwise with a
     * single try ({@code pg_try_advisory_xact_lock}).
     *
     * @see #acquire(Connection)
     */
    boolean acquire(Connection connection, boolean blocking);

    /**
     * Acquires the lock, waiting at most {@code timeout}.
     *
     * @param timeout {@link Duration#ZERO} for a single try; below 1 ms counts as 1 ms;
     *     {@link Lock#WAIT_FOREVER} to wait without limit
     * @throws IllegalArgumentException if {@code timeout} is null, negative, longer than 2^31−1 ms without
     *     being {@link Lock#WAIT_FOREVER}, or longer than the statement can honour
     * @see #acquire(Connection)
     */
    boolean acquire(Connection connection, Duration timeout);

    /**
     * Acquires the lock as {@link #acquire(Connection)} does, and throws when it is not acquired. The lock
     * is then held until the transaction ends.
     *
     * @throws AcquireFailure for every failure to acquire, naming the reason
     */
    void hold(Connection connection);

    /**
     * Acquires the lock as {@link #acquire(Connection, Duration)} does, and throws when it is not acquired.
     *
     * @throws AcquireFailure for every failure to acquire, naming the reason
     */
    void hold(Connection connection, Duration timeout);

    /** The lock's full name: {@code app.name} (or the bare name); see {@link LockKey#displayName()}. */
    String name();

    /** The advisory lock key. */
    LockKey key();

    /** Exclusive or shared. */
    LockMode mode();

    /** Whether {@link #acquire(Connection)} waits (from the lock's options, else the locker's default). */
    boolean blocking();

    /**
     * How long a blocking {@link #acquire(Connection)} waits (from the lock's options, else the locker's
     * default); {@link Lock#WAIT_FOREVER} for no limit.
     */
    Duration acquireTimeout();
}
