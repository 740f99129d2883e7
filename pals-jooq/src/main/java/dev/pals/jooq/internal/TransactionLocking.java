package dev.pals.jooq.internal;

import dev.pals.AcquireFailure.Reason;
import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockKey;
import dev.pals.LockListener;
import dev.pals.LockMode;
import dev.pals.internal.Text;
import dev.pals.internal.Timeouts;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a transaction locker does with the caller's connection: checks that the call can work, takes the
 * lock in the caller's transaction (a single try, or a wait bounded by the server under a savepoint), and
 * tells the listener. Holds no connection and no state per lock; thread-safe.
 */
public final class TransactionLocking {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");
    /** invalid_savepoint_specification: the savepoint is gone (a driver's autosave rolled back past it). */
    private static final String NO_SUCH_SAVEPOINT = "3B001";
    /** invalid_sql_statement_name: "prepared statement S_1 does not exist". */
    private static final String INVALID_PREPARED_STATEMENT = "26000";
    /** duplicate_prepared_statement: "prepared statement S_1 already exists". */
    private static final String DUPLICATE_PREPARED_STATEMENT = "42P05";
    /** How much shorter than the connection's network timeout a wait must be, for the answer to come back. */
    public static final Duration NETWORK_HEADROOM = Duration.ofSeconds(1);

    private final Events events;
    private final boolean listening;
    private final AtomicInteger waitingForLock = new AtomicInteger();

    /** @param listener the locker's listener ({@link LockListener#NONE} for none); each call is guarded */
    public TransactionLocking(LockListener listener) {
        this.events = new Events(listener, null);
        this.listening = listener != LockListener.NONE;
    }

    /** Acquires that wait in PostgreSQL right now. */
    public int waitingForLock() {
        return waitingForLock.get();
    }

    /**
     * Takes the lock in the transaction running on {@code connection}: one try if not {@code wait}, else
     * a wait of at most {@code timeout} ({@link Lock#WAIT_FOREVER}: no limit; already checked by
     * {@link Timeouts#check}, positive).
     *
     * @throws IllegalStateException if the connection is in autocommit mode
     * @throws IllegalArgumentException if the wait is longer than the connection or session can honour
     */
    public Outcome acquire(Connection connection, String name, LockKey key, LockMode mode, boolean wait,
            Duration timeout) {
        long start = System.nanoTime();
        if (connection == null) {
            throw new IllegalArgumentException("connection must not be null");
        }
        boolean forever = wait && timeout.equals(Lock.WAIT_FOREVER);
        long lockTimeoutMillis = !wait || forever ? 0 : Timeouts.lockTimeoutMillis(timeout);
        SQLException broken = null;
        try {
            checkConnection(connection, name, wait, forever, lockTimeoutMillis);
        } catch (SQLException e) {
            broken = e; // the connection cannot even say its mode: reported as a failed acquire below
        }
        LockInfo info = listening ? new Attempt(name, key, mode) : null;
        events.acquireStarted(info);
        Outcome outcome;
        if (broken != null) {
            outcome = failed(broken, start);
        } else if (wait) {
            outcome = lock(connection, name, key, mode, lockTimeoutMillis, forever, start);
        } else {
            outcome = tryLock(connection, key, mode, start);
        }
        if (outcome.acquired) {
            events.acquired(info, outcome.waitedNanos);
        } else {
            events.acquireFailed(info, outcome.reason, outcome.waitedNanos, outcome.cause);
        }
        if (outcome.refusal != null) {
            throw outcome.refusal;
        }
        return outcome;
    }

