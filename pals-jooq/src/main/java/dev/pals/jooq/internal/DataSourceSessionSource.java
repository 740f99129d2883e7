package dev.pals.jooq.internal;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Sessions on connections from a user's {@link DataSource}. The library never installs anything on it
 * and never closes it: it borrows a connection per held lock, switches it to autocommit if needed,
 * and before handing it back releases what it took ({@code pg_advisory_unlock_all()} unless it knows
 * the session holds nothing) and restores autocommit. {@code lock_timeout} is only ever set
 * transaction-locally, so there is nothing to restore. A connection whose clean-up fails is closed
 * physically.
 *
 * <p>There is no gate: waiting for a connection is the DataSource's own business, and the time it
 * takes counts against the acquire timeout.
 */
public final class DataSourceSessionSource implements SessionSource {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");

    private final DataSource dataSource;
    private final String target;

    public DataSourceSessionSource(DataSource dataSource) {
        this.dataSource = dataSource;
        this.target = "the given DataSource (" + dataSource.getClass().getName() + ")";
    }

    @Override
    public LockSession borrow(long timeoutNanos) throws SQLException {
        Connection connection = dataSource.getConnection();
        try {
            boolean autoCommitWasOff = !connection.getAutoCommit();
            if (autoCommitWasOff) {
                // Whatever a careless pool left open is not ours to commit.
                connection.rollback();
                connection.setAutoCommit(true);
            }
            return new LockSession(connection, this, autoCommitWasOff);
        } catch (SQLException | RuntimeException e) {
            Connections.destroy(connection);
            closeQuietly(connection);
            throw e;
        }
    }

    @Override
    public void giveBack(LockSession session) {
        Connection connection = session.connection();
        try {
            if (!session.isClean()) {
                Connections.unlockAll(connection);
            }
            if (session.autoCommitWasOff()) {
                connection.setAutoCommit(false);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "cleaning up a connection of the given DataSource failed; closing it physically", e);
            Connections.destroy(connection);
        }
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "returning a connection to the given DataSource failed", e);
        }
    }

    @Override
    public String target() {
        return target;
    }

    /** Nothing of its own to close: the DataSource belongs to the user. */
    @Override
    public void close() {
    }
}
