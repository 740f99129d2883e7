package dev.pals.jooq.internal;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * Sessions on connections from a user's {@link DataSource}. The library never installs anything on it
 * and never closes it: it borrows connections, switches one to autocommit if it came with autocommit off
 * (and no transaction open), and before handing it back {@linkplain LockSession#reset() resets} the
 * session and restores autocommit and the network timeout. {@code lock_timeout} is only ever set
 * transaction-locally, so there is nothing to restore. A connection whose clean-up fails is closed
 * physically.
 *
 * <p>Refused, before anything is taken on it: a connection inside an open transaction (the caller's
 * work is not ours to commit or roll back), and one whose database session this source already lent
 * (a DataSource that binds a connection to a thread hands out the same one twice, and advisory locks
 * re-enter within a session, so two holders would exclude nothing).
 *
 * <p>With a size, a {@link ConnectionGate} lets at most that many sessions out at once, and waiting for
 * a place counts against the acquire timeout. Without one, waiting for a connection is the
 * DataSource's own business (its own timeout applies), and the time it takes still counts.
 */
public final class DataSourceSessionSource implements SessionSource {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");

    private final DataSource dataSource;
    private final String target;
    private final ConnectionGate gate;
    private final int networkTimeoutMillis;
    /** Backend pids of the sessions lent out right now. */
    private final Set<Integer> lentPids = ConcurrentHashMap.newKeySet();
    /** What each physical connection seen is connected to; forgotten with the connection. */
    private final Map<Connection, ServerCheck.Server> servers = new WeakHashMap<>();
    private volatile boolean poolerChecked;
    private volatile UnsuitableConnectionException poolerVerdict;

    /**
     * @param maxSessions at most this many connections out at once, or 0 for no limit of our own
     * @param networkTimeout the base network timeout of every call on a borrowed connection (restored
     *     to what it was on return)
     */
    public DataSourceSessionSource(DataSource dataSource, int maxSessions, Duration networkTimeout) {
        this.dataSource = dataSource;
        this.networkTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, networkTimeout.toMillis());
        this.gate = maxSessions > 0 ? new ConnectionGate(maxSessions) : null;
        this.target = "the given DataSource (" + dataSource.getClass().getName() + ")";
    }

    @Override
    public LockSession borrow(long timeoutNanos, long deadlineNanos) throws SQLException, InterruptedException {
        if (gate != null && !gate.enter(timeoutNanos)) {
            return null;
        }
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException | RuntimeException | Error e) {
            leaveGate();
            throw e;
        }
        try {
            refuseIfUnsuitable(connection);
        } catch (SQLException | RuntimeException | Error e) {
            // Untouched: not reset, not rolled back; it goes back as it came.
            closeQuietly(connection);
            leaveGate();
            throw e;
        }
        int pid = LockSession.backendPidOf(connection);
        boolean autoCommitWasOff = false;
        try {
            autoCommitWasOff = !connection.getAutoCommit();
            if (autoCommitWasOff) {
                connection.setAutoCommit(true);
            }
            int networkTimeoutWas = connection.getNetworkTimeout();
            // Connecting was the DataSource's business; asking what a new connection is connected to is
            // bounded by the acquire's deadline.
            int checkMillis = Deadline.millisLeftFor(deadlineNanos, networkTimeoutMillis,
                    "ask a connection from " + target + " what it is connected to");
            connection.setNetworkTimeout(Runnable::run, checkMillis);
            Connection physical = LockSession.physicalOf(connection);
            ServerCheck.Server server = checked(physical, connection);
            if (checkMillis != networkTimeoutMillis) {
                connection.setNetworkTimeout(Runnable::run, networkTimeoutMillis);
            }
            LockSession session = new LockSession(connection, physical, server, null, networkTimeoutMillis,
                    autoCommitWasOff, networkTimeoutWas);
            if (pid != 0) {
                lentPids.add(pid);
            }
            return session;
        } catch (UnsuitableConnectionException e) {
            // Nothing was taken on it: restore what was changed and give it back as it came.
            try {
                if (autoCommitWasOff) {
                    connection.setAutoCommit(false);
                }
            } catch (SQLException | RuntimeException ignored) {
                // it goes back anyway
            }
            closeQuietly(connection);
            leaveGate();
            throw e;
        } catch (SQLException | RuntimeException | Error e) {
            closePhysically(connection);
            closeQuietly(connection);
            leaveGate();
            throw e;
        }
    }

    /** Refuses a connection inside an open transaction, or on a session this source already lent. */
    private void refuseIfUnsuitable(Connection connection) throws SQLException {
        int pid = LockSession.backendPidOf(connection);
        if (pid != 0 && lentPids.contains(pid)) {
            throw new UnsuitableConnectionException(UnsuitableConnectionException.Kind.SESSION_IN_USE,
                    "the DataSource handed out a connection to the same database "
                    + "session (backend pid " + pid + ") that this Locker already uses for other locks; advisory "
                    + "locks re-enter within a session, so they would exclude nothing. Give the Locker a DataSource "
                    + "that hands out separate connections (not one bound to the thread or transaction)");
        }
        if (!connection.getAutoCommit()) {
            TransactionState state = transactionState(connection);
            if (state != TransactionState.IDLE) {
                throw new UnsuitableConnectionException(UnsuitableConnectionException.Kind.IN_TRANSACTION,
                        "the DataSource's connection is inside "
                        + (state == null ? "a transaction, as far as can be told (autocommit off, and the driver "
                                + "does not say whether one is open)" : "an open transaction (autocommit off)")
                        + ": session locks ignore transactions, and the caller's work is not the Locker's to commit "
                        + "or roll back. Give the Locker a DataSource whose connections are not bound to a "
                        + "transaction, or use transaction-scoped locks");
            }
        }
    }

    /**
     * What {@code physical} is connected to ({@link ServerCheck}), asked once per physical connection;
     * the first time for this source, also whether a transaction pooler sits in between (with a second
     * connection of the DataSource).
     */
    private ServerCheck.Server checked(Connection physical, Connection connection) throws SQLException {
        UnsuitableConnectionException pooler = poolerVerdict;
        if (pooler != null) {
            throw pooler;
        }
        synchronized (servers) {
            ServerCheck.Server known = servers.get(physical);
            if (known != null) {
                return known;
            }
        }
        ServerCheck.Server server;
        try {
            server = ServerCheck.check(connection, poolerChecked ? null : dataSource::getConnection);
        } catch (UnsuitableConnectionException refused) {
            if (refused.kind() == UnsuitableConnectionException.Kind.POOLER) {
                poolerVerdict = refused;
            }
            throw refused;
        }
        poolerChecked = true;
        synchronized (servers) {
            servers.put(physical, server);
        }
        return server;
    }

    private static TransactionState transactionState(Connection connection) {
        try {
            return connection.unwrap(BaseConnection.class).getTransactionState();
        } catch (SQLException | RuntimeException e) {
            return null;
        }
    }

    private void leaveGate() {
        if (gate != null) {
            gate.leave();
        }
    }

    @Override
    public SessionReset giveBack(LockSession session, long deadlineNanos) {
        SessionReset reset = deadlineNanos == Deadline.NONE ? session.reset() : session.resetBy(deadlineNanos);
        finish(session, reset);
        return reset;
    }

    /** Restores what was changed on the connection and returns it to the DataSource. */
    private void finish(LockSession session, SessionReset reset) {
        Connection connection = session.connection();
        int driverPid = LockSession.backendPidOf(connection);
        if (!reset.destroyed()) {
            try {
                if (session.autoCommitWasOff()) {
                    connection.setAutoCommit(false);
                }
                connection.setNetworkTimeout(Runnable::run, session.originalNetworkTimeoutMillis());
            } catch (SQLException | RuntimeException e) {
                LOG.log(Level.WARNING, "restoring a connection of the given DataSource failed; closing it physically", e);
                session.destroy();
            }
        }
        closeQuietly(connection);
        lentPids.remove(driverPid);
        leaveGate();
    }

    private static void closePhysically(Connection connection) {
        try {
            connection.unwrap(Connection.class).close();
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.DEBUG, "closing a physical connection failed", e);
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "returning a connection to the given DataSource failed", e);
        }
    }

    @Override
    public int maxSessions() {
        return gate == null ? 0 : gate.size();
    }

    @Override
    public int waitingForSession() {
        return gate == null ? 0 : gate.waiting();
    }

    @Override
    public String target() {
        return target;
    }

    /**
     * The DataSource belongs to the user: each session still lent is reset and returned, all at once,
     * each given until {@code deadlineNanos}; one still busy then (a frozen path, a statement that will
     * not end) is aborted, which ends its session and its locks.
     */
    @Override
    public void close(Collection<LockSession> lent, long deadlineNanos) {
        List<Thread> cleaners = new ArrayList<>();
        for (LockSession session : lent) {
            Thread cleaner = new Thread(() -> finish(session, session.resetBy(deadlineNanos)),
                    "pals-close-" + session.backendPid());
            cleaner.setDaemon(true);
            cleaner.start();
            cleaners.add(cleaner);
        }
        for (Thread cleaner : cleaners) {
            try {
                // A reset that got its session in time is bounded by its own network timeout.
                TimeUnit.NANOSECONDS.timedJoin(cleaner, Math.max(0, deadlineNanos - System.nanoTime())
                        + TimeUnit.MILLISECONDS.toNanos(100));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (gate != null) {
            gate.openAll();
        }
    }
}