    private static void checkConnection(Connection connection, String name, boolean wait, boolean forever,
            long lockTimeoutMillis) throws SQLException {
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("cannot take transaction lock \"" + Text.shorten(name)
                    + "\": the connection is in autocommit mode, so the lock would end with the statement that"
                    + " takes it. Take it inside a transaction (connection.setAutoCommit(false), jOOQ's"
                    + " dsl.transaction(...), Spring's @Transactional), or use a Locker for a session lock");
        }
        if (!wait) {
            return;
        }
        int networkTimeout;
        try {
            networkTimeout = connection.getNetworkTimeout();
        } catch (SQLFeatureNotSupportedException e) {
            return; // a wrapper that cannot tell: nothing to check against
        }
        if (networkTimeout <= 0) {
            return;
        }
        long headroom = NETWORK_HEADROOM.toMillis();
        if (forever || lockTimeoutMillis + headroom > networkTimeout) {
            long most = networkTimeout - headroom;
            throw new IllegalArgumentException("cannot wait " + (forever ? "forever" : lockTimeoutMillis + " ms")
                    + " for transaction lock \"" + Text.shorten(name) + "\": the connection's network timeout is "
                    + networkTimeout + " ms, so the driver would drop the connection before the server answers."
                    + (most > 0 ? " Wait at most " + most + " ms (the network timeout less " + headroom + " ms),"
                            : " Use a try (Duration.ZERO),")
                    + " or raise the network timeout (Connection.setNetworkTimeout, pgjdbc's socketTimeout)");
        }
    }

    private Outcome tryLock(Connection connection, LockKey key, LockMode mode, long start) {
        AdvisorySql.Statement sql = TransactionSql.tryLock(key, mode);
        try (PreparedStatement statement = connection.prepareStatement(sql.sql())) {
            sql.bind(statement, key, mode, 0);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getBoolean(1) ? Outcome.acquired(start)
                        : Outcome.failed(Reason.NOT_AVAILABLE, null, null, start);
            }
        } catch (SQLException e) {
            return failed(e, start);
        }
    }

    private Outcome lock(Connection connection, String name, LockKey key, LockMode mode, long lockTimeoutMillis,
            boolean forever, long start) {
        AdvisorySql.Statement sql = TransactionSql.lock(key, mode);
        long leastStatementTimeout = forever ? Long.MAX_VALUE : lockTimeoutMillis;
        waitingForLock.incrementAndGet();
        try (PreparedStatement statement = connection.prepareStatement(sql.sql())) {
            sql.bind(statement, key, mode, lockTimeoutMillis, leastStatementTimeout);
            boolean isResultSet = statement.execute();
            while (!isResultSet && statement.getUpdateCount() != -1) {
                isResultSet = statement.getMoreResults();
            }
            if (!isResultSet) {
                throw new IllegalStateException("the bounded lock statement returned no row: " + sql.sql());
            }
            try (ResultSet rs = statement.getResultSet()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    String statementTimeout = rs.getString(2);
                    return Outcome.refused(new IllegalArgumentException("cannot wait "
                            + (forever ? "forever" : lockTimeoutMillis + " ms") + " for transaction lock \""
                            + Text.shorten(name) + "\": this session's statement_timeout is " + statementTimeout
                            + ", so the server would cancel the wait first. Wait at most " + statementTimeout
                            + ", or raise statement_timeout for the transaction (SET LOCAL statement_timeout = ...)"),
                            start);
                }
            }
            return Outcome.acquired(start);
        } catch (SQLException e) {
            SQLException failure = e;
            if (!SqlStates.isConnectionLost(e)) {
                SQLException undoFailure = undo(connection);
                if (undoFailure != null) {
                    undoFailure.addSuppressed(e);
                    failure = undoFailure;
                }
            }
            return failed(failure, start);
        } finally {
            waitingForLock.decrementAndGet();
        }
    }

    /**
     * Rolls the failed wait's savepoint back: the transaction is usable again, {@code lock_timeout} is
     * what it was.
     *
     * @return null if that worked (or the savepoint was already gone); otherwise why not
     */
    private static SQLException undo(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            statement.execute(TransactionSql.UNDO);
            return null;
        } catch (SQLException e) {
            if (NO_SUCH_SAVEPOINT.equals(e.getSQLState())) {
                // Rolled back past it already: by a driver's autosave (pgjdbc autosave=always, which also
                // rolls this failure back), or the savepoint was never made (the transaction was aborted
                // before the call, which the first error reports).
                return null;
            }
            LOG.log(Level.WARNING, "rolling back a failed transaction lock wait failed; the transaction is aborted", e);
            return e;
        }
    }

    private static Outcome failed(SQLException e, long start) {
        Reason reason = SqlStates.reasonOf(e);
        String detail = null;
        if (reason == Reason.SERVER_ERROR) {
            String state = e.getSQLState();
            detail = "(SQLSTATE " + state + ": " + SqlStates.summary(e) + ")";
            if (INVALID_PREPARED_STATEMENT.equals(state) || DUPLICATE_PREPARED_STATEMENT.equals(state)) {
                // pgjdbc's named statements landing on another server connection: a transaction pooler.
                detail += "; behind PgBouncer or another transaction pooler, connect with pgjdbc's prepareThreshold=0";
            }
        }
        return Outcome.failed(reason, detail, e, start);
    }

    /** One acquire, as listeners see it: each call is its own (a lock object serves many transactions). */
    private static final class Attempt implements LockInfo {
        private final String name;
        private final LockKey key;
        private final LockMode mode;

        Attempt(String name, LockKey key, LockMode mode) {
            this.name = name;
            this.key = key;
            this.mode = mode;
        }

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
        public String toString() {
            return "LockInfo[\"" + Text.shorten(name) + "\", key " + key.displayNumber() + ", " + mode.label()
                    + ", transaction]";
        }
    }

    /** The result of an acquire: acquired, or why not; and how long it took. */
    public static final class Outcome {
        public final boolean acquired;
        public final Reason reason;
        public final String detail;
        public final Throwable cause;
        public final long waitedNanos;
        final IllegalArgumentException refusal;

        private Outcome(boolean acquired, Reason reason, String detail, Throwable cause,
                IllegalArgumentException refusal, long start) {
            this.acquired = acquired;
            this.reason = reason;
            this.detail = detail;
            this.cause = cause;
            this.refusal = refusal;
            this.waitedNanos = System.nanoTime() - start;
        }

        static Outcome acquired(long start) {
            return new Outcome(true, null, null, null, null, start);
        }

        static Outcome failed(Reason reason, String detail, Throwable cause, long start) {
            return new Outcome(false, reason, detail, cause, null, start);
        }

        /** The session's settings do not allow the wait: listeners hear a server error, the caller gets the refusal. */
        static Outcome refused(IllegalArgumentException refusal, long start) {
            return new Outcome(false, Reason.SERVER_ERROR, null, refusal, refusal, start);
        }
    }
}
