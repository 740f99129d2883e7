package dev.pals.jooq.internal;

import dev.pals.LockKey;
import dev.pals.LockMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A database session that advisory locks live on: one borrowed connection, and what this process
 * knows it holds there. Locks are tied to their session on the server and end with it, so the
 * session, not the lock, is what is borrowed, returned, reset and (later) watched.
 *
 * <p>A session is used by one thread at a time (the one acquiring or releasing through it); only
 * {@link #cancel()} and the return claim may come from another.
 */
public final class LockSession {
    private final Connection connection;
    private final SessionSource source;
    private final boolean autoCommitWasOff;
    /** The connection's prepared statements (the PALs pool), or null to prepare per call. */
    private final StatementCache statements;
    private final AtomicBoolean returned = new AtomicBoolean();

    private int held;
    private boolean uncertain;
    private volatile PreparedStatement running;

    LockSession(Connection connection, SessionSource source, boolean autoCommitWasOff) {
        this(connection, source, autoCommitWasOff, null);
    }

    LockSession(Connection connection, SessionSource source, boolean autoCommitWasOff, StatementCache statements) {
        this.connection = connection;
        this.source = source;
        this.autoCommitWasOff = autoCommitWasOff;
        this.statements = statements;
    }

    Connection connection() {
        return connection;
    }

    /** Whether the connection came with autocommit off (a user {@code DataSource}); restored on return. */
    boolean autoCommitWasOff() {
        return autoCommitWasOff;
    }

    /**
     * Waits for the lock up to {@code lockTimeoutMillis} (0 = no limit), bounded by the server.
     *
     * @throws SQLException with SQLSTATE 55P03 when the timeout passed
     */
    void lock(LockKey key, LockMode mode, long lockTimeoutMillis) throws SQLException {
        AdvisorySql.Statement sql = AdvisorySql.lock(key, mode);
        uncertain = true;
        try (StatementCache.Prepared prepared = prepare(sql)) {
            PreparedStatement statement = prepared.statement();
            sql.bind(statement, key, lockTimeoutMillis);
            running = statement;
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
            } finally {
                running = null;
            }
        } catch (SQLException e) {
            if (SqlStates.tookNothing(e)) {
                uncertain = false;
            }
            throw e;
        }
        held++;
        uncertain = false;
    }

    /** One try; true if the lock was free and is now held here. */
    boolean tryLock(LockKey key, LockMode mode) throws SQLException {
        boolean locked = queryBoolean(AdvisorySql.tryLock(key, mode), key);
        if (locked) {
            held++;
        }
        return locked;
    }

    /** Unlocks once; false if the server says this session did not hold it. */
    boolean unlock(LockKey key, LockMode mode) throws SQLException {
        boolean unlocked = queryBoolean(AdvisorySql.unlock(key, mode), key);
        if (unlocked) {
            held--;
        } else {
            uncertain = true;
        }
        return unlocked;
    }

    private boolean queryBoolean(AdvisorySql.Statement sql, LockKey key) throws SQLException {
        uncertain = true;
        boolean result;
        try (StatementCache.Prepared prepared = prepare(sql)) {
            PreparedStatement statement = prepared.statement();
            sql.bind(statement, key, 0);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                result = rs.getBoolean(1);
            }
        }
        uncertain = false;
        return result;
    }

    private StatementCache.Prepared prepare(AdvisorySql.Statement sql) throws SQLException {
        return statements != null ? statements.get(sql) : StatementCache.once(connection, sql);
    }

    /** Whether the session is known to hold no advisory lock, so its return needs no reset. */
    boolean isClean() {
        return held == 0 && !uncertain;
    }

    /** Cancels the statement in flight, if any (from another thread). */
    void cancel() {
        PreparedStatement statement = running;
        if (statement != null) {
            try {
                statement.cancel();
            } catch (SQLException ignored) {
                // The statement ended meanwhile, or the connection is gone: either way it no longer waits.
            }
        }
    }

    /** Claims the right to return this session; true exactly once. */
    boolean claimReturn() {
        return returned.compareAndSet(false, true);
    }

    /** Returns the session to where it came from (once; later calls do nothing). Never throws. */
    void giveBack() {
        if (claimReturn()) {
            source.giveBack(this);
        }
    }
}
