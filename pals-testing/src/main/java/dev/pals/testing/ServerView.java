package dev.pals.testing;

import dev.pals.LockKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What the test server itself says about advisory locks and sessions ({@code pg_locks},
 * {@code pg_stat_activity}), asked on a connection of its own: the ground truth tests check the
 * library against.
 */
public final class ServerView {
    private static final TestDatabase DB = TestDatabase.get();

    private ServerView() {
    }

    /** Backend pids that hold {@code key} (granted), in any mode. */
    public static List<Integer> holders(LockKey key) {
        return pids(key, true);
    }

    /** Backend pids that wait for {@code key}. */
    public static List<Integer> waiters(LockKey key) {
        return pids(key, false);
    }

    private static List<Integer> pids(LockKey key, boolean granted) {
        String sql = "select pid from pg_locks where locktype = 'advisory' and granted = ?"
                + " and classid::bigint = ? and objid::bigint = ? and objsubid = ? order by pid";
        try (Connection connection = DB.connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setBoolean(1, granted);
            statement.setLong(2, Integer.toUnsignedLong(key.key1()));
            statement.setLong(3, Integer.toUnsignedLong(key.key2()));
            statement.setInt(4, key.isPair() ? 2 : 1);
            List<Integer> pids = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
            return pids;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code pg_stat_activity.wait_event} of a backend, or null. */
    public static String waitEvent(int pid) {
        return queryString("select wait_event from pg_stat_activity where pid = " + pid);
    }

    /** When a backend last changed state (ran a statement): {@code pg_stat_activity.state_change}. */
    public static String stateChange(int pid) {
        return queryString("select state_change::text from pg_stat_activity where pid = " + pid);
    }

    /** Backends with this {@code application_name}. */
    public static int backends(String applicationName) {
        try (Connection connection = DB.connect();
                PreparedStatement statement = connection.prepareStatement(
                        "select count(*) from pg_stat_activity where application_name = ?")) {
            statement.setString(1, applicationName);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ends a backend as an admin would. */
    public static void terminate(int pid) {
        queryString("select pg_terminate_backend(" + pid + ")::text");
    }

    public static String queryString(String sql) {
        try (Connection connection = DB.connect(); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether another session can take {@code key} exclusively right now (and lets it go again). */
    public static boolean freeElsewhere(LockKey key) {
        String fn = key.isPair() ? "pg_try_advisory_lock(?, ?)" : "pg_try_advisory_lock(?)";
        String unlock = key.isPair() ? "pg_advisory_unlock(?, ?)" : "pg_advisory_unlock(?)";
        try (Connection connection = DB.connect();
                PreparedStatement statement = connection.prepareStatement("select " + fn)) {
            bind(statement, key);
            boolean free;
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                free = rs.getBoolean(1);
            }
            if (free) {
                try (PreparedStatement release = connection.prepareStatement("select " + unlock)) {
                    bind(release, key);
                    release.executeQuery().close();
                }
            }
            return free;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void bind(PreparedStatement statement, LockKey key) throws SQLException {
        if (key.isPair()) {
            statement.setInt(1, key.key1());
            statement.setInt(2, key.key2());
        } else {
            statement.setLong(1, key.value());
        }
    }
}
