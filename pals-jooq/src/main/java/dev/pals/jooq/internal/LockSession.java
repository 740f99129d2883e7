package dev.pals.jooq.internal;

import dev.pals.LockKey;
import dev.pals.LockMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A database session that advisory locks live on: one borrowed connection, and what this process
 * knows it holds there. Locks are tied to their session on the server and end with it, so the
 * session, not the lock, is what is borrowed, returned, reset and watched.
 *
 * <p>Every statement runs under the session's {@code use} lock: the owner's acquire and release, the
 * watchdog's ping, a confirm. The watchdog only ever tries it, so it never delays the owner by more
 * than one ping. Every call is bounded by a network timeout: the base one, or for a blocking wait its
 * lock timeout plus the base one, so a dead or frozen network path fails the call rather than hang it.
 */
public final class LockSession {
    /** pgjdbc ignores the executor of {@code setNetworkTimeout}. */
    private static final Executor DIRECT = Runnable::run;

    private final Connection connection;
    private final SessionSource source;
    private final boolean autoCommitWasOff;
    private final int originalNetworkTimeoutMillis;
    private final int networkTimeoutMillis;
    /** The connection's prepared statements (the PALs pool), or null to prepare per call. */
    private final StatementCache statements;
    private final AtomicBoolean returned = new AtomicBoolean();
    private final ReentrantLock use = new ReentrantLock();

    // Guarded by use.
    private int held;
    private boolean uncertain;
    private volatile PreparedStatement running;
    /** The lock state this session holds a lock for; null while it holds none. */
    private volatile LockState owner;
    /** The session is gone on the server (or its path is): what it held is lost. */
    private volatile boolean lost;

    /**
     * @param originalNetworkTimeoutMillis the connection's network timeout when borrowed, restored on
     *     return (a user's DataSource); -1 if the pool restores it itself
     * @param statements the connection's prepared statements (the PALs pool), or null to prepare per call
     */
    LockSession(Connection connection, SessionSource source, boolean autoCommitWasOff,
            int originalNetworkTimeoutMillis, int networkTimeoutMillis, StatementCache statements) {
        this.connection = connection;
        this.source = source;
        this.autoCommitWasOff = autoCommitWasOff;
        this.originalNetworkTimeoutMillis = originalNetworkTimeoutMillis;
        this.networkTimeoutMillis = networkTimeoutMillis;
        this.statements = statements;
    }

    Connection connection() {
        return connection;
    }

    /** Whether the connection came with autocommit off (a user {@code DataSource}); restored on return. */
    boolean autoCommitWasOff() {
        return autoCommitWasOff;
    }

    /** The connection's network timeout when borrowed, to restore; -1 if there is nothing to restore. */
    int originalNetworkTimeoutMillis() {
        return originalNetworkTimeoutMillis;
    }

