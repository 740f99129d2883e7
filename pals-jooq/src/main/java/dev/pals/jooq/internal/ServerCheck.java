package dev.pals.jooq.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;

/**
 * What a new connection is connected to, asked once per physical connection, before any lock is taken
 * on it: a session lock is only worth something on the primary it was granted by, in a session of its
 * own.
 *
 * <ul>
 *   <li>A standby ({@code pg_is_in_recovery()}) is refused: advisory locks work there, but exclude
 *       nothing on the primary.</li>
 *   <li>The server's identity (its system identifier and when it started) is returned, so that a Locker
 *       that finds it changed — a failover, or a restart behind the same address — treats every lock on
 *       the old server as lost.</li>
 *   <li>A transaction pooler (PgBouncer, Supavisor or a cloud pooler in transaction or statement mode) is
 *       refused: session locks behind one seem to work and exclude nobody, because consecutive
 *       transactions of one connection run on different backends. Checked once per source: consecutive
 *       transactions on the connection must land on the same backend, and if something sits between the
 *       driver and the server (the backend pid the driver was told differs from the server's), a second
 *       connection must not land on the first one's backend.</li>
 * </ul>
 */
final class ServerCheck {
    private static final String ABOUT_SERVER = "select pg_is_in_recovery(), pg_backend_pid(),"
            + " (select system_identifier from pg_control_system())::text || ' started ' || pg_postmaster_start_time()";
    /** Where {@code pg_control_system()} is not allowed (some managed services): the start time alone. */
    private static final String ABOUT_SERVER_PLAIN = "select pg_is_in_recovery(), pg_backend_pid(),"
            + " 'started ' || pg_postmaster_start_time()";
    private static final String BACKEND_PID = "select pg_backend_pid()";

    /** What a connection is connected to. */
    static final class Server {
        final int backendPid;
        final String identity;

        Server(int backendPid, String identity) {
            this.backendPid = backendPid;
            this.identity = identity;
        }
    }

    private ServerCheck() {
    }

    /**
     * Asks the server behind {@code connection} (autocommit) what it is.
     *
     * @param another makes one more connection like this one (for the pooler check), or null not to check
     *     for a pooler
     * @throws UnsuitableConnectionException for a standby or a transaction pooler
     */
    static Server check(Connection connection, Callable<Connection> another) throws SQLException {
        boolean recovery;
        int pid;
        String identity;
        try (Statement statement = connection.createStatement(); ResultSet rs = aboutServer(statement)) {
            rs.next();
            recovery = rs.getBoolean(1);
            pid = rs.getInt(2);
            identity = rs.getString(3);
        }
        if (recovery) {
            throw new UnsuitableConnectionException(UnsuitableConnectionException.Kind.STANDBY, "the server is a standby (pg_is_in_recovery() is true): advisory "
                    + "locks taken there exclude nothing on the primary. Connect the Locker to the primary");
        }
        if (another != null) {
            refuseTransactionPooler(connection, pid, another);
        }
        return new Server(pid, identity);
    }

    private static ResultSet aboutServer(Statement statement) throws SQLException {
        try {
            return statement.executeQuery(ABOUT_SERVER);
        } catch (SQLException refused) {
            if (!"42501".equals(refused.getSQLState())) {
                throw refused;
            }
            return statement.executeQuery(ABOUT_SERVER_PLAIN);
        }
    }

    private static void refuseTransactionPooler(Connection connection, int pid, Callable<Connection> another)
            throws SQLException {
        int next = backendPid(connection);
        if (next != pid) {
            throw pooler("two consecutive transactions of one connection ran on backends " + pid + " and " + next);
        }
        if (LockSession.backendPidOf(connection) == pid) {
            return; // the driver talks to the backend itself: no pooler in between
        }
        // Something sits in between. A transaction pooler would lend the backend our connection just gave
        // back to the next client that asks.
        int theirs;
        try (Connection other = another.call()) {
            theirs = backendPid(other);
        } catch (SQLException e) {
            throw e;
        } catch (Exception e) {
            throw new SQLException("could not open a second connection to check for a transaction pooler", e);
        }
        int again = backendPid(connection);
        if (theirs == pid || again != pid) {
            throw pooler("a second connection ran on backend " + theirs + " while this one's transactions ran on "
                    + pid + " and then " + again);
        }
    }

    private static int backendPid(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(BACKEND_PID)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static UnsuitableConnectionException pooler(String evidence) {
        return new UnsuitableConnectionException(UnsuitableConnectionException.Kind.POOLER,
                "the connection goes through a transaction pooler (PgBouncer, "
                + "Supavisor or a cloud pooler in transaction or statement mode): " + evidence + ". Session locks "
                + "there seem to work and exclude nobody. Use transaction-scoped locks (JooqTransactionLocker, see the README's "
                + "\"Transaction locks\"), or connect the Locker directly or through a pooler in session mode");
    }
}
