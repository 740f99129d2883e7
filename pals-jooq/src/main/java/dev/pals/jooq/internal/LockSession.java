package dev.pals.jooq.internal;

import dev.pals.LockKey;
import dev.pals.LockMode;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.postgresql.PGConnection;

/**
 * A database session that advisory locks live on: one borrowed connection, the statements that take,
 * test and drop locks on it, and what it knows it holds. It knows nothing of who holds what: it answers
 * with values ({@code true}, {@code false}, a {@link SQLException}) and remembers when its connection
 * turned out dead ({@link #isLost()}), for the caller to act on.
 *
 * <p>Every statement runs under the session's {@code use} lock, one at a time; checks only ever try
 * that lock, so they never delay others. Every call is bounded by a network timeout: the base one, or
 * for a blocking wait its lock timeout plus the base one, so a dead or frozen path fails a call rather
 * than hang it. {@link #cancel()} and {@link #abort()} act from other threads, without the lock.
 *
 * <p>{@link #reset()} is the one place a session is made clean before its connection goes back.
 */
public final class LockSession {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");
    /** pgjdbc runs {@code setNetworkTimeout} and {@code abort} itself; it needs no executor of ours. */
    static final Executor DIRECT = Runnable::run;

    private final Connection connection;
    private final Connection physical;
    private final StatementCache statements;
    private final int networkTimeoutMillis;
    private final int backendPid;
    private final String serverIdentity;
    private final boolean autoCommitWasOff;
    private final int originalNetworkTimeoutMillis;
    private final ReentrantLock use = new ReentrantLock();

    // Guarded by use.
    private int held;
    private boolean uncertain;
    /** The session is gone on the server (or its path is): what it held is lost. */
    private volatile boolean lost;
    private volatile SQLException lostCause;

    /**
     * @param connection the connection as borrowed: statements run on it unless {@code statements} are
     *     given
     * @param statements the physical connection's prepared statements (the PALs pool), or null to
     *     prepare per call on {@code connection}
     * @param autoCommitWasOff whether the connection came with autocommit off, to restore on return
     * @param originalNetworkTimeoutMillis the connection's network timeout when borrowed, to restore on
     *     return; -1 if the pool restores it itself
     */
    LockSession(Connection connection, Connection physical, ServerCheck.Server server, StatementCache statements,
            int networkTimeoutMillis, boolean autoCommitWasOff, int originalNetworkTimeoutMillis) {
        this.connection = connection;
        this.physical = physical;
        this.statements = statements;
        this.networkTimeoutMillis = networkTimeoutMillis;
        this.backendPid = server.backendPid;
        this.serverIdentity = server.identity;
        this.autoCommitWasOff = autoCommitWasOff;
        this.originalNetworkTimeoutMillis = originalNetworkTimeoutMillis;
    }

    /** The driver's own connection behind a pool's wrapper (or the connection itself). */
    static Connection physicalOf(Connection connection) {
        try {
            return connection.unwrap(Connection.class);
        } catch (SQLException | RuntimeException e) {
            return connection;
        }
    }

    /** The backend's process id, as the driver learnt it when connecting (no round trip); 0 if unknown. */
    static int backendPidOf(Connection connection) {
        try {
            return connection.unwrap(PGConnection.class).getBackendPID();
        } catch (SQLException | RuntimeException e) {
            return 0;
        }
    }

    Connection connection() {
        return connection;
    }

    /** The physical connection's prepared statements (the PALs pool), or null. */
    StatementCache statementCache() {
        return statements;
    }

    /** The PostgreSQL backend pid of this session ({@code pg_locks.pid}); 0 if the driver does not say. */
    public int backendPid() {
        return backendPid;
    }

    /** Which server (and which start of it) the session is on: a change means a failover or a restart. */
    public String serverIdentity() {
        return serverIdentity;
    }

    boolean autoCommitWasOff() {
        return autoCommitWasOff;
    }

    int originalNetworkTimeoutMillis() {
        return originalNetworkTimeoutMillis;
    }

    /**
     * Waits for the lock up to {@code lockTimeoutMillis} (0 = no limit), bounded by the server; the
     * network timeout meanwhile is the lock timeout plus the base one (none when waiting forever). Run
     * it only on a session that holds nothing: a failure leaves the session in doubt, and its reset
     * drops every lock it has.
     *
     * @throws SQLException with SQLSTATE 55P03 when the timeout passed
     */
    public void lock(LockKey key, LockMode mode, long lockTimeoutMillis) throws SQLException {
        use.lock();
        try {
            bounded(AdvisorySql.lock(key, mode), key, mode, lockTimeoutMillis, networkTimeoutMillis, false);
            held++;
        } finally {
            use.unlock();
        }
    }

