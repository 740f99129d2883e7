package dev.pals.micrometer;

import dev.pals.LockKey;
import dev.pals.jooq.JooqLocker;
import dev.pals.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The test database (a real PostgreSQL, see {@link TestDatabase}), and what the server says about locks. */
final class Db {
    private static final TestDatabase DB = TestDatabase.get();

    private Db() {
    }

    /** A builder on the test database. */
    static JooqLocker.Builder locker(String app) {
        return JooqLocker.builder(app).url(DB.url()).user(DB.user()).password(DB.password());
    }

    /** An application name no other test uses, so that tests cannot see each other's locks. */
    static String uniqueApp(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Backend pids that hold {@code key} (a bigint key), in any mode. */
    static List<Integer> holders(LockKey key) {
        String sql = "select pid from pg_locks where locktype = 'advisory' and granted"
                + " and classid::bigint = ? and objid::bigint = ? and objsubid = 1 order by pid";
        try (Connection connection = DB.connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, Integer.toUnsignedLong(key.key1()));
            statement.setLong(2, Integer.toUnsignedLong(key.key2()));
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

    /** Ends a backend as an admin would: the locks it held are lost. */
    static void terminate(int pid) {
        try (Connection connection = DB.connect();
                PreparedStatement statement = connection.prepareStatement("select pg_terminate_backend(?)")) {
            statement.setInt(1, pid);
            statement.executeQuery().close();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
