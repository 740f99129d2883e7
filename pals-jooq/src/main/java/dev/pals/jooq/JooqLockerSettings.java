package dev.pals.jooq;

import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockListener;
import dev.pals.internal.Timeouts;
import dev.pals.jooq.internal.JdbcUrls;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The validated, immutable settings of a {@link JooqLocker}. Made by {@link JooqLocker.Builder#settings()};
 * derive changed copies with {@link #toBuilder()}. {@link #toString()} never shows the password.
 */
public final class JooqLockerSettings {
    /** Default of {@link #maxPoolSize()}. */
    public static final int DEFAULT_MAX_POOL_SIZE = 10;
    /** Default of {@link #networkTimeout()}. */
    public static final Duration DEFAULT_NETWORK_TIMEOUT = Duration.ofSeconds(10);
    /** The network timeout of one session check: this, or the network timeout if shorter. */
    public static final Duration CHECK_TIMEOUT = Duration.ofSeconds(1);

    private final String appName;
    private final String url;
    private final String user;
    private final String password;
    private final DataSource dataSource;
    private final int maxPoolSize;
    private final boolean blocking;
    private final Duration acquireTimeout;
    private final LockListener listener;
    private final Duration networkTimeout;
    private final Duration lockCheckInterval;
    private final Duration keepaliveInterval;
    private final Consumer<? super LockInfo> onLockLost;
    private final String target;

    JooqLockerSettings(JooqLocker.Builder builder) {
        this.appName = builder.appName;
        this.url = builder.url;
        this.user = builder.user;
        this.password = builder.password;
        this.dataSource = builder.dataSource;
        this.maxPoolSize = builder.maxPoolSize != null ? builder.maxPoolSize
                : builder.dataSource != null ? 0 : DEFAULT_MAX_POOL_SIZE;
        this.blocking = builder.blocking;
        this.acquireTimeout = builder.acquireTimeout;
        this.listener = builder.listener;
        this.networkTimeout = builder.networkTimeout;
        this.lockCheckInterval = builder.lockCheckInterval;
        this.keepaliveInterval = builder.keepaliveInterval;
        this.onLockLost = builder.onLockLost;
        positive("networkTimeout", networkTimeout);
        if (networkTimeout.compareTo(Timeouts.MAX) > 0) {
            throw new IllegalArgumentException("networkTimeout must be at most " + Timeouts.MAX.toMillis() + " ms: "
                    + networkTimeout);
        }
        notNegative("lockCheckInterval", lockCheckInterval);
        notNegative("keepaliveInterval", keepaliveInterval);
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null (LockListener.NONE hears nothing)");
        }
        if (appName != null) {
            dev.pals.internal.Text.utf8(appName, "appName");
        }
        if (url == null && dataSource == null) {
            throw new IllegalArgumentException("url or dataSource must be set");
        }
        if (url != null && dataSource != null) {
            throw new IllegalArgumentException("set url or dataSource, not both");
        }
        if (dataSource != null && (user != null || password != null)) {
            throw new IllegalArgumentException("user and password go with url; a dataSource brings its own");
        }
        if (builder.maxPoolSize != null && maxPoolSize < 1) {
            throw new IllegalArgumentException("maxPoolSize must be at least 1: " + maxPoolSize);
        }
        Timeouts.check("acquireTimeout", acquireTimeout);
        this.target = url != null ? JdbcUrls.target(url) : null;
    }

    private static void notNegative(String field, Duration value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (value.isNegative()) {
            throw new IllegalArgumentException(field + " must not be negative: " + value);
        }
    }

    private static void positive(String field, Duration value) {
        notNegative(field, value);
        if (value.isZero()) {
            throw new IllegalArgumentException(field + " must be positive: " + value);
        }
    }

    /** The application name lock names are prefixed with; empty for bare lock names. */
    public Optional<String> appName() {
        return Optional.ofNullable(appName);
    }

    /** The JDBC URL of the Locker's own pool; empty when a {@link #dataSource()} is used. */
    public Optional<String> url() {
        return Optional.ofNullable(url);
    }

    /** The user of the Locker's own pool; empty to let the URL or driver decide. */
    public Optional<String> user() {
        return Optional.ofNullable(user);
    }

    /** Whether a password is set (it is never handed out). */
    public boolean hasPassword() {
        return password != null;
    }

    String password() {
        return password;
    }

    /** The user's DataSource the locks borrow connections from; empty when the Locker has its own pool. */
    public Optional<DataSource> dataSource() {
        return Optional.ofNullable(dataSource);
    }

    /**
     * How many connections, so held locks, the Locker uses at most: the size of its own pool (default
     * 10), or how many connections it takes from a {@link #dataSource()} at once (default 0: no limit
     * of its own, the DataSource's limits and timeouts apply).
     */
    public int maxPoolSize() {
        return maxPoolSize;
    }

    /** Default of {@link Lock#blocking()} for this Locker's locks. Default: true. */
    public boolean blocking() {
        return blocking;
    }

    /** Default of {@link Lock#acquireTimeout()} for this Locker's locks. Default: 30 s. */
    public Duration acquireTimeout() {
        return acquireTimeout;
    }

    /** Who hears what the Locker does. Default: {@link LockListener#NONE}. */
    public LockListener listener() {
        return listener;
    }

    /**
     * Bound of every database call that does not wait for a lock (try, release, check): a dead or frozen
     * network path fails it after this long. A blocking wait is bounded by its acquire timeout plus this
     * (a wait without limit, by nothing). Also the connect and login timeout (in whole seconds).
     * Default: 10 s.
     */
    public Duration networkTimeout() {
        return networkTimeout;
    }

    /**
     * How often every session that holds locks is checked (one cheap statement per session), so a lost
     * lock is noticed even while nobody uses it. {@link Duration#ZERO}: only on use. Default: zero.
     */
    public Duration lockCheckInterval() {
        return lockCheckInterval;
    }

    /**
     * How often sessions that hold locks send a statement so that {@code idle_session_timeout} or a
     * proxy does not end them as idle. The same statement as the check. {@link Duration#ZERO}: never.
     * Default: zero.
     */
    public Duration keepaliveInterval() {
        return keepaliveInterval;
    }

    /** Called once for every lock of this Locker that is lost; empty for none. */
    public Optional<Consumer<? super LockInfo>> onLockLost() {
        return Optional.ofNullable(onLockLost);
    }

    /** How often the session watchdog runs: the shorter of the check and keepalive intervals that are set. */
    Duration watchInterval() {
        if (lockCheckInterval.isZero()) {
            return keepaliveInterval;
        }
        if (keepaliveInterval.isZero()) {
            return lockCheckInterval;
        }
        return lockCheckInterval.compareTo(keepaliveInterval) <= 0 ? lockCheckInterval : keepaliveInterval;
    }

    /** {@code host:port} of the database, for messages; empty with a DataSource. */
    Optional<String> target() {
        return Optional.ofNullable(target);
    }

    /** A builder holding these settings. */
    public JooqLocker.Builder toBuilder() {
        JooqLocker.Builder builder = JooqLocker.builder(appName);
        builder.url = url;
        builder.user = user;
        builder.password = password;
        builder.dataSource = dataSource;
        builder.maxPoolSize = maxPoolSize == 0 ? null : maxPoolSize;
        builder.blocking = blocking;
        builder.acquireTimeout = acquireTimeout;
        builder.listener = listener;
        builder.networkTimeout = networkTimeout;
        builder.lockCheckInterval = lockCheckInterval;
        builder.keepaliveInterval = keepaliveInterval;
        builder.onLockLost = onLockLost;
        return builder;
    }

    @Override
    public String toString() {
        return "JooqLockerSettings[appName=" + (appName == null ? "none" : "\"" + dev.pals.internal.Text.shorten(appName) + "\"")
                + (url != null ? ", url=" + JdbcUrls.redact(url) : ", dataSource=" + dataSource.getClass().getName())
                + (user != null ? ", user=" + user : "")
                + (password != null ? ", password=***" : "")
                + ", maxPoolSize=" + (maxPoolSize == 0 ? "unlimited" : maxPoolSize)
                + ", blocking=" + blocking
                + ", acquireTimeout=" + Timeouts.describe(acquireTimeout)
                + ", networkTimeout=" + networkTimeout.toMillis() + " ms"
                + (lockCheckInterval.isZero() ? "" : ", lockCheckInterval=" + lockCheckInterval.toMillis() + " ms")
                + (keepaliveInterval.isZero() ? "" : ", keepaliveInterval=" + keepaliveInterval.toMillis() + " ms")
                + "]";
    }
}
