package dev.pals.chaos;

import dev.pals.FencingToken;
import dev.pals.jooq.FencingTable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The writes a holder of a fenced lock makes in its critical section, and the registers that tell whether
 * the fence worked, checked by the database and not by the library.
 *
 * <p>Each fenced key has a row in two registers. A write, one transaction on a connection of its own (through
 * the worker's proxy, so it meets the same faults as the worker's Locker):
 * <ol>
 *   <li>writes its token to the <b>unfenced</b> register, with no check: the negative control, what a
 *       holder without fencing would have written;</li>
 *   <li>checks its token with {@link FencingTable#isLatest(Connection, FencingToken)} (the fence);</li>
 *   <li>only if that says it is the latest, writes its token to the <b>fenced</b> register;</li>
 *   <li>commits.</li>
 * </ol>
 * A register write locks its row, reads the token written before and counts the write as <b>stale</b> when
 * that token is newer than its own: a holder wrote after a later holder of the key had written. Tokens grow
 * with every grant, so in a register whose writes came only from current holders, in the order of their
 * grants, no write is stale. Holders write as they enter their section and again as they leave, so a holder
 * paused in its section (its lock lost meanwhile and granted to another, who wrote on entering) writes
 * stale on leaving: the unfenced register counts it, the fenced one must not. The fenced register also counts
 * the writes the fence turned away ({@code rejected}).
 */
final class FencedWrites implements AutoCloseable {
    /** The fencing table of the run (the library's default name), created by the run before the workers. */
    static final FencingTable TABLE = FencingTable.named("pals_fencing_tokens");
    static final String FENCED = "chaos_fenced_register";
    static final String UNFENCED = "chaos_unfenced_register";
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
    private PreparedStatement unfenced;
    private PreparedStatement fenced;
    private PreparedStatement rejected;

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
            register(unfenced, key, token.value());
            if (!TABLE.isLatest(connection, token)) {
                connection.commit();
                rejected.setInt(1, key);
                rejected.executeUpdate();
                connection.commit();
                return Outcome.REJECTED;
            }
            register(fenced, key, token.value());
            connection.commit();
            return Outcome.WRITTEN;
        } catch (SQLException e) {
            close();
            return Outcome.FAILED;
        }
    }

    private static void register(PreparedStatement statement, int key, long token) throws SQLException {
        statement.setInt(1, key);
        statement.setLong(2, token);
        statement.setLong(3, token);
        statement.setInt(4, key);
        statement.executeUpdate();
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
        // A writer paused or cut off in its transaction holds its key's token row (the next fenced grant
        // waits for it) and its register rows: the server ends such a transaction soon, as it should anywhere
        // fencing is used. Waits for a register row stay shorter than the socket timeout.
        properties.setProperty("options", "-c idle_in_transaction_session_timeout=" + networkTimeoutMillis / 2
                + " -c lock_timeout=" + networkTimeoutMillis / 2);
        Connection opened = DriverManager.getConnection(url, properties);
        try {
            opened.setAutoCommit(false);
            String write = "with before as (select token from %s where key = ? for update)"
                    + " update %1$s r set token = ?, writes = r.writes + 1, stale = r.stale + (before.token > ?)::int"
                    + " from before where r.key = ?";
            unfenced = opened.prepareStatement(String.format(write, UNFENCED));
            fenced = opened.prepareStatement(String.format(write, FENCED));
            rejected = opened.prepareStatement("update " + FENCED + " set rejected = rejected + 1 where key = ?");
        } catch (SQLException e) {
            opened.close();
            throw e;
        }
        connection = opened;
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
