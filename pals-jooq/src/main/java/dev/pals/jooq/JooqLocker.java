package dev.pals.jooq;

import dev.pals.HeldLockInfo;
import dev.pals.LeaderElection;
import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockKey;
import dev.pals.LockListener;
import dev.pals.LockOptions;
import dev.pals.Locker;
import dev.pals.LockerStats;
import dev.pals.jooq.internal.DataSourceSessionSource;
import dev.pals.jooq.internal.JooqLock;
import dev.pals.jooq.internal.LockerCore;
import dev.pals.jooq.internal.PooledSessionSource;
import dev.pals.jooq.internal.SessionSource;
import dev.pals.jooq.internal.Setting;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * A {@link Locker} on PostgreSQL advisory locks, with SQL built by jOOQ and connections from its own
 * Agroal pool (or from a {@link DataSource} you give it).
 *
 * <pre>{@code
 * try (Locker locker = JooqLocker.builder("my-app")
 *         .url("jdbc:postgresql://server/dbname").user("user").password("pass")
 *         .build()) {
 *     try (HeldLock held = locker.lock("nightly-report").hold()) {
 *         // work under the lock
 *     }
 * }
 * }</pre>
 *
 * <p>{@link Builder#build()} checks the settings but does not connect: an unreachable server or a
 * wrong password surfaces from the first acquire, as an {@link dev.pals.AcquireFailure} naming host and
 * port.
 */
public final class JooqLocker implements Locker {
    private final JooqLockerSettings settings;
    private final LockerCore core;
    private final FencingTable fencingTable;

    private JooqLocker(JooqLockerSettings settings) {
        this.settings = settings;
        LockListener listener = LockListener.composite(settings.listener());
        SessionSource source = settings.dataSource().isPresent()
                ? new DataSourceSessionSource(settings.dataSource().get(), settings.maxPoolSize(),
                        settings.networkTimeout())
                : new PooledSessionSource(settings.url().orElseThrow(), settings.user().orElse(null),
                        settings.password(), settings.maxPoolSize(), applicationName(settings.appName()),
                        settings.target().orElseThrow(), settings.networkTimeout());
        Duration pingTimeout = settings.networkTimeout().compareTo(JooqLockerSettings.CHECK_TIMEOUT) < 0
                ? settings.networkTimeout() : JooqLockerSettings.CHECK_TIMEOUT;
        this.core = new LockerCore(source, listener, settings.onLockLost().orElse(null), settings.multiplexing(),
                settings.watchInterval(), pingTimeout, settings.networkTimeout(), settings.fencingTable(),
                settings.createFencingTable(), settings.appName().orElse("-"));
        this.fencingTable = FencingTable.named(settings.fencingTable());
    }

    /**
     * A builder for a Locker of application {@code appName}: lock names are prefixed with
     * {@code appName + "."}, as in Python PALs. Null means bare lock names.
     */
    public static Builder builder(String appName) {
        return new Builder(appName);
    }

    /**
     * {@code pals:<app>} as the pool's {@code application_name}: control characters (a NUL would make
     * the driver refuse to connect) as {@code ?}, and cut to the 63 bytes PostgreSQL keeps of it.
     */
    private static String applicationName(Optional<String> appName) {
        String name = appName.map(app -> "pals:" + app).orElse("pals");
        StringBuilder kept = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < name.length(); i += Character.charCount(name.codePointAt(i))) {
            int codePoint = name.codePointAt(i);
            int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytes + size > 63) {
                break;
            }
            kept.appendCodePoint(Character.isISOControl(codePoint) ? '?' : codePoint);
            bytes += size;
        }
        return kept.toString();
    }

    /**
     * The table of this Locker's fencing tokens: to check a token in your own transaction, and its DDL.
     */
    public FencingTable fencingTable() {
        return fencingTable;
    }

    /** The settings this Locker was built with. */
    public JooqLockerSettings settings() {
        return settings;
    }

    @Override
    public Optional<String> appName() {
        return settings.appName();
    }

    @Override
    public boolean blocking() {
        return settings.blocking();
    }

    @Override
    public Duration acquireTimeout() {
        return settings.acquireTimeout();
    }

    @Override
    public Lock lock(String name, LockOptions options) {
        core.checkOpen();
        return lock(key(name), options);
    }

    @Override
    public Lock lock(LockKey key, LockOptions options) {
        core.checkOpen();
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        boolean fencing = options.fencing().orElse(settings.fencing());
        if (fencing && options.mode() == dev.pals.LockMode.SHARED) {
            if (options.fencing().isPresent()) {
                throw new IllegalArgumentException("fencing tokens are for exclusive locks: a shared lock has many holders");
            }
            fencing = false; // the Locker's default applies to exclusive locks
        }
        return new JooqLock(core, key, options.mode(), options.blocking().orElse(settings.blocking()),
                options.acquireTimeout().orElse(settings.acquireTimeout()), fencing);
    }

    /**
     * A leader election on {@code name}: see {@link LeaderElection}. Its terms' epochs are fencing tokens
     * of the lock, kept in this Locker's {@link #fencingTable()}, which must exist (create it with
     * {@code createFencingTable(true)} or your migrations).
     */
    @Override
    public LeaderElection leaderElection(String name) {
        core.checkOpen();
        Lock lock = lock(key(name), LockOptions.builder().fencing(true).waitForever().build());
        return new dev.pals.jooq.internal.Campaign(lock, core);
    }

    @Override
    public LockerStats stats() {
        return core.stats();
    }

    @Override
    public List<HeldLockInfo> heldLocks() {
        return core.heldLocks();
    }

    @Override
    public Duration ping() {
        return core.ping();
    }

    @Override
    public void close() {
        core.close();
    }

    @Override
    public String toString() {
        return "JooqLocker[" + settings.appName().map(app -> "\"" + dev.pals.internal.Text.shorten(app) + "\"").orElse("no app")
                + " on " + core.target() + (core.isClosed() ? ", closed" : "") + "]";
    }

    /**
     * Builds a {@link JooqLocker}. Setters only record; {@link #build()} checks everything and throws
     * {@link IllegalArgumentException} naming the setting.
     */
    public static final class Builder {
        private final Map<Setting<?>, Object> values;

        private Builder(String appName) {
            this.values = new HashMap<>();
            values.put(JooqLockerSettings.APP_NAME, appName);
        }

        /** A builder holding {@code values} (a copy). */
        Builder(Map<Setting<?>, Object> values) {
            this.values = new HashMap<>(values);
        }

        private <T> Builder set(Setting<T> setting, T value) {
            values.put(setting, value);
            return this;
        }

        /** JDBC URL of the database, {@code jdbc:postgresql://host:port/database}. Or use {@link #dataSource}. */
        public Builder url(String url) {
            return set(JooqLockerSettings.URL, url);
        }

        /** User for {@link #url}; unset lets the URL or driver decide. */
        public Builder user(String user) {
            return set(JooqLockerSettings.USER, user);
        }

        /** Password for {@link #url}. Never printed. */
        public Builder password(String password) {
            return set(JooqLockerSettings.PASSWORD, password);
        }

        /**
         * Borrow connections from your own DataSource instead of the Locker's pool. The Locker installs
         * nothing on it and never closes it. Its connections must not come inside an open transaction,
         * nor be handed out twice at once (as a DataSource that binds a connection to a thread does):
         * such a connection is refused with {@link dev.pals.AcquireFailure.Reason#UNSUITABLE_CONNECTION}.
         */
        public Builder dataSource(DataSource dataSource) {
            return set(JooqLockerSettings.DATA_SOURCE, dataSource);
        }

        /**
         * How many connections (database sessions) the Locker's own pool has at most. Default: 8. With
         * {@link #multiplexing} on, many locks share a session and this bounds sessions, not locks; off,
         * each held lock takes one. With a {@link #dataSource}: how many of its connections the Locker
         * takes at once, waiting for a place within the acquire timeout (default: no limit of its own).
         */
        public Builder maxPoolSize(int maxPoolSize) {
            return set(JooqLockerSettings.MAX_POOL_SIZE, maxPoolSize);
        }

        /** Whether locks block on {@link Lock#acquire()} unless they say otherwise. Default: true. */
        public Builder blocking(boolean blocking) {
            return set(JooqLockerSettings.BLOCKING, blocking);
        }

        /**
         * How long blocking acquires wait unless the lock says otherwise. Default: 30 s.
         * {@link Duration#ZERO} makes acquires a single try; at most 2^31−1 ms, or
         * {@link Lock#WAIT_FOREVER}.
         */
        public Builder acquireTimeout(Duration acquireTimeout) {
            return set(JooqLockerSettings.ACQUIRE_TIMEOUT, acquireTimeout);
        }

        /**
         * Who hears what the Locker does (metrics, tracing); see {@link LockListener}. Combine several with
         * {@link LockListener#composite}. Default: {@link LockListener#NONE}.
         */
        public Builder listener(LockListener listener) {
            return set(JooqLockerSettings.LISTENER, listener);
        }

        /**
         * Bound of every database call that does not wait for a lock; a blocking wait gets its acquire
         * timeout plus this. Also the connect and login timeout, and the bound of {@link Locker#close()}.
         * Default: 10 s.
         */
        public Builder networkTimeout(Duration networkTimeout) {
            return set(JooqLockerSettings.NETWORK_TIMEOUT, networkTimeout);
        }

        /**
         * Check every session that holds locks this often (one cheap statement per session, all sessions
         * at once), so that a lost lock is noticed within this interval (plus at most 1 s for a dead path)
         * even while nobody uses it. {@link Duration#ZERO} (the default): lost locks are noticed on use
         * only. At most 2^31−1 ms.
         */
        public Builder lockCheckInterval(Duration lockCheckInterval) {
            return set(JooqLockerSettings.LOCK_CHECK_INTERVAL, lockCheckInterval);
        }

        /**
         * Have sessions that hold locks send a statement this often, so that a server's
         * {@code idle_session_timeout} or a proxy that drops idle connections does not take their locks
         * away. Set it below the shortest such timeout on the path. {@link Duration#ZERO} (the default):
         * no keepalive. At most 2^31−1 ms.
         */
        public Builder keepaliveInterval(Duration keepaliveInterval) {
            return set(JooqLockerSettings.KEEPALIVE_INTERVAL, keepaliveInterval);
        }

        /**
         * Called once for every lock of this Locker that is lost (its session ended while held), on the
         * thread that notices. Per lock: {@link Lock#onLost}. For metrics, use a {@link LockListener}.
         */
        public Builder onLockLost(Consumer<? super LockInfo> onLockLost) {
            return set(JooqLockerSettings.ON_LOCK_LOST, onLockLost);
        }

        /**
         * Whether many locks share one database session. On (the default), a Locker holds thousands of
         * locks on a few sessions, arbitrating between its own handles in the process so that they exclude
         * each other exactly as if each had a session of its own. Off: each held lock pins a session of
         * the pool, as in Python PALs.
         */
        public Builder multiplexing(boolean multiplexing) {
            return set(JooqLockerSettings.MULTIPLEXING, multiplexing);
        }

        /**
         * Whether locks take a fencing token with every grant unless they say otherwise
         * ({@code LockOptions.Builder.fencing}); exclusive locks only. Default: false.
         */
        public Builder fencing(boolean fencing) {
            return set(JooqLockerSettings.FENCING, fencing);
        }

        /**
         * The table of fencing tokens, {@code table} or {@code schema.table}. Default:
         * {@value JooqLockerSettings#DEFAULT_FENCING_TABLE}.
         */
        public Builder fencingTable(String table) {
            return set(JooqLockerSettings.FENCING_TABLE, table);
        }

        /**
         * Create the table of fencing tokens ({@code CREATE TABLE IF NOT EXISTS}) before the first fenced
         * acquire. Default: false — create it with your migrations ({@link FencingTable#ddl()}).
         */
        public Builder createFencingTable(boolean create) {
            return set(JooqLockerSettings.CREATE_FENCING_TABLE, create);
        }

        /** Blocking acquires wait without limit unless the lock says otherwise. */
        public Builder waitForever() {
            return acquireTimeout(Lock.WAIT_FOREVER);
        }

        /**
         * The checked settings.
         *
         * @throws IllegalArgumentException naming the first setting that is missing or malformed
         */
        public JooqLockerSettings settings() {
            return new JooqLockerSettings(values);
        }

        /**
         * A new Locker. Does not connect.
         *
         * @throws IllegalArgumentException naming the first setting that is missing or malformed
         */
        public JooqLocker build() {
            return new JooqLocker(settings());
        }
    }
}
