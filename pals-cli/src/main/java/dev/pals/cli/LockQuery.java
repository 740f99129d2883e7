package dev.pals.cli;

import dev.pals.LockKey;
import dev.pals.LockMode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The advisory locks a server holds and awaits, read in one query: {@code pg_locks} joined with
 * {@code pg_stat_activity}, and {@code pg_blocking_pids} for every waiter.
 */
final class LockQuery {
    private static final String SQL = """
            select d.datname, l.classid::bigint, l.objid::bigint, l.objsubid::int, l.mode, l.granted, l.pid,
                   a.application_name, host(a.client_addr), a.client_port, a.usename, a.state,
                   a.backend_start, a.state_change, a.query_start, %s,
                   case when l.granted then null else pg_blocking_pids(l.pid) end
              from pg_locks l
              left join pg_database d on d.oid = l.database
              left join pg_stat_activity a on a.pid = l.pid
             where l.locktype = 'advisory' %s
             order by d.datname, l.objsubid, l.classid::bigint, l.objid::bigint, l.granted desc, l.mode,
                   a.backend_start, l.pid""";
    private static final String THIS_DATABASE =
            "and l.database = (select oid from pg_database where datname = current_database())";

    /** One row of {@code pg_locks}: a session holding or awaiting an advisory lock in one mode. */
    record Row(String database, LockKey key, long classid, long objid, LockMode mode, boolean granted,
            Integer pid, String application, String clientAddr, Integer clientPort, String user,
            String sessionState, Instant sessionStart, Instant stateChange, Instant waitingSince,
            boolean waitingSinceExact, List<Integer> blockedBy) {
    }

    /** What the server said at one moment ({@code now()} of the query's transaction). */
    record Snapshot(Instant at, String serverVersion, String database, List<Row> rows) {
    }

    private LockQuery() {
    }

    static Snapshot read(Connection connection, boolean allDatabases) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            Instant at;
            String version;
            String database;
            int versionNumber;
            try (ResultSet rs = statement.executeQuery("select now(), current_setting('server_version'),"
                    + " current_database(), current_setting('server_version_num')::int")) {
                rs.next();
                at = instant(rs, 1);
                version = rs.getString(2);
                database = rs.getString(3);
                versionNumber = rs.getInt(4);
            }
            // pg_locks.waitstart exists from PostgreSQL 14; before, the waiting statement's start stands in.
            String waitStart = versionNumber >= 140000 ? "l.waitstart" : "null::timestamptz";
            List<Row> rows = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery(String.format(SQL, waitStart, allDatabases ? "" : THIS_DATABASE))) {
                while (rs.next()) {
                    rows.add(row(rs));
                }
            }
            return new Snapshot(at, version, database, List.copyOf(rows));
        }
    }

    private static Row row(ResultSet rs) throws SQLException {
        long classid = rs.getLong(2);
        long objid = rs.getLong(3);
        int objsubid = rs.getInt(4);
        LockKey key = objsubid == 2 ? LockKey.of((int) classid, (int) objid) : LockKey.of(classid << 32 | objid);
        LockMode mode = rs.getString(5).startsWith("Share") ? LockMode.SHARED : LockMode.EXCLUSIVE;
        boolean granted = rs.getBoolean(6);
        Integer pid = (Integer) rs.getObject(7);
        Instant queryStart = instant(rs, 15);
        Instant waitStart = instant(rs, 16);
        boolean exact = waitStart != null;
        Instant waitingSince = granted ? null : exact ? waitStart : queryStart;
        List<Integer> blockedBy = Collections.emptyList();
        Array blockers = rs.getArray(17);
        if (blockers != null) {
            blockedBy = new ArrayList<>();
            for (Object blocker : (Object[]) blockers.getArray()) {
                blockedBy.add(((Number) blocker).intValue());
            }
            blockedBy = List.copyOf(blockedBy);
        }
        return new Row(rs.getString(1), key, classid, objid, mode, granted, pid, rs.getString(8), rs.getString(9),
                (Integer) rs.getObject(10), rs.getString(11), rs.getString(12), instant(rs, 13), instant(rs, 14),
                waitingSince, exact, blockedBy);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }
}
