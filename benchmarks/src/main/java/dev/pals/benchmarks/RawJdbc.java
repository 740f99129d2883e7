package dev.pals.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The yardstick: raw JDBC doing the minimal SQL on one held connection, with statements prepared once
 * ({@code SELECT pg_advisory_lock(?)}, {@code SELECT pg_advisory_unlock(?)}, the {@code try} and
 * {@code _shared} forms). It is the practical limit for a JVM client and is written once and left
 * alone: improve the library, never this.
 */
final class RawJdbc implements AutoCloseable {
    private final Connection connection;
    private final PreparedStatement lock;
    private final PreparedStatement tryLock;
    private final PreparedStatement unlock;
    private final PreparedStatement lockShared;
    private final PreparedStatement unlockShared;

    RawJdbc(Connection connection) throws SQLException {
        this.connection = connection;
        connection.setAutoCommit(true);
        this.lock = connection.prepareStatement("SELECT pg_advisory_lock(?)");
        this.tryLock = connection.prepareStatement("SELECT pg_try_advisory_lock(?)");
        this.unlock = connection.prepareStatement("SELECT pg_advisory_unlock(?)");
        this.lockShared = connection.prepareStatement("SELECT pg_advisory_lock_shared(?)");
        this.unlockShared = connection.prepareStatement("SELECT pg_advisory_unlock_shared(?)");
    }

    /** Sets the session's {@code lock_timeout} once (0 = none); a lock wait past it fails with 55P03. */
    void lockTimeout(long millis) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET lock_timeout = " + millis);
        }
    }

    void lock(long key) throws SQLException {
        runVoid(lock, key);
    }

    boolean tryLock(long key) throws SQLException {
        return run(tryLock, key);
    }

    boolean unlock(long key) throws SQLException {
        return run(unlock, key);
    }

    void lockShared(long key) throws SQLException {
        runVoid(lockShared, key);
    }

    boolean unlockShared(long key) throws SQLException {
        return run(unlockShared, key);
    }

    private static boolean run(PreparedStatement statement, long key) throws SQLException {
        statement.setLong(1, key);
        try (ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static void runVoid(PreparedStatement statement, long key) throws SQLException {
        statement.setLong(1, key);
        try (ResultSet rs = statement.executeQuery()) {
            rs.next();
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
