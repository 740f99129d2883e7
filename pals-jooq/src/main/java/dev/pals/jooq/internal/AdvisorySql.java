package dev.pals.jooq.internal;

import dev.pals.LockKey;
import dev.pals.LockMode;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Param;
import org.jooq.Query;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The advisory-lock statements, built with jOOQ and rendered once per JVM; the hot path binds and runs
 * them as plain {@code PreparedStatement}s.
 *
 * <p>A blocking lock is one statement under autocommit: the sub-select sets {@code lock_timeout}
 * transaction-locally ({@code set_config(..., true)}) before the outer select waits for the lock, so
 * the wait is bounded by the server in one round trip and the setting ends with the implicit
 * transaction; it never outlives the statement.
 */
public final class AdvisorySql {
    private static final String KEY = "key";
    private static final String KEY1 = "key1";
    private static final String KEY2 = "key2";
    private static final String LOCK_TIMEOUT = "lock_timeout";
    private static final String CLASSID = "classid";
    private static final String OBJID = "objid";
    private static final String OBJSUBID = "objsubid";
    private static final String MODE = "mode";

    static {
        // jOOQ prints a logo and tips on first use unless told not to; users can still opt in.
        if (System.getProperty("org.jooq.no-logo") == null) {
            System.setProperty("org.jooq.no-logo", "true");
        }
        if (System.getProperty("org.jooq.no-tips") == null) {
            System.setProperty("org.jooq.no-tips", "true");
        }
    }

    /** {@code select pg_advisory_unlock_all()}. */
    public static final String UNLOCK_ALL;

    /** The cheapest statement: proves the session is alive and keeps it from looking idle. */
    public static final String PING;

    /**
     * Whether this session holds a lock right now, per {@code pg_locks}: one boolean column. Bind with
     * {@link Statement#bind}: the key's two halves as unsigned 32-bit numbers, its {@code objsubid} (1 for
     * bigint keys, 2 for pairs) and the mode as {@code pg_locks} names it.
     */
    public static final Statement HOLDS;

    /** How many distinct statements there are: each {@link Statement#id()} is below this. */
    static final int COUNT = 13;

    // Indexed by Shape: [pair ? 1 : 0][mode.ordinal()]
    private static final Statement[][] LOCK = new Statement[2][2];
    private static final Statement[][] TRY_LOCK = new Statement[2][2];
    private static final Statement[][] UNLOCK = new Statement[2][2];

    static {
        // Default settings: unformatted, indexed ("?") parameters.
        DSLContext dsl = DSL.using(SQLDialect.POSTGRES);
        for (int pair = 0; pair < 2; pair++) {
            for (LockMode mode : LockMode.values()) {
                String suffix = mode == LockMode.SHARED ? "_shared" : "";
                Field<?>[] keys = pair == 1
                        ? new Field<?>[] {DSL.param(KEY1, SQLDataType.INTEGER), DSL.param(KEY2, SQLDataType.INTEGER)}
                        : new Field<?>[] {DSL.param(KEY, SQLDataType.BIGINT)};
                Field<String> setTimeout = DSL.function("set_config", SQLDataType.VARCHAR,
                        DSL.inline(LOCK_TIMEOUT), DSL.param(LOCK_TIMEOUT, SQLDataType.VARCHAR), DSL.inline(true));
                LOCK[pair][mode.ordinal()] = Statement.of(dsl, dsl
                        .select(DSL.function("pg_advisory_lock" + suffix, SQLDataType.OTHER, keys))
                        .from(DSL.select(setTimeout.as("set_lock_timeout")).asTable("t")));
                TRY_LOCK[pair][mode.ordinal()] = Statement.of(dsl,
                        dsl.select(DSL.function("pg_try_advisory_lock" + suffix, SQLDataType.BOOLEAN, keys)));
                UNLOCK[pair][mode.ordinal()] = Statement.of(dsl,
                        dsl.select(DSL.function("pg_advisory_unlock" + suffix, SQLDataType.BOOLEAN, keys)));
            }
        }
        UNLOCK_ALL = dsl.render(dsl.select(DSL.function("pg_advisory_unlock_all", SQLDataType.OTHER)));
        PING = dsl.render(dsl.selectOne());
        org.jooq.Table<?> pgLocks = DSL.table(DSL.name("pg_locks"));
        HOLDS = Statement.of(dsl, dsl.select(DSL.field(DSL.exists(DSL.selectOne().from(pgLocks).where(
                DSL.field(DSL.name("locktype"), SQLDataType.VARCHAR).eq(DSL.inline("advisory")),
                DSL.field(DSL.name("pid"), SQLDataType.INTEGER).eq(DSL.function("pg_backend_pid", SQLDataType.INTEGER)),
                DSL.field(DSL.name("granted"), SQLDataType.BOOLEAN).isTrue(),
                DSL.field(DSL.name(CLASSID), SQLDataType.BIGINT).cast(SQLDataType.BIGINT)
                        .eq(DSL.param(CLASSID, SQLDataType.BIGINT)),
                DSL.field(DSL.name(OBJID), SQLDataType.BIGINT).cast(SQLDataType.BIGINT)
                        .eq(DSL.param(OBJID, SQLDataType.BIGINT)),
                DSL.field(DSL.name(OBJSUBID), SQLDataType.INTEGER).eq(DSL.param(OBJSUBID, SQLDataType.INTEGER)),
                DSL.field(DSL.name(MODE), SQLDataType.VARCHAR).eq(DSL.param(MODE, SQLDataType.VARCHAR)))))));
        if (Statement.rendered != COUNT) {
            throw new IllegalStateException("rendered " + Statement.rendered + " statements, COUNT says " + COUNT);
        }
    }

