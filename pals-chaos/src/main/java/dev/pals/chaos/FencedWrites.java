package dev.pals.chaos;

import dev.pals.FencingToken;
import dev.pals.jooq.FencingTable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The writes a holder of a fenced lock makes in its critical section, and the registers that tell whether
 * the fence worked, checked by the database and not by the library.
 *
 * <p>Each fenced key has a row in two registers. A write is one statement (its own transaction, on a
 * connection of its own through the worker's proxy, so it meets the same faults as the worker's Locker) that
 * <ol>
 *   <li>writes its token to the <b>unfenced</b> register, with no check: the negative control, what a
 *       holder without fencing would have written;</li>
 *   <li>writes its token to the <b>fenced</b> register only where the fence lets it: the library's jOOQ
 *       condition {@link FencingTable#isLatest(FencingToken)} in the {@code UPDATE}'s {@code WHERE}, as a
 *       user would write it;</li>
 * </ol>
 * and, if the fence turned it away, one more statement counts that. A register write locks its row, reads
 * the token written before and counts the write as <b>stale</b> when that token is newer than its own: a
 * holder wrote after a later holder of the key had written. Tokens grow with every grant, so in a register
 * whose writes came only from current holders, in the order of their grants, no write is stale. Holders
 * write as they enter their section and again as they leave, so a holder paused in its section (its lock
 * lost meanwhile and granted to another, who wrote on entering) writes stale on leaving: the unfenced
 * register counts it, the fenced one must not.
 */
final class FencedWrites implements AutoCloseable {
    /** The fencing table of the run (the library's default name), created by the run before the workers. */
    static final FencingTable TABLE = FencingTable.named("pals_fencing_tokens");
    static final String FENCED = "chaos_fenced_register";
    static final String UNFENCED = "chaos_unfenced_register";
    private static final DSLContext POSTGRES = DSL.using(SQLDialect.POSTGRES);
    /** The application name of the connections that write, apart from the Lockers' sessions. */
    static final String APPLICATION_NAME = "pals-chaos-writer";

    /** What a write came to. */
    enum Outcome {
        /** The fence let it through; the fenced register has it. */
        WRITTEN,
        /** The fence turned it away: its token was no longer the latest. */
        REJECTED,
        /** The transaction failed (a fault on its path or its session): nothing is known of it. */
        FAILED
    }

    private final String url;
    private final String user;
    private final String password;
    private final long networkTimeoutMillis;
    private Connection connection;

    FencedWrites(String url, String user, String password, long networkTimeoutMillis) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.networkTimeoutMillis = networkTimeoutMillis;
    }

    /** The registers, one row per fenced key (0 to {@code keys} - 1), and the fencing table. */
    static void create(Connection connection, int keys) throws SQLException {
        TABLE.create(connection);
        try (Statement statement = connection.createStatement()) {
            for (String register : new String[] {FENCED, UNFENCED}) {
                statement.execute("create table if not exists " + register + " (key int primary key, token bigint not null,"
                        + " writes bigint not null, stale bigint not null, rejected bigint not null)");
                statement.execute("insert into " + register + " select k, 0, 0, 0, 0 from generate_series(0, " + (keys - 1)
                        + ") k on conflict do nothing");
            }
        }
    }

    /** Sums over a register's keys: writes, stale writes, rejected writes. */
    static long[] totals(Connection connection, String register) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("select coalesce(sum(writes), 0), coalesce(sum(stale), 0),"
                        + " coalesce(sum(rejected), 0) from " + register)) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
        }
    }

    /** One write of {@code token} for {@code key}, as described above. */
    Outcome write(int key, FencingToken token) {
        try {
            connect();
            String fence = POSTGRES.renderInlined(TABLE.isLatest(token));
            String register = "%2$s as (select token from %1$s where key = " + key + " for update), %3$s as (update %1$s r"
                    + " set token = " + token.value() + ", writes = r.writes + 1, stale = r.stale + (%2$s.token > "
                    + token.value() + ")::int from %2$s where r.key = " + key + "%4$s returning 1)";
            try (Statement statement = connection.createStatement()) {
                try (ResultSet rs = statement.executeQuery("with " + String.format(register, UNFENCED, "cb", "c", "")
                        + ", " + String.format(register, FENCED, "fb", "f", " and " + fence)
                        + " select (select count(*) from f)")) {
                    rs.next();
                    if (rs.getInt(1) == 1) {
                        return Outcome.WRITTEN;
                    }
                }
                statement.executeUpdate("update " + FENCED + " set rejected = rejected + 1 where key = " + key);
                return Outcome.REJECTED;
            }
        } catch (SQLException e) {
            close();
            return Outcome.FAILED;
        }
    }

    private void connect() throws SQLException {
        if (connection != null) {
            return;
        }
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("ApplicationName", APPLICATION_NAME);
        long seconds = Math.max(1, networkTimeoutMillis / 1000);
        properties.setProperty("connectTimeout", Long.toString(seconds));
        properties.setProperty("socketTimeout", Long.toString(seconds + 1));
        // A write holds its key's token row (the next fenced grant waits for it) and its register rows for as
        // long as it runs; waits for them stay shorter than the socket timeout.
        properties.setProperty("options", "-c lock_timeout=" + networkTimeoutMillis / 2);
        connection = DriverManager.getConnection(url, properties); // autocommit: a write is its own transaction
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the session is gone either way
            }
            connection = null;
        }
    }
}
