package dev.pals;

import java.time.Duration;
import java.util.Optional;

/**
 * A factory of transaction-scoped locks: locks taken in your own database transaction, on your own
 * connection, and released by PostgreSQL when that transaction commits or rolls back
 * ({@code pg_advisory_xact_lock}). It owns no connections and needs no closing. Thread-safe; make one per
 * application and share it.
 *
 * <p>Use it where a {@link Locker}'s session locks cannot work, behind PgBouncer or a cloud pooler in
 * transaction mode, or wherever the work to protect is one database transaction anyway:
 *
 * <pre>{@code
 * TransactionLock invoice = transactionLocker.lock("invoice-42");
 * connection.setAutoCommit(false);
 * invoice.hold(connection);       // AcquireFailure if not acquired within the acquire timeout
 * // ... the transaction's work, under the lock
 * connection.commit();            // releases the lock
 * }</pre>
 *
 * <p>Keys, modes, timeouts and outcomes are those of {@link Locker} and {@link Lock}: a name is hashed to
 * the same key a session lock of the same application takes, so session and transaction locks on one name
 * exclude each other.
 */
public interface TransactionLocker {
    /** The application name lock names are prefixed with; empty when lock names are used bare. */
    Optional<String> appName();

    /** Whether {@link TransactionLock#acquire(java.sql.Connection)} waits unless the lock says otherwise. */
    boolean blocking();

    /**
     * How long blocking acquires wait unless the lock says otherwise; {@link Lock#WAIT_FOREVER} for no
     * limit.
     */
    Duration acquireTimeout();

    /**
     * The key this locker gives {@code name}: {@code LockKey.named(appName, name)}.
     *
     * @throws IllegalArgumentException if {@code name} is null or not well-formed UTF-16
     */
    default LockKey key(String name) {
        return LockKey.named(appName().orElse(null), name);
    }

    /** An exclusive lock on {@code name}, with this locker's defaults. */
    default TransactionLock lock(String name) {
        return lock(name, LockOptions.DEFAULTS);
    }

    /** A lock on {@code name} in {@code mode}, with this locker's defaults. */
    default TransactionLock lock(String name, LockMode mode) {
        return lock(name, LockOptions.of(mode));
    }

    /**
     * A lock on {@code name} with its own options.
     *
     * @throws IllegalArgumentException if {@code name} is null or not well-formed UTF-16
     */
    default TransactionLock lock(String name, LockOptions options) {
        return lock(key(name), options);
    }

    /** A lock on a key of your own numbering, in {@code mode}, with this locker's defaults. */
    default TransactionLock lock(LockKey key, LockMode mode) {
        return lock(key, LockOptions.of(mode));
    }

    /**
     * A lock on a key of your own numbering, with its own options.
     *
     * @throws IllegalArgumentException if {@code key} or {@code options} is null
     */
    TransactionLock lock(LockKey key, LockOptions options);

    /** How many acquires of this locker wait in PostgreSQL for a lock held elsewhere, right now. */
    int waitingForLock();
}
