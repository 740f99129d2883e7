package dev.pals.jooq.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The advisory statements of one physical connection of the PALs pool, prepared on first use and kept
 * as long as the connection lives: a cycle then binds and runs them, creating no statement objects,
 * and pgjdbc runs them as named server-side statements once used often enough. Like its connection, it
 * is used by one session at a time. The pool drops it when it destroys the connection, whose close
 * ends the statements.
 */
final class StatementCache {
    private final Connection physical;
    private final ServerCheck.Server server;
    private final Prepared[] prepared = new Prepared[AdvisorySql.COUNT + AdvisorySql.FENCED_COUNT];
    /** When ({@link System#nanoTime()}) the connection last went back to the pool; 0 while lent. */
    private volatile long returnedAt;

    StatementCache(Connection physical, ServerCheck.Server server) {
        this.physical = physical;
        this.server = server;
    }

    /** What the physical connection is connected to, learnt once ({@link ServerCheck}). */
    ServerCheck.Server server() {
        return server;
    }

    /** The connection goes back to the pool now. */
    void returned() {
        long now = System.nanoTime();
        returnedAt = now == 0 ? 1 : now;
    }

    /** Whether the connection has lain in the pool for longer than {@code idleNanos} (false while lent). */
    boolean idleLongerThan(long idleNanos) {
        long at = returnedAt;
        return at != 0 && System.nanoTime() - at > idleNanos;
    }

    /** The connection is lent. */
    void lent() {
        returnedAt = 0;
    }

    /** The statement, prepared on the physical connection; {@link Prepared#close()} keeps it open. */
    Prepared get(AdvisorySql.Statement sql) throws SQLException {
        Prepared cached = prepared[sql.id()];
        if (cached == null) {
            cached = new Prepared(physical.prepareStatement(sql.sql()), false);
            prepared[sql.id()] = cached;
        }
        return cached;
    }

    /** A statement prepared for one use on {@code connection}: {@link Prepared#close()} closes it. */
    static Prepared once(Connection connection, AdvisorySql.Statement sql) throws SQLException {
        return new Prepared(connection.prepareStatement(sql.sql()), true);
    }

    /** A statement to use in try-with-resources, closed at the end only if it was prepared for one use. */
    static final class Prepared implements AutoCloseable {
        private final PreparedStatement statement;
        private final boolean once;

        private Prepared(PreparedStatement statement, boolean once) {
            this.statement = statement;
            this.once = once;
        }

        PreparedStatement statement() {
            return statement;
        }

        @Override
        public void close() throws SQLException {
            if (once) {
                statement.close();
            }
        }
    }
}
