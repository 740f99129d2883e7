package dev.pals.jooq;

import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockListener;
import dev.pals.LockMode;
import dev.pals.LockOptions;
import dev.pals.Locker;
import dev.pals.TransactionLocker;
import dev.pals.internal.Text;
import dev.pals.internal.Timeouts;
import dev.pals.jooq.internal.TransactionLocking;
import java.time.Duration;
import java.util.Optional;

/**
 * A {@link TransactionLocker}: transaction-scoped advisory locks taken on your own connection, in your own
 * transaction, from plain JDBC or jOOQ. It owns no pool and no connection, so it suits applications behind
 * PgBouncer or a cloud pooler in transaction mode, where a {@link JooqLocker}'s session locks cannot work.
 *
 * <pre>{@code
 * JooqTransactionLocker locks = JooqTransactionLocker.builder("my-app").build();
 * JooqTransactionLock invoice = locks.lock("invoice-42");
 *
 * dsl.transaction(tx -> {
 *     invoice.hold(tx);            // waits up to 30 s; AcquireFailure if not acquired
 *     // ... the transaction's work, under the lock
 * });                              // commit or rollback releases it
 *
 * connection.setAutoCommit(false); // plain JDBC
 * if (invoice.acquire(connection, Duration.ZERO)) { ... }
 * connection.commit();
 * }</pre>
 *
 * <p>Listeners hear {@code acquireStarted}, {@code acquired} and {@code acquireFailed} for every acquire
 * (each call with a {@link dev.pals.LockInfo} of its own), never {@code released}: PostgreSQL releases the
 * lock when the transaction ends, which the library does not see.
 */
public final class JooqTransactionLocker implements TransactionLocker {
    private final String appName;
    private final boolean blocking;
    private final Duration acquireTimeout;
    private final LockListener listener;
    private final TransactionLocking core;

    private JooqTransactionLocker(Builder builder) {
        this.appName = builder.appName;
        this.blocking = builder.blocking;
        this.acquireTimeout = builder.acquireTimeout;
        this.listener = builder.listener;
        this.core = new TransactionLocking(LockListener.composite(listener));
    }

    /**
     * A builder for a transaction locker of application {@code appName}: lock names are prefixed with
     * {@code appName + "."}, as in Python PALs and {@link JooqLocker}. Null means bare lock names.
     */
    public static Builder builder(String appName) {
        return new Builder(appName);
    }

    @Override
    public Optional<String> appName() {
        return Optional.ofNullable(appName);
    }

    @Override
    public boolean blocking() {
        return blocking;
    }

    @Override
    public Duration acquireTimeout() {
        return acquireTimeout;
    }

    /** Who hears the acquires. */
    public LockListener listener() {
        return listener;
    }

    @Override
    public JooqTransactionLock lock(String name) {
        return lock(name, LockOptions.DEFAULTS);
    }

    @Override
    public JooqTransactionLock lock(String name, LockMode mode) {
        return lock(name, LockOptions.of(mode));
    }

    @Override
    public JooqTransactionLock lock(String name, LockOptions options) {
        return lock(key(name), options);
    }

    @Override
    public JooqTransactionLock lock(LockKey key, LockMode mode) {
        return lock(key, LockOptions.of(mode));
    }

    @Override
    public JooqTransactionLock lock(LockKey key, LockOptions options) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        return new JooqTransactionLock(core, key, options.mode(), options.blocking().orElse(blocking),
                options.acquireTimeout().orElse(acquireTimeout));
    }

    @Override
    public int waitingForLock() {
        return core.waitingForLock();
    }

    @Override
    public String toString() {
        return "JooqTransactionLocker[" + (appName == null ? "no app" : "\"" + Text.shorten(appName) + "\"")
                + (blocking ? ", blocking up to " + Timeouts.describe(acquireTimeout) : ", non-blocking") + "]";
    }

    /**
     * Builds a {@link JooqTransactionLocker}. Setters only record; {@link #build()} checks everything and
     * throws {@link IllegalArgumentException} naming the setting.
     */
    public static final class Builder {
        private final String appName;
        private boolean blocking = Locker.DEFAULT_BLOCKING;
        private Duration acquireTimeout = Locker.DEFAULT_ACQUIRE_TIMEOUT;
        private LockListener listener = LockListener.NONE;

        private Builder(String appName) {
            this.appName = appName;
        }

        /** Whether acquires wait for the lock unless the lock says otherwise. Default: true. */
        public Builder blocking(boolean blocking) {
            this.blocking = blocking;
            return this;
        }

        /**
         * How long blocking acquires wait unless the lock says otherwise. Default: 30 s.
         * {@link Duration#ZERO} makes acquires a single try; at most 2^31−1 ms, or
         * {@link Lock#WAIT_FOREVER}. A wait must also fit the connection's network timeout and the
         * session's {@code statement_timeout}; see {@link dev.pals.TransactionLock}.
         */
        public Builder acquireTimeout(Duration acquireTimeout) {
            this.acquireTimeout = acquireTimeout;
            return this;
        }

        /** Blocking acquires wait without limit unless the lock says otherwise. */
        public Builder waitForever() {
            return acquireTimeout(Lock.WAIT_FOREVER);
        }

        /**
         * Who hears the acquires (metrics, tracing): {@code acquireStarted}, {@code acquired},
         * {@code acquireFailed}; never {@code released}. Default: {@link LockListener#NONE}.
         */
        public Builder listener(LockListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * A new transaction locker. It connects to nothing.
         *
         * @throws IllegalArgumentException naming the first setting that is malformed
         */
        public JooqTransactionLocker build() {
            if (appName != null) {
                Text.utf8(appName, "appName");
            }
            Timeouts.check("acquireTimeout", acquireTimeout);
            if (listener == null) {
                throw new IllegalArgumentException("listener must not be null (LockListener.NONE hears nothing)");
            }
            return new JooqTransactionLocker(this);
        }
    }
}
