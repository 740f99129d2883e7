package dev.pals.jooq.internal;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Resetting and discarding connections the locks lived on. */
final class Connections {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");

    private Connections() {
    }

    /** Drops every session advisory lock of the connection ({@code pg_advisory_unlock_all()}). */
    static void unlockAll(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(AdvisorySql.UNLOCK_ALL);
        }
    }

    /**
     * Ends the database session of a pooled connection so that nothing it holds survives, and makes
     * its pool drop it: the physical connection is closed, then one more call through the pool's
     * wrapper fails with SQLSTATE 08003, which pools read as "connection broken" (Agroal with its
     * PostgreSQL exception sorter, HikariCP by default). Never throws.
     */
    static void destroy(Connection connection) {
        try {
            connection.unwrap(Connection.class).close();
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.DEBUG, "closing a physical connection failed", e);
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("select 1");
        } catch (SQLException | RuntimeException expected) {
            // 08003: the pool now knows this connection is broken.
        }
    }
}
