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
    /** The parameter of a {@code lock_timeout} value (text, in milliseconds). */
    static final String LOCK_TIMEOUT = "lock_timeout";
    /** The parameter of the least {@code statement_timeout} a bounded wait needs (bigint, milliseconds). */
    static final String STATEMENT_TIMEOUT_LIMIT = "statement_timeout_limit";
    private static final String CLASSID = "classid";
    private static final String OBJID = "objid";
    private static final String OBJSUBID = "objsubid";
    private static final String MODE = "mode";
    private static final String KEY_KIND = "key_kind";
    private static final String LOCK_KEY = "lock_key";

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
    /** How many statements the fencing tokens of one table add: ids from {@link #COUNT} on. */
    static final int FENCED_COUNT = 4;
    private static final java.util.Map<String, Fencing> FENCING = new java.util.concurrent.ConcurrentHashMap<>();

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
                Field<?>[] keys = keyParams(pair == 1);
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

    /** The arguments of an advisory lock function, as parameters {@link Statement#bind} knows. */
    static Field<?>[] keyParams(boolean pair) {
        return pair
                ? new Field<?>[] {DSL.param(KEY1, SQLDataType.INTEGER), DSL.param(KEY2, SQLDataType.INTEGER)}
                : new Field<?>[] {DSL.param(KEY, SQLDataType.BIGINT)};
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

    /** The statements of fencing tokens kept in {@code table} ({@code table} or {@code schema.table}). */
    public static Fencing fencing(String table) {
        return FENCING.computeIfAbsent(table, Fencing::new);
    }

    /**
     * Fencing tokens: one row per key ever taken with fencing, its {@code token} a number that grows by one
     * with every grant of the key. The token is taken in the statement that takes the lock (one round trip,
     * one implicit transaction), and only by whoever holds the lock, so it grows in the order of grants.
     */
    public static final class Fencing {
        private final String table;
        private final Statement[] tryLock = new Statement[2];
        private final Statement[] lock = new Statement[2];
        private final String latest;
        private final String create;

        private Fencing(String name) {
            String[] parts = name.split("\\.", -1);
            DSLContext dsl = DSL.using(SQLDialect.POSTGRES);
            this.table = dsl.render(parts.length == 2 ? DSL.name(parts[0], parts[1]) : DSL.name(name));
            for (int pair = 0; pair < 2; pair++) {
                String keys = pair == 1 ? "?, ?" : "?";
                List<String> keyParams = pair == 1 ? List.of(KEY1, KEY2) : List.of(KEY);
                String token = "insert into " + table + " (key_kind, lock_key, token) select ?, ?, 1 from l%s"
                        + " on conflict (key_kind, lock_key) do update set token = " + table + ".token + 1 returning token";
                List<String> tryParams = new ArrayList<>(keyParams);
                tryParams.addAll(List.of(LOCK_TIMEOUT, KEY_KIND, LOCK_KEY));
                tryLock[pair] = new Statement("with l as (select pg_try_advisory_lock(" + keys + ") as got from"
                        + " (select set_config('lock_timeout', ?, true)) s), t as (" + String.format(token, " where l.got")
                        + ") select l.got, (select token from t) from l", tryParams, COUNT + pair);
                lock[pair] = new Statement("with l as (select pg_advisory_lock(" + keys + ") from"
                        + " (select set_config('lock_timeout', ?, true)) s), t as (" + String.format(token, "")
                        + ") select true, (select token from t)", tryParams, COUNT + 2 + pair);
            }
            this.latest = "select token from " + table + " where key_kind = ? and lock_key = ? for share";
            this.create = "create table if not exists " + table + " (key_kind smallint not null, lock_key bigint not null,"
                    + " token bigint not null, primary key (key_kind, lock_key))";
        }

        /** The table, quoted, as it appears in the statements. */
        public String table() {
            return table;
        }

        /**
         * A try that also takes a token: columns {@code got} (boolean) and {@code token} (null if not got).
         * {@code lock_timeout} bounds a wait for the token's row (held by a transaction that checked an
         * older token).
         */
        public Statement tryLock(LockKey key) {
            return tryLock[key.isPair() ? 1 : 0];
        }

        /** A blocking lock that also takes a token: columns {@code true} and {@code token}. */
        public Statement lock(LockKey key) {
            return lock[key.isPair() ? 1 : 0];
        }

        /** The latest token of a key, the row locked for share until the transaction ends: bind kind, key. */
        public String latest() {
            return latest;
        }

        /** {@code create table if not exists}: the DDL, also for those who migrate by hand. */
        public String create() {
            return create;
        }

        /** The token row's {@code key_kind} of {@code key}: 1 for bigint keys, 2 for pairs. */
        public static int kind(LockKey key) {
            return key.isPair() ? 2 : 1;
        }

        /** The token row's {@code lock_key} of {@code key}: its bigint, or the pair's two halves in one. */
        public static long lockKey(LockKey key) {
            return key.isPair() ? ((long) key.key1() << 32) | (key.key2() & 0xFFFFFFFFL) : key.value();
        }
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
        private final int kindIndex;
        private final int lockKeyIndex;
        private final int limitIndex;

        private Statement(String sql, List<String> params) {
            this(sql, params, rendered++); // only from the static initializer
        }

        private Statement(String sql, List<String> params, int id) {
            this.id = id;
            this.sql = sql;
            this.kindIndex = params.indexOf(KEY_KIND) + 1;
            this.lockKeyIndex = params.indexOf(LOCK_KEY) + 1;
            this.keyIndex = params.indexOf(KEY) + 1;
            this.key1Index = params.indexOf(KEY1) + 1;
            this.key2Index = params.indexOf(KEY2) + 1;
            this.timeoutIndex = params.indexOf(LOCK_TIMEOUT) + 1;
            this.classidIndex = params.indexOf(CLASSID) + 1;
            this.objidIndex = params.indexOf(OBJID) + 1;
            this.objsubidIndex = params.indexOf(OBJSUBID) + 1;
            this.modeIndex = params.indexOf(MODE) + 1;
            this.limitIndex = params.indexOf(STATEMENT_TIMEOUT_LIMIT) + 1;
        }

        static Statement of(DSLContext dsl, Query query) {
            List<String> order = new ArrayList<>();
            String sql = render(dsl, List.of(query), order);
            return new Statement(sql, order);
        }

        /**
         * Several queries sent as one statement (separated by {@code ;}), run on the caller's connection
         * rather than a session's: no {@link #id()} (-1), not cached per connection.
         */
        static Statement uncached(DSLContext dsl, List<Query> queries) {
            List<String> order = new ArrayList<>();
            String sql = render(dsl, queries, order);
            return new Statement(sql, order, -1);
        }

        private static String render(DSLContext dsl, List<Query> queries, List<String> order) {
            List<String> rendered = new ArrayList<>();
            for (Query query : queries) {
                for (Param<?> param : dsl.extractParams(query).values()) {
                    if (!param.isInline()) {
                        order.add(param.getParamName());
                    }
                }
                rendered.add(dsl.render(query));
            }
            String sql = String.join(";\n", rendered);
            long placeholders = sql.chars().filter(c -> c == '?').count();
            if (placeholders != order.size() || order.size() != order.stream().distinct().count()) {
                throw new IllegalStateException("rendered " + placeholders + " placeholders for " + order + ": " + sql);
            }
            return sql;
        }

        public String sql() {
            return sql;
        }

        /**
         * A small number of its own, from 0 to {@link #COUNT} + {@link #FENCED_COUNT} - 1: an index into
         * per-connection caches (the fencing statements of any one table share theirs: a connection serves
         * one Locker, with one table).
         */
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
            if (kindIndex > 0) {
                statement.setInt(kindIndex, Fencing.kind(key));
                statement.setLong(lockKeyIndex, Fencing.lockKey(key));
            }
        }

        /**
         * {@link #bind(PreparedStatement, LockKey, LockMode, long)}, and for a wait that must fit in the
         * session's {@code statement_timeout}, the least one that lets it run ({@link Long#MAX_VALUE}: no
         * limit will do).
         */
        public void bind(PreparedStatement statement, LockKey key, LockMode mode, long lockTimeoutMillis,
                long leastStatementTimeout) throws SQLException {
            bind(statement, key, mode, lockTimeoutMillis);
            if (limitIndex > 0) {
                statement.setLong(limitIndex, leastStatementTimeout);
            }
        }

        @Override
        public String toString() {
            return sql;
        }
    }
}