    /** One try; true if the lock was free and is now held here. */
    public boolean tryLock(LockKey key, LockMode mode) throws SQLException {
        return tryLock(key, mode, networkTimeoutMillis);
    }

    /** {@link #tryLock(LockKey, LockMode)} within {@code timeoutMillis} if that is shorter than the base network timeout. */
    public boolean tryLock(LockKey key, LockMode mode, int timeoutMillis) throws SQLException {
        boolean shorter = timeoutMillis < networkTimeoutMillis;
        use.lock();
        try {
            if (shorter) {
                connection.setNetworkTimeout(DIRECT, Math.max(1, timeoutMillis));
            }
            boolean locked = queryBoolean(AdvisorySql.tryLock(key, mode), key, mode);
            if (locked) {
                held++;
            }
            return locked;
        } catch (SQLException e) {
            throw noteFailure(e);
        } finally {
            if (shorter) {
                restoreNetworkTimeout();
            }
            use.unlock();
        }
    }

    /**
     * An exclusive try that also takes the key's next fencing token, in the same statement. It waits for the
     * token's row (held by a transaction that checked the previous token and has not ended) at most
     * {@code rowWaitMillis}; a row still held then means the lock is not free yet (the previous holder's
     * fenced work is still going on), and whatever the try took is dropped. The answer comes within
     * {@code rowWaitMillis} + {@code timeoutMillis}.
     *
     * @return the token, or 0 if the lock was not free
     */
    public long tryLockFenced(AdvisorySql.Fencing fencing, LockKey key, long rowWaitMillis, int timeoutMillis)
            throws SQLException {
        use.lock();
        try {
            long token;
            try {
                token = bounded(fencing.tryLock(key), key, LockMode.EXCLUSIVE, rowWaitMillis, timeoutMillis, true);
            } catch (SQLException e) {
                if (!SqlStates.LOCK_NOT_AVAILABLE.equals(e.getSQLState()) || isLost()) {
                    throw e;
                }
                // The try may have been granted before the wait for the row ran out: a session holds each
                // key at most once, so one unlock settles it.
                dropIfHeld(key, LockMode.EXCLUSIVE, false);
                return 0;
            }
            if (token != 0) {
                held++;
            }
            return token;
        } finally {
            use.unlock();
        }
    }

    /**
     * {@link #lock} that also takes the key's next fencing token, in the same statement.
     *
     * @return the token
     */
    public long lockFenced(AdvisorySql.Fencing fencing, LockKey key, long lockTimeoutMillis) throws SQLException {
        use.lock();
        try {
            long token = bounded(fencing.lock(key), key, LockMode.EXCLUSIVE, lockTimeoutMillis, networkTimeoutMillis, true);
            held++;
            return token;
        } finally {
            use.unlock();
        }
    }

