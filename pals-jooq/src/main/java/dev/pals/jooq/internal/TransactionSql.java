package dev.pals.jooq.internal;

import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.jooq.internal.AdvisorySql.Statement;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.util.List;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.DatePart;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Query;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The statements of transaction-scoped locks ({@code pg_advisory_xact_lock} and friends), built with jOOQ
 * and rendered once per JVM, as {@link AdvisorySql} does for session locks; their parameters are
 * {@link AdvisorySql}'s, bound by its {@link Statement}.
 *
 * <p>A bounded wait must not abort the caller's transaction when it times out, so it runs under a
 * savepoint, and it must not leave {@code lock_timeout} changed (a {@code SET LOCAL} made inside a
 * savepoint survives {@code RELEASE SAVEPOINT}). One round trip does both when the lock is granted:
 * <pre>
 * savepoint pals_xact_lock;
 * select refused, statement_timeout, set_config('lock_timeout', old, true)           -- 4. restore
 *   from (select ..., case when refused then null else pg_advisory_xact_lock(?) end  -- 3. wait
 *     from (select ..., set_config('lock_timeout', ?, true)                          -- 2. bound it
 *       from (select current_setting('lock_timeout') old, ... refused offset 0)      -- 1. read
 *     offset 0) offset 0) t;
 * release savepoint pals_xact_lock
 * </pre>
 * Each level is a sub-select fenced with {@code offset 0} (PostgreSQL neither flattens it nor reorders
 * it), so the old value is read before the wait is bounded, and restored after the lock is granted. When
 * the wait fails (timeout, deadlock), the server skips the rest, and {@link #UNDO} rolls the savepoint
 * back, which also ends the {@code set_config} and any lock the savepoint took.
 *
 * <p>{@code refused} is true when the session's {@code statement_timeout} is shorter than the wait
 * asked for: the lock is then not even tried (the caller refuses the call).
 */
public final class TransactionSql {
    static final String SAVEPOINT = "pals_xact_lock";
    private static final String LOCK_TIMEOUT = AdvisorySql.LOCK_TIMEOUT;

    /** Rolls back and ends the savepoint of a failed {@link #lock}: the transaction is usable again. */
    public static final String UNDO;

    private static final Statement[][] LOCK = new Statement[2][2];
    private static final Statement[][] TRY_LOCK = new Statement[2][2];

    static {
        // AdvisorySql's initializer turns jOOQ's logo and tips off (unless the user asked for them).
        java.util.Objects.requireNonNull(AdvisorySql.PING);
        DSLContext dsl = DSL.using(SQLDialect.POSTGRES);
        Name savepoint = DSL.name(SAVEPOINT);
        for (int pair = 0; pair < 2; pair++) {
            for (LockMode mode : LockMode.values()) {
                Field<?>[] keys = AdvisorySql.keyParams(pair == 1);
                TRY_LOCK[pair][mode.ordinal()] = Statement.uncached(dsl, List.of(
                        dsl.select(function(tryFunction(mode), SQLDataType.BOOLEAN, keys))));
                LOCK[pair][mode.ordinal()] = Statement.uncached(dsl, List.of(
                        dsl.savepoint(savepoint),
                        boundedLock(dsl, function(lockFunction(mode), SQLDataType.OTHER, keys)),
                        dsl.releaseSavepoint(savepoint)));
            }
        }
        UNDO = String.join(";\n", dsl.render(dsl.rollback().toSavepoint(savepoint)),
                dsl.render(dsl.releaseSavepoint(savepoint)));
    }

    private TransactionSql() {
    }

    private static Query boundedLock(DSLContext dsl, Field<?> lock) {
        Field<String> statementTimeout = currentSetting("statement_timeout");
        // statement_timeout reads like "30s", "5min" or "0"; as an interval it compares in milliseconds.
        Field<BigDecimal> statementTimeoutMillis = DSL.extract(
                DSL.field("{0}::interval", SQLDataType.OTHER, statementTimeout), DatePart.EPOCH)
                .mul(DSL.inline(1000)).coerce(SQLDataType.NUMERIC);
        Condition refused = statementTimeoutMillis.gt(DSL.inline(BigDecimal.ZERO))
                .and(statementTimeoutMillis.lt(DSL.param(AdvisorySql.STATEMENT_TIMEOUT_LIMIT, SQLDataType.BIGINT).cast(SQLDataType.NUMERIC)));

        Table<?> read = DSL.select(currentSetting(LOCK_TIMEOUT).as("old"), DSL.field(refused).as("refused"),
                statementTimeout.as("statement_timeout")).offset(DSL.inline(0)).asTable("a");
        Table<?> bounded = DSL.select(read.field("old"), read.field("refused"), read.field("statement_timeout"),
                setLocal(LOCK_TIMEOUT, DSL.param(LOCK_TIMEOUT, SQLDataType.VARCHAR)).as("applied"))
                .from(read).offset(DSL.inline(0)).asTable("b");
        Field<Boolean> isRefused = bounded.field("refused", Boolean.class);
        Table<?> waited = DSL.select(bounded.field("old"), bounded.field("refused"),
                bounded.field("statement_timeout"),
                DSL.when(isRefused, DSL.inline((Object) null, SQLDataType.OTHER)).otherwise(lock).as("locked"))
                .from(bounded).offset(DSL.inline(0)).asTable("t");
        return dsl.select(waited.field("refused"), waited.field("statement_timeout"),
                setLocal(LOCK_TIMEOUT, waited.field("old", String.class)).as("restored"))
                .from(waited);
    }

    private static Field<String> currentSetting(String name) {
        return DSL.function("current_setting", SQLDataType.VARCHAR, DSL.inline(name));
    }

    private static Field<String> setLocal(String name, Field<String> value) {
        return DSL.function("set_config", SQLDataType.VARCHAR, DSL.inline(name), value, DSL.inline(true));
    }

    private static <T> Field<T> function(String name, org.jooq.DataType<T> type, Field<?>[] keys) {
        return DSL.function(name, type, keys);
    }

    /** {@code pg_advisory_xact_lock} or its {@code _shared} form. */
    public static String lockFunction(LockMode mode) {
        return mode == LockMode.SHARED ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock";
    }

    /** {@code pg_try_advisory_xact_lock} or its {@code _shared} form. */
    public static String tryFunction(LockMode mode) {
        return mode == LockMode.SHARED ? "pg_try_advisory_xact_lock_shared" : "pg_try_advisory_xact_lock";
    }

    /**
     * Savepoint, bounded wait with {@code lock_timeout} read, set and restored, release: bind with
     * {@link Statement#bind(PreparedStatement, LockKey, LockMode, long, long)}. Its second result is one row: refused (boolean), the session's
     * {@code statement_timeout} (text), the restored {@code lock_timeout}.
     */
    public static Statement lock(LockKey key, LockMode mode) {
        return LOCK[key.isPair() ? 1 : 0][mode.ordinal()];
    }

    /** A single try; one boolean column. */
    public static Statement tryLock(LockKey key, LockMode mode) {
        return TRY_LOCK[key.isPair() ? 1 : 0][mode.ordinal()];
    }
}
