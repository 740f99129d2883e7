package dev.pals.spring.boot.autoconfigure;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code pals.*} properties: how the auto-configured {@link dev.pals.Locker} connects and behaves.
 * Unset connection settings fall back to the application's ({@code spring.datasource.*}).
 */
@ConfigurationProperties("pals")
public class PalsProperties {
    /** Whether PALs is auto-configured at all: the Locker, its metrics, health indicator and endpoint, and @WithLock. */
    private boolean enabled = true;

    /**
     * JDBC URL of the PostgreSQL database the locks live in, jdbc:postgresql://host:port/database. Unset: the
     * application's database (spring.datasource.url, or a service connection).
     */
    private String url;

    /** User of the Locker's connections. Unset: spring.datasource.username when the URL is the application's. */
    private String user;

    /** Password of the Locker's connections. Unset: spring.datasource.password when the URL is the application's. */
    private String password;

    /**
     * Application name that lock names are prefixed with ("app.name", as in Python PALs), so that only services
     * of one application contend for a name. Unset: spring.application.name; empty, or neither set: bare lock
     * names.
     */
    private String appName;

    /**
     * Size of the Locker's own connection pool: how many database sessions it uses at most. With multiplexing
     * many locks share a session (10,000 fit on 8); without, each held lock pins one. With
     * use-application-datasource: the most connections of the application's pool the Locker takes at once.
     */
    private int maxPoolSize = 8;

    /**
     * Whether many locks share one database session, arbitrated in the process so that they exclude each other
     * exactly as if each had its own. False: each held lock pins a session, as in Python PALs.
     */
    private boolean multiplexing = true;

    /** Whether Lock.acquire() waits for a lock held elsewhere (up to acquire-timeout) or tries once. */
    private boolean blocking = true;

    /**
     * How long a blocking acquire waits for the lock (and a free connection). 0: a single try. At most 2^31-1 ms
     * (PostgreSQL's lock_timeout limit).
     */
    private Duration acquireTimeout = Duration.ofSeconds(30);

    /**
     * Bound of every database call that does not wait for a lock; a blocking wait gets its acquire timeout plus
     * this. Also the connect and login timeout.
     */
    private Duration networkTimeout = Duration.ofSeconds(10);

    /**
     * Check every session that holds locks this often, so that a lost lock is noticed within the interval even
     * while nobody uses it. 0: noticed on the next use only.
     */
    private Duration lockCheckInterval = Duration.ofMillis(0);

    /**
     * Have sessions that hold locks send a tiny statement this often, so that idle_session_timeout or a proxy
     * that drops idle connections does not take their locks away. 0: off.
     */
    private Duration keepaliveInterval = Duration.ofMillis(0);

    /**
     * Borrow connections from the application's DataSource instead of the Locker's own small pool. Each held
     * lock then keeps one of the application's connections for as long as it is held.
     */
    private boolean useApplicationDatasource = false;

    private final Metrics metrics = new Metrics();

    private final WithLock withLock = new WithLock();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public String getUser() {
        return user;
    }

    public void setUser(String user) {
        this.user = user;
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public String getAppName() {
        return appName;
    }

    public void setAppName(String appName) {
        this.appName = appName;
    }

    public int getMaxPoolSize() {
        return maxPoolSize;
    }

    public void setMaxPoolSize(int maxPoolSize) {
        this.maxPoolSize = maxPoolSize;
    }

    public boolean isMultiplexing() {
        return multiplexing;
    }

    public void setMultiplexing(boolean multiplexing) {
        this.multiplexing = multiplexing;
    }

    public boolean isBlocking() {
        return blocking;
    }

    public void setBlocking(boolean blocking) {
        this.blocking = blocking;
    }

    public Duration getAcquireTimeout() {
        return acquireTimeout;
    }

    public void setAcquireTimeout(Duration acquireTimeout) {
        this.acquireTimeout = acquireTimeout;
    }

    public Duration getNetworkTimeout() {
        return networkTimeout;
    }

    public void setNetworkTimeout(Duration networkTimeout) {
        this.networkTimeout = networkTimeout;
    }

    public Duration getLockCheckInterval() {
        return lockCheckInterval;
    }

    public void setLockCheckInterval(Duration lockCheckInterval) {
        this.lockCheckInterval = lockCheckInterval;
    }

    public Duration getKeepaliveInterval() {
        return keepaliveInterval;
    }

    public void setKeepaliveInterval(Duration keepaliveInterval) {
        this.keepaliveInterval = keepaliveInterval;
    }

    public boolean isUseApplicationDatasource() {
        return useApplicationDatasource;
    }

    public void setUseApplicationDatasource(boolean useApplicationDatasource) {
        this.useApplicationDatasource = useApplicationDatasource;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    public WithLock getWithLock() {
        return withLock;
    }

    /** {@code pals.with-lock.*}: the {@code @WithLock} annotation. */
    public static class WithLock {
        /** Whether bean methods annotated with @WithLock run under their lock (Spring AOP proxies). */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** {@code pals.metrics.*}: pals-metrics, bound when the application has a MeterRegistry. */
    public static class Metrics {
        /** Whether to bind PALs meters to the application's MeterRegistry. */
        private boolean enabled = true;

        /**
         * Tag lock meters with the lock's full name, for at most this many distinct names (further names are
         * tagged "(other)"). 0: no lock name tag. Every name multiplies the series.
         */
        private int lockNameTag = 0;

        /** Whether acquires are also reported as observations (pals.lock.wait) when the application has an ObservationRegistry. */
        private boolean observations = true;

        /** Whether holds are also observed (pals.lock.hold, from acquired to released); needs observations. */
        private boolean observeHolds = false;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getLockNameTag() {
            return lockNameTag;
        }

        public void setLockNameTag(int lockNameTag) {
            this.lockNameTag = lockNameTag;
        }

        public boolean isObservations() {
            return observations;
        }

        public void setObservations(boolean observations) {
            this.observations = observations;
        }

        public boolean isObserveHolds() {
            return observeHolds;
        }

        public void setObserveHolds(boolean observeHolds) {
            this.observeHolds = observeHolds;
        }
    }
}
