package dev.pals.jooq.internal;

import dev.pals.LockListener;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Sessions on connections from a user's {@link DataSource}. The library never installs anything on it
 * and never closes it: it borrows a connection per held lock, switches it to autocommit if needed,
 * and before handing it back releases what it took ({@code pg_advisory_unlock_all()} unless it knows
 * the session holds nothing) and restores autocommit and the network timeout. {@code lock_timeout}
 * is only ever set transaction-locally, so there is nothing to restore. A connection whose clean-up
 * fails is closed physically.
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
    private final LockListener listener;

    private final int networkTimeoutMillis;

    /**
     * @param maxSessions at most this many connections out at once, or 0 for no limit of our own
     * @param networkTimeout the base network timeout of every call on a borrowed connection (restored
     *     to what it was on return)
     */
    public DataSourceSessionSource(DataSource dataSource, int maxSessions, Duration networkTimeout,
            LockListener listener) {
        this.dataSource = dataSource;
        this.networkTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, networkTimeout.toMillis());
        this.listener = listener;
        this.gate = maxSessions > 0 ? new ConnectionGate(maxSessions) : null;
        this.target = "the given DataSource (" + dataSource.getClass().getName() + ")";
    }

    @Override
    public LockSession borrow(long timeoutNanos) throws SQLException, InterruptedException {
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
            boolean autoCommitWasOff = !connection.getAutoCommit();
            if (autoCommitWasOff) {
                // Whatever a careless pool left open is not ours to commit.
                connection.rollback();
                connection.setAutoCommit(true);
            }
            int networkTimeoutWas = connection.getNetworkTimeout();
            connection.setNetworkTimeout(Runnable::run, networkTimeoutMillis);
            return new LockSession(connection, this, autoCommitWasOff, networkTimeoutWas, networkTimeoutMillis, null);
        } catch (SQLException | RuntimeException e) {
            Connections.destroy(connection);
            closeQuietly(connection);
            leaveGate();
            throw e;
        }
    }

    private void leaveGate() {
        if (gate != null) {
            gate.leave();
        }
    }

    @Override
    public void giveBack(LockSession session) {
        Connection connection = session.connection();
        boolean reset = !session.isClean();
        boolean destroyed = false;
        try {
            if (reset) {
                Connections.unlockAll(connection);
            }
            if (session.autoCommitWasOff()) {
                connection.setAutoCommit(false);
            }
            connection.setNetworkTimeout(Runnable::run, session.originalNetworkTimeoutMillis());
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "cleaning up a connection of the given DataSource failed; closing it physically", e);
            Connections.destroy(connection);
            destroyed = true;
        }
        closeQuietly(connection);
        leaveGate();
        if (reset || destroyed) {
            listener.connectionReset(destroyed);
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

    /** The DataSource belongs to the user: nothing to close but the gate to open. */
    @Override
    public void close() {
        if (gate != null) {
            gate.openAll();
        }
    }
}
