package dev.pals.jooq;

import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockListener;
import dev.pals.Locker;
import dev.pals.internal.Text;
import dev.pals.internal.Timeouts;
import dev.pals.jooq.internal.JdbcUrls;
import dev.pals.jooq.internal.Setting;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The validated, immutable settings of a {@link JooqLocker}. Made by {@link JooqLocker.Builder#settings()};
 * derive changed copies with {@link #toBuilder()}. {@link #toString()} never shows the password.
 *
 * <p>Each setting is declared once below, with its name, default and check; the builder and this class
 * hold values by setting.
 */
public final class JooqLockerSettings {
    /** Default of {@link #maxPoolSize()} for the Locker's own pool. */
    public static final int DEFAULT_MAX_POOL_SIZE = 8;
    /** Default of {@link #networkTimeout()}. */
    public static final Duration DEFAULT_NETWORK_TIMEOUT = Duration.ofSeconds(10);
    /** The network timeout of one session check: this, or the network timeout if shorter. */
    public static final Duration CHECK_TIMEOUT = Duration.ofSeconds(1);

    static final Setting<String> APP_NAME = Setting.of("appName", null,
            (name, app) -> app == null ? null : wellFormed(name, app), app -> "\"" + Text.shorten(app) + "\"");
    static final Setting<String> URL = Setting.of("url", null, (name, url) -> url, JdbcUrls::redact);
    static final Setting<String> USER = Setting.of("user", null, (name, user) -> user, user -> user);
    static final Setting<String> PASSWORD = Setting.of("password", null, (name, password) -> password, null);
    static final Setting<DataSource> DATA_SOURCE = Setting.of("dataSource", null, (name, ds) -> ds,
            ds -> ds.getClass().getName());
    /** Null: the default for the kind of source (8 for the Locker's own pool, no limit with a DataSource). */
    static final Setting<Integer> MAX_POOL_SIZE = Setting.of("maxPoolSize", null, JooqLockerSettings::atLeastOne,
            size -> size.toString());
    static final Setting<Boolean> BLOCKING = Setting.of("blocking", Locker.DEFAULT_BLOCKING,
            JooqLockerSettings::notNull, value -> value.toString());
    static final Setting<Duration> ACQUIRE_TIMEOUT = Setting.of("acquireTimeout", Locker.DEFAULT_ACQUIRE_TIMEOUT,
            Timeouts::check, Timeouts::describe);
    static final Setting<LockListener> LISTENER = Setting.of("listener", LockListener.NONE,
            JooqLockerSettings::listener, listener -> listener == LockListener.NONE ? null : listener.toString());
    static final Setting<Duration> NETWORK_TIMEOUT = Setting.of("networkTimeout", DEFAULT_NETWORK_TIMEOUT,
            JooqLockerSettings::positive, JooqLockerSettings::millis);
    static final Setting<Duration> LOCK_CHECK_INTERVAL = Setting.of("lockCheckInterval", Duration.ZERO,
            JooqLockerSettings::interval, JooqLockerSettings::millis);
    static final Setting<Duration> KEEPALIVE_INTERVAL = Setting.of("keepaliveInterval", Duration.ZERO,
            JooqLockerSettings::interval, JooqLockerSettings::millis);
    static final Setting<Consumer<? super LockInfo>> ON_LOCK_LOST = Setting.of("onLockLost", null,
            (name, callback) -> callback, callback -> "set");
    static final Setting<Boolean> MULTIPLEXING = Setting.of("multiplexing", true, JooqLockerSettings::notNull,
            value -> value.toString());
    /** Default of {@link #fencingTable()}. */
    public static final String DEFAULT_FENCING_TABLE = "pals_fencing_tokens";
    static final Setting<Boolean> FENCING = Setting.of("fencing", false, JooqLockerSettings::notNull,
            value -> value.toString());
    static final Setting<String> FENCING_TABLE = Setting.of("fencingTable", DEFAULT_FENCING_TABLE,
            JooqLockerSettings::tableName, table -> table);
    static final Setting<Boolean> CREATE_FENCING_TABLE = Setting.of("createFencingTable", false,
            JooqLockerSettings::notNull, value -> value.toString());

    /** Every setting, in the order {@link #toString()} shows them. */
    static final List<Setting<?>> ALL = List.of(APP_NAME, URL, DATA_SOURCE, USER, PASSWORD, MAX_POOL_SIZE, BLOCKING,
            ACQUIRE_TIMEOUT, NETWORK_TIMEOUT, LOCK_CHECK_INTERVAL, KEEPALIVE_INTERVAL, MULTIPLEXING, FENCING,
            FENCING_TABLE, CREATE_FENCING_TABLE, LISTENER, ON_LOCK_LOST);

    private final Map<Setting<?>, Object> values = new HashMap<>();
    private final String target;

    /**
     * Checks every setting once, then how they go together.
     *
     * @throws IllegalArgumentException naming the first setting that is missing or malformed
     */
    JooqLockerSettings(Map<Setting<?>, Object> given) {
        for (Setting<?> setting : ALL) {
            values.put(setting, setting.check(given.containsKey(setting) ? given.get(setting) : setting.defaultValue()));
        }
        String url = get(URL);
        DataSource dataSource = get(DATA_SOURCE);
        if (url == null && dataSource == null) {
            throw new IllegalArgumentException("url or dataSource must be set");
        }
        if (url != null && dataSource != null) {
            throw new IllegalArgumentException("set url or dataSource, not both");
        }
        if (dataSource != null && (get(USER) != null || get(PASSWORD) != null)) {
            throw new IllegalArgumentException("user and password go with url; a dataSource brings its own");
        }
        this.target = url != null ? JdbcUrls.target(url) : null;
    }

    @SuppressWarnings("unchecked")
    private <T> T get(Setting<T> setting) {
        return (T) values.get(setting);
    }

    private static String wellFormed(String name, String value) {
        Text.utf8(value, name);
        return value;
    }

    private static Integer atLeastOne(String name, Integer value) {
        if (value != null && value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1: " + value);
        }
        return value;
    }

    private static <T> T notNull(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    private static LockListener listener(String name, LockListener value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null (LockListener.NONE hears nothing)");
        }
        return value;
    }

    /** Zero (off) up to 2^31−1 ms. */
    private static Duration interval(String name, Duration value) {
        notNull(name, value);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
        if (value.compareTo(Timeouts.MAX) > 0) {
            throw new IllegalArgumentException(name + " must be at most " + Timeouts.MAX.toMillis() + " ms: " + value);
        }
        return value;
    }

    private static Duration positive(String name, Duration value) {
        interval(name, value);
        if (value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
        return value;
    }

    /** {@code table} or {@code schema.table}, each part non-empty. */
    private static String tableName(String name, String value) {
        notNull(name, value);
        String[] parts = value.split("\\.", -1);
        if (parts.length > 2 || java.util.Arrays.stream(parts).anyMatch(String::isBlank)) {
            throw new IllegalArgumentException(name + " must be a table name, or schema.table: \"" + Text.shorten(value)
                    + "\"");
        }
        Text.utf8(value, name);
        return value;
    }

    private static String millis(Duration value) {
        return value.toMillis() + " ms";
    }

    /** The application name lock names are prefixed with; empty for bare lock names. */
    public Optional<String> appName() {
        return Optional.ofNullable(get(APP_NAME));
    }

    /** The JDBC URL of the Locker's own pool; empty when a {@link #dataSource()} is used. */
    public Optional<String> url() {
        return Optional.ofNullable(get(URL));
    }

    /** The user of the Locker's own pool; empty to let the URL or driver decide. */
    public Optional<String> user() {
        return Optional.ofNullable(get(USER));
    }

    /** Whether a password is set (it is never handed out). */
    public boolean hasPassword() {
        return get(PASSWORD) != null;
    }

    String password() {
        return get(PASSWORD);
    }

    /** The user's DataSource the locks borrow connections from; empty when the Locker has its own pool. */
    public Optional<DataSource> dataSource() {
        return Optional.ofNullable(get(DATA_SOURCE));
    }

    /**
     * How many connections (database sessions) the Locker uses at most: the size of its own pool
     * (default 8), or how many connections it takes from a {@link #dataSource()} at once (default 0: no
     * limit of its own, the DataSource's limits and timeouts apply). With {@link #multiplexing()} many
     * locks share a session; without, each held lock takes one.
     */
    public int maxPoolSize() {
        Integer size = get(MAX_POOL_SIZE);
        return size != null ? size : get(DATA_SOURCE) != null ? 0 : DEFAULT_MAX_POOL_SIZE;
    }

    /** Default of {@link Lock#blocking()} for this Locker's locks. Default: true. */
    public boolean blocking() {
        return get(BLOCKING);
    }

    /** Default of {@link Lock#acquireTimeout()} for this Locker's locks. Default: 30 s. */
    public Duration acquireTimeout() {
        return get(ACQUIRE_TIMEOUT);
    }

    /** Who hears what the Locker does. Default: {@link LockListener#NONE}. */
    public LockListener listener() {
        return get(LISTENER);
    }

    /**
     * Bound of every database call that does not wait for a lock (try, release, check): a dead or frozen
     * network path fails it after this long. A blocking wait is bounded by its acquire timeout plus this
     * (a wait without limit, by nothing). Also the connect and login timeout (in whole seconds), and the
     * bound of {@link Locker#close()}. Default: 10 s.
     */
    public Duration networkTimeout() {
        return get(NETWORK_TIMEOUT);
    }

    /**
     * How often every session that holds locks is checked (one cheap statement per session), so a lost
     * lock is noticed even while nobody uses it. {@link Duration#ZERO}: only on use. Default: zero.
     */
    public Duration lockCheckInterval() {
        return get(LOCK_CHECK_INTERVAL);
    }

    /**
     * How often sessions that hold locks send a statement so that {@code idle_session_timeout} or a
     * proxy does not end them as idle. The same statement as the check. {@link Duration#ZERO}: never.
     * Default: zero.
     */
    public Duration keepaliveInterval() {
        return get(KEEPALIVE_INTERVAL);
    }

    /** Called once for every lock of this Locker that is lost; empty for none. */
    public Optional<Consumer<? super LockInfo>> onLockLost() {
        return Optional.ofNullable(get(ON_LOCK_LOST));
    }

    /**
     * Whether many locks share one database session (arbitrated in the process, so that they exclude
     * exactly as if each had its own). Without it, each held lock pins a session, as in Python PALs.
     * Default: true.
     */
    public boolean multiplexing() {
        return get(MULTIPLEXING);
    }

    /**
     * Whether this Locker's locks take a fencing token with every grant unless they say otherwise
     * ({@code LockOptions.Builder.fencing}). Exclusive locks only. Default: false.
     */
    public boolean fencing() {
        return get(FENCING);
    }

    /**
     * The table that keeps the fencing tokens: {@code table} or {@code schema.table}. Default:
     * {@value #DEFAULT_FENCING_TABLE} (in the connection's search path).
     */
    public String fencingTable() {
        return get(FENCING_TABLE);
    }

    /**
     * Whether the Locker creates the fencing table ({@code CREATE TABLE IF NOT EXISTS}) before its first
     * fenced acquire. Default: false (create it with your migrations: {@link FencingTable#ddl()}).
     */
    public boolean createFencingTable() {
        return get(CREATE_FENCING_TABLE);
    }

    /** How often the session watchdog runs: the shorter of the check and keepalive intervals that are set. */
    Duration watchInterval() {
        Duration check = lockCheckInterval();
        Duration keepalive = keepaliveInterval();
        if (check.isZero()) {
            return keepalive;
        }
        if (keepalive.isZero()) {
            return check;
        }
        return check.compareTo(keepalive) <= 0 ? check : keepalive;
    }

    /** {@code host:port} of the database, for messages; empty with a DataSource. */
    Optional<String> target() {
        return Optional.ofNullable(target);
    }

    /** A builder holding these settings. */
    public JooqLocker.Builder toBuilder() {
        return new JooqLocker.Builder(values);
    }

    @Override
    public String toString() {
        StringJoiner shown = new StringJoiner(", ", "JooqLockerSettings[", "]");
        for (Setting<?> setting : ALL) {
            String described = setting.describe(values.get(setting));
            if (setting == APP_NAME && described == null) {
                described = "appName=none";
            } else if (setting == MAX_POOL_SIZE) {
                described = "maxPoolSize=" + (maxPoolSize() == 0 ? "unlimited" : maxPoolSize());
            }
            if (described != null) {
                shown.add(described);
            }
        }
        return shown.toString();
    }
}