    /**
     * Runs a statement that may wait, bounded by the server ({@code lockTimeoutMillis}, 0 = no limit)
     * and meanwhile by a network timeout of the lock timeout plus {@code networkMillis} (none when waiting
     * forever). The session is in doubt until it answers: a failure may come just as the lock is granted.
     *
     * @param token whether the statement answers {@code got} and a fencing token (else it just returns)
     * @return the token if it answers one and got the lock; 0 if it did not get it; 1 otherwise
     */
    private long bounded(AdvisorySql.Statement sql, LockKey key, LockMode mode, long lockTimeoutMillis, int networkMillis,
            boolean token) throws SQLException {
        uncertain = true;
        long waitBound = lockTimeoutMillis == 0 ? 0 : Math.min(Integer.MAX_VALUE, lockTimeoutMillis + networkMillis);
        long result = 1;
        try {
            connection.setNetworkTimeout(DIRECT, (int) waitBound);
            try (StatementCache.Prepared prepared = prepare(sql)) {
                PreparedStatement statement = prepared.statement();
                sql.bind(statement, key, mode, lockTimeoutMillis);
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    if (token) {
                        result = rs.getBoolean(1) ? rs.getLong(2) : 0;
                    }
                }
            }
        } catch (SQLException e) {
            if (SqlStates.tookNothing(e)) {
                uncertain = false;
            }
            throw noteFailure(e);
        } finally {
            restoreNetworkTimeout();
        }
        uncertain = false;
        return result;
    }

    /** Creates the fencing tokens' table if it does not exist. */
    public void createFencingTable(AdvisorySql.Fencing fencing) throws SQLException {
        use.lock();
        try (Statement statement = connection.createStatement()) {
            statement.execute(fencing.create());
        } catch (SQLException e) {
            throw noteFailure(e);
        } finally {
            use.unlock();
        }
    }

    /** Unlocks once; false if the server says this session did not hold it. */
    public boolean unlock(LockKey key, LockMode mode) throws SQLException {
        use.lock();
        try {
            boolean unlocked = queryBoolean(AdvisorySql.unlock(key, mode), key, mode);
            if (unlocked) {
                held--;
            }
            return unlocked;
        } finally {
            use.unlock();
        }
    }

    /**
     * After a statement about {@code key} failed without telling whether it took effect: makes sure this
     * session does not hold it. A session holds each key at most once, so one unlock settles it.
     *
     * @param counted whether the lock was counted as held here (a release in doubt) or not (a lock or try
     *     in doubt)
     * @throws SQLException if even this fails: the session stays in doubt
     */
    public void dropIfHeld(LockKey key, LockMode mode, boolean counted) throws SQLException {
        use.lock();
        try {
            queryBoolean(AdvisorySql.unlock(key, mode), key, mode);
            if (counted) {
                held--;
            }
            uncertain = false;
        } finally {
            use.unlock();
        }
    }

    /**
     * Asks the server whether this session holds {@code key} in {@code mode} right now.
     *
     * @throws SQLException if the session cannot answer (then it is {@linkplain #isLost() lost} if the
     *     connection is gone)
     */
    public boolean holds(LockKey key, LockMode mode) throws SQLException {
        use.lock();
        try {
            return queryBoolean(AdvisorySql.HOLDS, key, mode);
        } finally {
            use.unlock();
        }
    }

    /**
     * Runs a statement whose one column is a boolean. A failure leaves the session in doubt about
     * {@code key} (the statement may have changed what it holds), which its reset clears.
     */
    private boolean queryBoolean(AdvisorySql.Statement sql, LockKey key, LockMode mode) throws SQLException {
        boolean result;
        try (StatementCache.Prepared prepared = prepare(sql)) {
            PreparedStatement statement = prepared.statement();
            sql.bind(statement, key, mode, 0);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                result = rs.getBoolean(1);
            }
        } catch (SQLException e) {
            if (!SqlStates.tookNothing(e)) {
                uncertain = true;
            }
            throw noteFailure(e);
        }
        return result;
    }

    private StatementCache.Prepared prepare(AdvisorySql.Statement sql) throws SQLException {
        return statements != null ? statements.get(sql) : StatementCache.once(connection, sql);
    }

    /**
     * A check: one cheap statement within {@code timeoutMillis}, unless someone is using the session
     * right now (then their own call will tell). It proves the session alive and keeps it from looking
     * idle to {@code idle_session_timeout} or a proxy.
     *
     * @return false if the session turned out lost
     */
    public boolean ping(int timeoutMillis) {
        if (!use.tryLock()) {
            return true;
        }
        try {
            if (lost) {
                return false;
            }
            pingNow(timeoutMillis);
            return true;
        } catch (SQLException e) {
            if (!lost) {
                LOG.log(Level.WARNING, "checking a lock session failed, but it does not look lost", e);
            }
            return !lost;
        } finally {
            use.unlock();
        }
    }

    /**
     * A check for {@code Locker.ping()}: like {@link #ping} but it waits up to {@code waitMillis} for
     * a statement in progress, and says what went wrong.
     *
     * @return false if another statement kept the session busy all that time
     * @throws SQLException if the check failed
     */
    public boolean check(int waitMillis, int timeoutMillis) throws SQLException {
        try {
            if (!use.tryLock(waitMillis, TimeUnit.MILLISECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            pingNow(timeoutMillis);
            return true;
        } finally {
            use.unlock();
        }
    }

    private void pingNow(int timeoutMillis) throws SQLException {
        try {
            connection.setNetworkTimeout(DIRECT, timeoutMillis);
            try (Statement statement = connection.createStatement()) {
                statement.execute(AdvisorySql.PING);
            }
        } catch (SQLException e) {
            throw noteFailure(e);
        } finally {
            restoreNetworkTimeout();
        }
    }

    /** Back to the base network timeout after a call that set its own (unless the session is gone). */
    private void restoreNetworkTimeout() {
        if (!lost) {
            try {
                connection.setNetworkTimeout(DIRECT, networkTimeoutMillis);
            } catch (SQLException e) {
                noteFailure(e);
                uncertain = true;
            }
        }
    }

    private SQLException noteFailure(SQLException e) {
        if (SqlStates.isConnectionLost(e)) {
            lostCause = e;
            lost = true;
        }
        return e;
    }

    /** Whether a statement runs (or is being prepared) on this session right now. */
    public boolean isBusy() {
        return use.isLocked();
    }

    /**
     * Takes the session for the calling thread if nobody uses it now, for statements to follow without
     * waiting; {@link #endUse()} gives it up. Never waits.
     *
     * @return whether the session is now the caller's
     */
    public boolean tryUse() {
        return use.tryLock();
    }

    /** Gives up what {@link #tryUse()} took. */
    public void endUse() {
        use.unlock();
    }

    /** Whether the calling thread has the session (after {@link #tryUse()}). */
    public boolean isHeldByCurrentThread() {
        return use.isHeldByCurrentThread();
    }

    /** Whether the session is known to hold no advisory lock, so its return needs no reset. */
    boolean isClean() {
        return held == 0 && !uncertain && !lost;
    }

    /** Whether the session is known to be gone: the locks it held are lost. */
    public boolean isLost() {
        return lost;
    }

    /** The failure that showed the session gone, or null. */
    public SQLException lostCause() {
        return lostCause;
    }

    /**
     * Asks the server to cancel the statement running on this session, if any (from another thread,
     * without the session's lock). Sent over a connection of its own; it may block up to the driver's
     * cancel timeouts, so call it off the caller's path. Nothing happens if nothing runs.
     */
    public void cancel() {
        try {
            physical.unwrap(PGConnection.class).cancelQuery();
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.DEBUG, "sending a cancel request failed", e);
        }
    }

    /**
     * Closes the connection's socket now, from any thread and whatever runs on it: a statement in
     * progress fails at once, and the session is lost (ending it on the server frees its locks).
     */
    public void abort() {
        lost = true;
        try {
            physical.abort(DIRECT);
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.DEBUG, "aborting a connection failed", e);
        }
    }

    /**
     * Makes the session clean for the next borrower: nothing if it is known to hold nothing, otherwise
     * {@code pg_advisory_unlock_all()}; a session that is lost, or whose reset fails, is destroyed
     * instead, which ends it and everything it holds. Never throws.
     */
    public SessionReset reset() {
        use.lock();
        try {
            return resetHeld();
        } finally {
            use.unlock();
        }
    }

    /**
     * {@link #reset()} by a deadline ({@link System#nanoTime()}), whatever other threads do: if a
     * statement keeps the session busy until then (a frozen path, a wait without limit), the connection
     * is aborted instead, which ends the session and its locks. The reset itself gets the time left as
     * its network timeout. Never throws.
     */
    public SessionReset resetBy(long deadlineNanos) {
        boolean locked;
        try {
            locked = use.tryLock(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            locked = false;
        }
        if (!locked) {
            abort();
            destroy();
            return SessionReset.destroyed(new SQLException("the session was still busy when its Locker closed", "08006"));
        }
        try {
            if (!lost && !isClean()) {
                long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
                try {
                    connection.setNetworkTimeout(DIRECT, (int) Math.max(1, Math.min(networkTimeoutMillis, leftMillis)));
                } catch (SQLException e) {
                    noteFailure(e);
                }
            }
            return resetHeld();
        } finally {
            use.unlock();
        }
    }

    private SessionReset resetHeld() {
        if (lost) {
            destroy();
            return SessionReset.destroyed(lostCause);
        }
        if (isClean()) {
            return SessionReset.CLEAN;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute(AdvisorySql.UNLOCK_ALL);
            held = 0;
            uncertain = false;
            return SessionReset.RESET;
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "resetting a lock session failed; closing its connection instead", e);
            destroy();
            return SessionReset.destroyed(e);
        }
    }

    /**
     * Ends the database session so that nothing it holds survives, and makes a pool drop the connection:
     * the physical connection is closed, then one more call through the borrowed wrapper fails with
     * SQLSTATE 08003, which pools read as "connection broken" (Agroal with its PostgreSQL exception
     * sorter, HikariCP by default). Never throws.
     */
    void destroy() {
        lost = true;
        try {
            physical.close();
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.DEBUG, "closing a physical connection failed", e);
        }
        if (connection != physical) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(AdvisorySql.PING);
            } catch (SQLException | RuntimeException expected) {
                // 08003: the pool now knows this connection is broken.
            }
        }
    }

    @Override
    public String toString() {
        return "LockSession[pid " + backendPid + (lost ? ", lost" : "") + "]";
    }
}
