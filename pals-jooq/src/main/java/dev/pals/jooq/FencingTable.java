package dev.pals.jooq;

import dev.pals.FencingToken;
import dev.pals.LockKey;
import dev.pals.PalsException;
import dev.pals.StaleFencingTokenException;
import dev.pals.jooq.internal.AdvisorySql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The table of fencing tokens, and the checks that make the database enforce them. A lock acquired with
 * fencing takes its key's next token in the statement that takes the lock; the token only grows. Check
 * it in the transaction that writes the work the lock fences:
 *
 * <pre>{@code
 * FencingToken token = lock.fencingToken().orElseThrow();
 * // in your transaction:
 * locker.fencingTable().requireLatest(connection, token);   // or, with jOOQ, in the UPDATE itself:
 * dsl.update(ORDERS).set(...).where(ORDERS.ID.eq(id), locker.fencingTable().isLatest(token)).execute();
 * }</pre>
 *
 * <p>The check locks the key's token row for share until the transaction ends. Then a holder whose lock
 * went to someone else meanwhile is refused (its token is no longer the latest), and the next holder's
 * grant (which updates the row) waits until a current holder's transaction has committed or rolled back:
 * the writes of consecutive holders never interleave, whatever pauses a holder suffers.
 */
public final class FencingTable {
    private final String name;
    private final AdvisorySql.Fencing sql;
    private final Table<?> table;

    private FencingTable(String name) {
        this.name = name;
        this.sql = AdvisorySql.fencing(name);
        String[] parts = name.split("\\.", -1);
        this.table = parts.length == 2 ? DSL.table(DSL.name(parts[0], parts[1])) : DSL.table(DSL.name(name));
    }

    /**
     * The table {@code name} ({@code table} or {@code schema.table}), as a Locker with
     * {@code fencingTable(name)} uses it.
     *
     * @throws IllegalArgumentException if {@code name} is not a table name
     */
    public static FencingTable named(String name) {
        return new FencingTable(JooqLocker.builder(null).url("jdbc:postgresql://localhost/x").fencingTable(name)
                .settings().fencingTable());
    }

    /** The table's name as given. */
    public String name() {
        return name;
    }

    /** {@code CREATE TABLE IF NOT EXISTS ...}: for your migrations. */
    public String ddl() {
        return sql.create();
    }

    /** Runs {@link #ddl()} on {@code connection}. */
    public void create(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql.create());
        }
    }

    /**
     * Whether {@code token} is still the latest of its key, asked inside the caller's transaction, whose
     * end it then holds the key's token row until (so that no newer holder is granted the key before).
     *
     * @throws IllegalStateException if {@code connection} is in autocommit mode (the row would be let go at
     *     once, and the check would prove nothing)
     */
    public boolean isLatest(Connection connection, FencingToken token) throws SQLException {
        return latest(connection, token) == token.value();
    }

    /**
     * {@link #isLatest(Connection, FencingToken)}, failing when it is not.
     *
     * @throws StaleFencingTokenException if a newer token was taken: do not write
     */
    public void requireLatest(Connection connection, FencingToken token) throws SQLException {
        long latest = latest(connection, token);
        if (latest != token.value()) {
            throw new StaleFencingTokenException(token, latest);
        }
    }

    private long latest(Connection connection, FencingToken token) throws SQLException {
        if (token == null) {
            throw new IllegalArgumentException("token must not be null");
        }
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("check a fencing token inside the transaction that writes the work it fences:"
                    + " in autocommit mode the token's row would be let go at once");
        }
        try (PreparedStatement statement = connection.prepareStatement(sql.latest())) {
            statement.setInt(1, AdvisorySql.Fencing.kind(token.key()));
            statement.setLong(2, AdvisorySql.Fencing.lockKey(token.key()));
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** {@link #isLatest(Connection, FencingToken)} for jOOQ, in the transaction of {@code dsl}. */
    public boolean isLatest(DSLContext dsl, FencingToken token) {
        return dsl.connectionResult(connection -> {
            try {
                return isLatest(connection, token);
            } catch (SQLException e) {
                throw new PalsException("checking fencing token " + token.value() + " failed", e);
            }
        });
    }

    /**
     * The check as a jOOQ condition, to add to the {@code WHERE} of your own {@code UPDATE} or
     * {@code DELETE}: true while {@code token} is the latest of its key, locking its row for share until
     * the transaction ends. A stale holder's statement then changes nothing.
     */
    public Condition isLatest(FencingToken token) {
        LockKey key = token.key();
        return DSL.exists(DSL.selectOne().from(table).where(
                DSL.field(DSL.name("key_kind"), SQLDataType.SMALLINT).eq((short) AdvisorySql.Fencing.kind(key)),
                DSL.field(DSL.name("lock_key"), SQLDataType.BIGINT).eq(AdvisorySql.Fencing.lockKey(key)),
                DSL.field(DSL.name("token"), SQLDataType.BIGINT).eq(token.value())).forShare());
    }

    @Override
    public String toString() {
        return "FencingTable[" + name + "]";
    }
}