    private AdvisorySql() {
    }

    /** Blocking lock bounded by {@code lock_timeout}: bind with {@link Statement#bind}. */
    public static Statement lock(LockKey key, LockMode mode) {
        return LOCK[key.isPair() ? 1 : 0][mode.ordinal()];
    }

    /** Single try; one boolean column. */
    public static Statement tryLock(LockKey key, LockMode mode) {
        return TRY_LOCK[key.isPair() ? 1 : 0][mode.ordinal()];
    }

    /** Unlock; one boolean column. */
    public static Statement unlock(LockKey key, LockMode mode) {
        return UNLOCK[key.isPair() ? 1 : 0][mode.ordinal()];
    }

    /** One rendered statement and where its parameters go. */
    public static final class Statement {
        private static int rendered;

        private final int id;
        private final String sql;
        private final int keyIndex;
        private final int key1Index;
        private final int key2Index;
        private final int timeoutIndex;
        private final int classidIndex;
        private final int objidIndex;
        private final int objsubidIndex;
        private final int modeIndex;

        private Statement(String sql, List<String> params) {
            this.id = rendered++; // only from the static initializer
            this.sql = sql;
            this.keyIndex = params.indexOf(KEY) + 1;
            this.key1Index = params.indexOf(KEY1) + 1;
            this.key2Index = params.indexOf(KEY2) + 1;
            this.timeoutIndex = params.indexOf(LOCK_TIMEOUT) + 1;
            this.classidIndex = params.indexOf(CLASSID) + 1;
            this.objidIndex = params.indexOf(OBJID) + 1;
            this.objsubidIndex = params.indexOf(OBJSUBID) + 1;
            this.modeIndex = params.indexOf(MODE) + 1;
        }

        static Statement of(DSLContext dsl, Query query) {
            List<String> order = new ArrayList<>();
            for (Param<?> param : dsl.extractParams(query).values()) {
                if (!param.isInline()) {
                    order.add(param.getParamName());
                }
            }
            String sql = dsl.render(query);
            long placeholders = sql.chars().filter(c -> c == '?').count();
            if (placeholders != order.size()) {
                throw new IllegalStateException("rendered " + placeholders + " placeholders for " + order + ": " + sql);
            }
            return new Statement(sql, order);
        }

        public String sql() {
            return sql;
        }

        /** A small number of its own, from 0 to {@link #COUNT} - 1: an index into per-connection caches. */
        int id() {
            return id;
        }

        /**
         * Binds what this statement takes of {@code key}, {@code mode} and, for a blocking lock,
         * {@code lockTimeoutMillis} (0 = no limit).
         */
        public void bind(PreparedStatement statement, LockKey key, LockMode mode, long lockTimeoutMillis)
                throws SQLException {
            if (classidIndex > 0) {
                // pg_locks shows a key as classid and objid, both unsigned, and objsubid for its kind.
                statement.setLong(classidIndex, Integer.toUnsignedLong(key.key1()));
                statement.setLong(objidIndex, Integer.toUnsignedLong(key.key2()));
                statement.setInt(objsubidIndex, key.isPair() ? 2 : 1);
                statement.setString(modeIndex, mode == LockMode.SHARED ? "ShareLock" : "ExclusiveLock");
            } else if (key.isPair()) {
                statement.setInt(key1Index, key.key1());
                statement.setInt(key2Index, key.key2());
            } else {
                statement.setLong(keyIndex, key.value());
            }
            if (timeoutIndex > 0) {
                statement.setString(timeoutIndex, Long.toString(lockTimeoutMillis));
            }
        }

        @Override
        public String toString() {
            return sql;
        }
    }
}