    /**
     * Waits for the lock up to {@code lockTimeoutMillis} (0 = no limit), bounded by the server; the
     * network timeout meanwhile is the lock timeout plus the base one (none when waiting forever).
     *
     * @throws SQLException with SQLSTATE 55P03 when the timeout passed
     */
    void lock(LockKey key, LockMode mode, long lockTimeoutMillis) throws SQLException {
        AdvisorySql.Statement sql = AdvisorySql.lock(key, mode);
        use.lock();
        try {
            uncertain = true;
            long waitBound = lockTimeoutMillis == 0 ? 0 : Math.min(Integer.MAX_VALUE, lockTimeoutMillis + networkTimeoutMillis);
            connection.setNetworkTimeout(DIRECT, (int) waitBound);
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
                throw noteFailure(e);
            }
            held++;
            uncertain = false;
            connection.setNetworkTimeout(DIRECT, networkTimeoutMillis);
        } finally {
            use.unlock();
        }
    }

    /** One try; true if the lock was free and is now held here. */
    boolean tryLock(LockKey key, LockMode mode) throws SQLException {
        use.lock();
        try {
            boolean locked = queryBoolean(AdvisorySql.tryLock(key, mode), key);
            if (locked) {
                held++;
            }
            return locked;
        } finally {
            use.unlock();
        }
    }

    /** Unlocks once; false if the server says this session did not hold it. */
    boolean unlock(LockKey key, LockMode mode) throws SQLException {
        use.lock();
        try {
            boolean unlocked = queryBoolean(AdvisorySql.unlock(key, mode), key);
            if (unlocked) {
                held--;
            } else {
                uncertain = true;
            }
            return unlocked;
        } finally {
            use.unlock();
        }
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
        } catch (SQLException e) {
            throw noteFailure(e);
        }
        uncertain = false;
        return result;
    }

    private StatementCache.Prepared prepare(AdvisorySql.Statement sql) throws SQLException {
        return statements != null ? statements.get(sql) : StatementCache.once(connection, sql);
    }

    /**
     * Asks the server whether this session holds {@code key} in {@code mode} right now.
     *
     * @throws SQLException if the session cannot answer (then it is {@linkplain #isLost() lost} if the
     *     connection is gone)
     */
    boolean confirm(LockKey key, LockMode mode) throws SQLException {
        use.lock();
        try (PreparedStatement statement = connection.prepareStatement(AdvisorySql.HOLDS)) {
            statement.setLong(1, Integer.toUnsignedLong(key.key1()));
            statement.setLong(2, Integer.toUnsignedLong(key.key2()));
            statement.setInt(3, key.isPair() ? 2 : 1);
            statement.setString(4, mode == LockMode.SHARED ? "ShareLock" : "ExclusiveLock");
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw noteFailure(e);
        } finally {
            use.unlock();
        }
    }

    /**
     * The watchdog's check: one cheap statement within {@code timeoutMillis}, unless the owner is using
     * the session right now (then its own call will tell). It proves the session alive and keeps it
     * from looking idle to {@code idle_session_timeout} or a proxy.
     *
     * @return false if the session turned out lost
     */
    boolean ping(int timeoutMillis) {
        if (!use.tryLock()) {
            return true;
        }
        try {
            if (returned.get() || lost) {
                return !lost;
            }
            connection.setNetworkTimeout(DIRECT, timeoutMillis);
            try (Statement statement = connection.createStatement()) {
                statement.execute(AdvisorySql.PING);
            }
            connection.setNetworkTimeout(DIRECT, networkTimeoutMillis);
            return true;
        } catch (SQLException e) {
            noteFailure(e);
            if (!lost) {
                System.getLogger("dev.pals.jooq").log(System.Logger.Level.WARNING,
                        "checking a lock session failed, but it does not look lost", e);
            }
            return !lost;
        } finally {
            use.unlock();
        }
    }

    /**
     * A ping for a health check on a session that holds locks: true if it answered; false if another
     * thread is using it or it failed (then it may be {@linkplain #isLost() lost}).
     */
    boolean pingIfFree(int timeoutMillis) {
        if (!use.tryLock()) {
            return false;
        }
        try {
            if (returned.get() || lost) {
                return false;
            }
            checkAlive(timeoutMillis);
            return true;
        } catch (SQLException e) {
            return false;
        } finally {
            use.unlock();
        }
    }

    /** One cheap statement within {@code timeoutMillis}; the caller holds the session. */
    void checkAlive(int timeoutMillis) throws SQLException {
        use.lock();
        try {
            connection.setNetworkTimeout(DIRECT, timeoutMillis);
            try (Statement statement = connection.createStatement()) {
                statement.execute(AdvisorySql.PING);
            }
            connection.setNetworkTimeout(DIRECT, networkTimeoutMillis);
        } catch (SQLException e) {
            throw noteFailure(e);
        } finally {
            use.unlock();
        }
    }

    /** The PostgreSQL backend pid of the session, from the driver (no round trip); 0 if it cannot tell. */
    int backendPid() {
        try {
            return connection.unwrap(org.postgresql.PGConnection.class).getBackendPID();
        } catch (SQLException | RuntimeException e) {
            return 0;
        }
    }

    private SQLException noteFailure(SQLException e) {
        if (SqlStates.isConnectionLost(e)) {
            lost = true;
        }
        return e;
    }

    /** Whether the session is known to hold no advisory lock, so its return needs no reset. */
    boolean isClean() {
        return held == 0 && !uncertain && !lost;
    }

    /** Whether the session is known to be gone: the locks it held are lost. */
    boolean isLost() {
        return lost;
    }

    LockState owner() {
        return owner;
    }

    void owner(LockState owner) {
        this.owner = owner;
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

    /** Returns the session to where it came from (once; later calls do nothing). Never throws. */
    void giveBack() {
        if (returned.compareAndSet(false, true)) {
            owner = null;
            use.lock();
            try {
                source.giveBack(this);
            } finally {
                use.unlock();
            }
        }
    }
}
