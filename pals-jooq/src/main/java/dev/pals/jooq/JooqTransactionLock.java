package dev.pals.jooq;

import dev.pals.AcquireFailure;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.TransactionLock;
import dev.pals.internal.Text;
import dev.pals.internal.Timeouts;
import dev.pals.jooq.internal.TransactionLocking;
import dev.pals.jooq.internal.TransactionSql;
import java.sql.Connection;
import java.time.Duration;
import org.jooq.Condition;
import org.jooq.Configuration;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * A {@link TransactionLock} that also takes jOOQ's {@link DSLContext} and {@link Configuration} (the one
 * {@code dsl.transaction(configuration -> ...)} hands you), and renders as jOOQ fields and conditions, so
 * that a lock can be taken inside a query of your own. Made by {@link JooqTransactionLocker#lock}.
 *
 * <p>A {@link DSLContext} or {@link Configuration} must be in a transaction: the lock is taken on the
 * connection its {@link org.jooq.ConnectionProvider} hands out, which inside {@code dsl.transaction(...)}
 * (or a Spring-managed transaction) is the transaction's own. Outside one, that connection is normally in
 * autocommit mode, and the call is refused with {@link IllegalStateException}.
 *
 * <h2>As fields and conditions</h2>
 * {@link #tryLockField()}, {@link #tryLockCondition()}, {@link #lockField()} and {@link #lockCondition()}
 * are the plain PostgreSQL calls ({@code pg_try_advisory_xact_lock(key)}, {@code pg_advisory_xact_lock(key)}
 * and their {@code _shared} forms), with the key as bind values. They run as part of your statement, so
 * none of this class's guarantees apply to them: no listener events; a blocking one waits as long as the
 * session's own {@code lock_timeout} allows (none by default), and its timeout, like any failed statement,
 * aborts your transaction. PostgreSQL evaluates them where and as often as the plan says: in a query over
 * many rows, a condition may run once per row (taking the lock on the first) or not at all, if another
 * condition already decided. Use them where they are evaluated once, such as
 * {@code dsl.select(lock.tryLockField())} or a single-row statement.
 */
public final class JooqTransactionLock implements TransactionLock {
    private final TransactionLocking core;
    private final String name;
    private final LockKey key;
    private final LockMode mode;
    private final boolean blocking;
    private final Duration acquireTimeout;

    JooqTransactionLock(TransactionLocking core, LockKey key, LockMode mode, boolean blocking, Duration acquireTimeout) {
        this.core = core;
        this.name = key.displayName();
        this.key = key;
        this.mode = mode;
        this.blocking = blocking;
        this.acquireTimeout = acquireTimeout;
    }

    // ---- plain JDBC ----------------------------------------------------------------------------------

    @Override
    public boolean acquire(Connection connection) {
        return acquire(connection, blocking);
    }

    @Override
    public boolean acquire(Connection connection, boolean blocking) {
        return attempt(connection, blocking, acquireTimeout, false);
    }

    @Override
    public boolean acquire(Connection connection, Duration timeout) {
        Timeouts.check("timeout", timeout);
        return attempt(connection, true, timeout, false);
    }

    @Override
    public void hold(Connection connection) {
        attempt(connection, blocking, acquireTimeout, true);
    }

    @Override
    public void hold(Connection connection, Duration timeout) {
        Timeouts.check("timeout", timeout);
        attempt(connection, true, timeout, true);
    }

    private boolean attempt(Connection connection, boolean blocking, Duration timeout, boolean throwEveryFailure) {
        TransactionLocking.Outcome outcome = core.acquire(connection, name, key, mode,
                blocking && !timeout.isZero(), timeout);
        if (outcome.acquired) {
            return true;
        }
        if (throwEveryFailure || outcome.reason.isError()) {
            throw new AcquireFailure(name, key, mode, Duration.ofNanos(outcome.waitedNanos), outcome.reason,
                    outcome.detail, outcome.cause);
        }
        return false;
    }

    // ---- jOOQ ----------------------------------------------------------------------------------------

    /** {@link #acquire(Connection)} on the connection of {@code dsl}, which must be in a transaction. */
    public boolean acquire(DSLContext dsl) {
        return on(dsl).connectionResult(this::acquire);
    }

    /** {@link #acquire(Connection, boolean)} on the connection of {@code dsl}. */
    public boolean acquire(DSLContext dsl, boolean blocking) {
        return on(dsl).connectionResult(connection -> acquire(connection, blocking));
    }

    /** {@link #acquire(Connection, Duration)} on the connection of {@code dsl}. */
    public boolean acquire(DSLContext dsl, Duration timeout) {
        return on(dsl).connectionResult(connection -> acquire(connection, timeout));
    }

    /** {@link #hold(Connection)} on the connection of {@code dsl}. */
    public void hold(DSLContext dsl) {
        on(dsl).connection(this::hold);
    }

    /** {@link #hold(Connection, Duration)} on the connection of {@code dsl}. */
    public void hold(DSLContext dsl, Duration timeout) {
        on(dsl).connection(connection -> hold(connection, timeout));
    }

    /** {@link #acquire(DSLContext)} with {@code configuration.dsl()}: in {@code dsl.transaction(cfg -> ...)}. */
    public boolean acquire(Configuration configuration) {
        return acquire(dsl(configuration));
    }

    /** {@link #acquire(DSLContext, boolean)} with {@code configuration.dsl()}. */
    public boolean acquire(Configuration configuration, boolean blocking) {
        return acquire(dsl(configuration), blocking);
    }

    /** {@link #acquire(DSLContext, Duration)} with {@code configuration.dsl()}. */
    public boolean acquire(Configuration configuration, Duration timeout) {
        return acquire(dsl(configuration), timeout);
    }

    /** {@link #hold(DSLContext)} with {@code configuration.dsl()}. */
    public void hold(Configuration configuration) {
        hold(dsl(configuration));
    }

    /** {@link #hold(DSLContext, Duration)} with {@code configuration.dsl()}. */
    public void hold(Configuration configuration, Duration timeout) {
        hold(dsl(configuration), timeout);
    }

    private static DSLContext on(DSLContext dsl) {
        if (dsl == null) {
            throw new IllegalArgumentException("dsl must not be null");
        }
        return dsl;
    }

    private static DSLContext dsl(Configuration configuration) {
        if (configuration == null) {
            throw new IllegalArgumentException("configuration must not be null");
        }
        return configuration.dsl();
    }

    /**
     * {@code pg_try_advisory_xact_lock(key)} (or {@code _shared}) as a field: true if the statement's
     * transaction now holds the lock, false at once if it is held elsewhere. See the class comment on where
     * to use it.
     */
    public Field<Boolean> tryLockField() {
        return DSL.function(TransactionSql.tryFunction(mode), SQLDataType.BOOLEAN, keyFields());
    }

    /** {@link #tryLockField()} as a condition: {@code where pg_try_advisory_xact_lock(key)}. */
    public Condition tryLockCondition() {
        return DSL.condition(tryLockField());
    }

    /**
     * {@code pg_advisory_xact_lock(key) is not null} (or {@code _shared}) as a condition: waits for the
     * lock, bounded only by the session's own {@code lock_timeout}, then true. See the class comment.
     */
    public Condition lockCondition() {
        return DSL.function(TransactionSql.lockFunction(mode), SQLDataType.OTHER, keyFields()).isNotNull();
    }

    /** {@link #lockCondition()} as a boolean field, for a select list. */
    public Field<Boolean> lockField() {
        return DSL.field(lockCondition());
    }

    private Field<?>[] keyFields() {
        return key.isPair() ? new Field<?>[] {DSL.val(key.key1()), DSL.val(key.key2())}
                : new Field<?>[] {DSL.val(key.value())};
    }

    // ---- what it is ------------------------------------------------------------------------------------

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

    @Override
    public boolean blocking() {
        return blocking;
    }

    @Override
    public Duration acquireTimeout() {
        return acquireTimeout;
    }

    @Override
    public String toString() {
        return "TransactionLock[\"" + Text.shorten(name) + "\", key " + key.displayNumber() + ", " + mode.label()
                + (blocking ? ", blocking up to " + Timeouts.describe(acquireTimeout) : ", non-blocking") + "]";
    }
}
