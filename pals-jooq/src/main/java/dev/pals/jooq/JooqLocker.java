package dev.pals.jooq;

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
import java.time.Duration;
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

    private JooqLocker(JooqLockerSettings settings) {
        this.settings = settings;
        LockListener listener = LockListener.composite(settings.listener());
        SessionSource source = settings.dataSource().isPresent()
                ? new DataSourceSessionSource(settings.dataSource().get(), settings.maxPoolSize(),
                        settings.networkTimeout(), listener)
                : new PooledSessionSource(settings.url().orElseThrow(), settings.user().orElse(null),
                        settings.password(), settings.maxPoolSize(), applicationName(settings.appName()),
                        settings.target().orElseThrow(), settings.networkTimeout(), listener);
        Duration pingTimeout = settings.networkTimeout().compareTo(JooqLockerSettings.CHECK_TIMEOUT) < 0
                ? settings.networkTimeout() : JooqLockerSettings.CHECK_TIMEOUT;
        this.core = new LockerCore(source, listener, settings.onLockLost().orElse(null), settings.watchInterval(),
                pingTimeout, settings.networkTimeout(), settings.appName().orElse("-"));
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
        return new JooqLock(core, key, options.mode(), options.blocking().orElse(settings.blocking()),
                options.acquireTimeout().orElse(settings.acquireTimeout()));
    }

    @Override
    public LockerStats stats() {
        return core.stats();
    }

    @Override
    public java.util.List<dev.pals.HeldLockInfo> heldLocks() {
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
        final String appName;
        String url;
        String user;
        String password;
        DataSource dataSource;
        Integer maxPoolSize;
        LockListener listener = LockListener.NONE;
        Duration networkTimeout = JooqLockerSettings.DEFAULT_NETWORK_TIMEOUT;
        Duration lockCheckInterval = Duration.ZERO;
        Duration keepaliveInterval = Duration.ZERO;
        Consumer<? super LockInfo> onLockLost;
        boolean blocking = Locker.DEFAULT_BLOCKING;
        Duration acquireTimeout = Locker.DEFAULT_ACQUIRE_TIMEOUT;

        private Builder(String appName) {
            this.appName = appName;
        }

        /** JDBC URL of the database, {@code jdbc:postgresql://host:port/database}. Or use {@link #dataSource}. */
        public Builder url(String url) {
            this.url = url;
            return this;
        }

        /** User for {@link #url}; unset lets the URL or driver decide. */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /** Password for {@link #url}. Never printed. */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /**
         * Borrow connections from your own DataSource instead of the Locker's pool. The Locker installs
         * nothing on it and never closes it; each held lock keeps one of its connections.
         */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = dataSource;
            return this;
        }

        /**
         * How many connections, so held locks, the Locker's own pool has at most. Default: 10. With a
         * {@link #dataSource}: how many of its connections the Locker takes at once, waiting for a
         * place within the acquire timeout (default: no limit of its own).
         */
        public Builder maxPoolSize(int maxPoolSize) {
            this.maxPoolSize = maxPoolSize;
            return this;
        }

        /** Whether locks block on {@link Lock#acquire()} unless they say otherwise. Default: true. */
        public Builder blocking(boolean blocking) {
            this.blocking = blocking;
            return this;
        }

        /**
         * How long blocking acquires wait unless the lock says otherwise. Default: 30 s.
         * {@link Duration#ZERO} makes acquires a single try; at most 2^31−1 ms, or
         * {@link Lock#WAIT_FOREVER}.
         */
        public Builder acquireTimeout(Duration acquireTimeout) {
            this.acquireTimeout = acquireTimeout;
            return this;
        }

        /**
         * Who hears what the Locker does (metrics, tracing); see {@link LockListener}. Combine several with
         * {@link LockListener#composite}. Default: {@link LockListener#NONE}.
         */
        public Builder listener(LockListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * Bound of every database call that does not wait for a lock; a blocking wait gets its acquire
         * timeout plus this. Also the connect and login timeout. Default: 10 s.
         */
        public Builder networkTimeout(Duration networkTimeout) {
            this.networkTimeout = networkTimeout;
            return this;
        }

        /**
         * Check every session that holds locks this often (one cheap statement per session), so that a
         * lost lock is noticed within this interval (plus at most 1 s for a dead path) even while
         * nobody uses it. {@link Duration#ZERO} (the default): lost locks are noticed on use only.
         */
        public Builder lockCheckInterval(Duration lockCheckInterval) {
            this.lockCheckInterval = lockCheckInterval;
            return this;
        }

        /**
         * Have sessions that hold locks send a statement this often, so that a server's
         * {@code idle_session_timeout} or a proxy that drops idle connections does not take their locks
         * away. Set it below the shortest such timeout on the path. {@link Duration#ZERO} (the default):
         * no keepalive.
         */
        public Builder keepaliveInterval(Duration keepaliveInterval) {
            this.keepaliveInterval = keepaliveInterval;
            return this;
        }

        /**
         * Called once for every lock of this Locker that is lost (its session ended while held), on the
         * thread that notices. Per lock: {@link Lock#onLost}. For metrics, use a {@link LockListener}.
         */
        public Builder onLockLost(Consumer<? super LockInfo> onLockLost) {
            this.onLockLost = onLockLost;
            return this;
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
            return new JooqLockerSettings(this);
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
