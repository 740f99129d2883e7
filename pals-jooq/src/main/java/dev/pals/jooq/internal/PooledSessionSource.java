package dev.pals.jooq.internal;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.AgroalDataSourceListener;
import io.agroal.api.AgroalPoolInterceptor;
import io.agroal.api.configuration.AgroalConnectionPoolConfiguration;
import io.agroal.api.configuration.supplier.AgroalConnectionFactoryConfigurationSupplier;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.postgresql.Driver;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The Locker's own Agroal pool, in autocommit mode, behind a {@link ConnectionGate} of its size so
 * that waiting for a connection has a per-call timeout (Agroal's {@code getConnection()} has none).
 *
 * <p>A session coming back is {@linkplain LockSession#reset() reset} before its connection returns to
 * Agroal, so no idle pooled connection ever holds a lock; one whose reset fails is destroyed rather
 * than pooled again. Closing aborts the connections still lent: ending a session frees its locks, so
 * there is nothing to reset one by one.
 *
 * <p>The advisory statements are prepared once per physical connection ({@link StatementCache}) and
 * run on it directly; Agroal does not track JDBC resources here either, so the statements the library
 * opens come unwrapped and Agroal's exception sorter does not see their failures. Nothing is lost: a
 * session that saw its connection fail is {@linkplain LockSession#isLost() lost} and destroyed on
 * return; any other failed statement leaves its session uncertain, its return runs the reset through
 * the connection wrapper, and a reset that fails destroys the connection (and the pool's destroy
 * interceptor drops its statements).
 */
public final class PooledSessionSource implements SessionSource {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");
    /**
     * Server settings of the pool's sessions, as startup options (they win over role and database
     * settings): TCP keepalive, so that a vanished client's session, and its locks, end within about a
     * minute instead of the OS default of two hours; and no {@code statement_timeout}, so that a role's
     * setting cannot cut a lock wait short (lock waits are bounded by {@code lock_timeout}).
     */
    public static final String SESSION_OPTIONS =
            "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3 -c statement_timeout=0";
    /** Connections idle longer than this are validated before they are lent out. */
    static final Duration IDLE_VALIDATION = Duration.ofSeconds(1);
    /** A connection whose session ended (class 08, or the server ending it: 57P01–57P03) is flushed. */
    private static final AgroalConnectionPoolConfiguration.ExceptionSorter SESSION_ENDED = SqlStates::isConnectionLost;
    private final AgroalDataSource pool;
    private final ConnectBound.Step<Connection> getConnection;
    private final ConnectionGate gate;
    private final int networkTimeoutMillis;
    private final String target;
    /** Makes one connection outside the pool, like the pool's, for the pooler check. */
    private final PGSimpleDataSource probe = new PGSimpleDataSource();
    /** Whether the first connection was checked for a transaction pooler (done once). */
    private volatile boolean poolerChecked;
    /** Set when a transaction pooler was found: every borrow is refused with it. */
    private volatile UnsuitableConnectionException poolerVerdict;
    /** Prepared statements per physical connection, dropped when the pool destroys the connection. */
    private final Map<Connection, StatementCache> statements = new ConcurrentHashMap<>();

    /**
     * @param url the JDBC URL; parameters it sets (ApplicationName, timeouts, options) win over ours
     * @param networkTimeout the base network timeout of every call; also bounds connecting
     */
    public PooledSessionSource(String url, String user, String password, int maxSize, String applicationName,
            String target, Duration networkTimeout) {
        this.target = target;
        probe.setURL(url);
        if (user != null) {
            probe.setUser(user);
        }
        if (password != null) {
            probe.setPassword(password);
        }
        this.gate = new ConnectionGate(maxSize);
        this.networkTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, networkTimeout.toMillis());
        Properties fromUrl = Driver.parseURL(url, new Properties());
        long connectTimeoutSeconds = Math.max(1, (networkTimeout.toMillis() + 999) / 1000);
        String connectSeconds = Long.toString(connectTimeoutSeconds);
        probe.setConnectTimeout((int) connectTimeoutSeconds);
        probe.setLoginTimeout((int) connectTimeoutSeconds);
        probe.setSocketTimeout((int) connectTimeoutSeconds);
        probe.setApplicationName(applicationName);
        AgroalDataSourceConfigurationSupplier configuration = new AgroalDataSourceConfigurationSupplier()
                .metricsEnabled(false)
                .connectionPoolConfiguration(pool -> pool
                        .initialSize(0)
                        .minSize(0)
                        .maxSize(maxSize)
                        // One attempt per borrow: the caller's acquire decides what a failure means.
                        .establishmentRetryAttempts(0)
                        // The gate lends only free or creatable connections, so Agroal waits only where it
                        // connects on a thread of its own (for a virtual thread): just above the login
                        // timeout, so that a login's own error wins the race where it comes.
                        .acquisitionTimeout(Duration.ofMillis(connectTimeoutSeconds * 1000 + 250))
                        .exceptionSorter(SESSION_ENDED)
                        // Idle connections are checked in borrow(), within the acquire's bound: Agroal's own
                        // check would start its acquisition anew after each dead one it finds.
                        .idleValidationTimeout(Duration.ZERO)
                        .addInterceptor(new DropStatements())
                        .connectionFactoryConfiguration(factory -> {
                            // A DataSource rather than the Driver: Agroal's Driver mode sets
                            // DriverManager's JVM-wide login timeout.
                            factory.jdbcUrl(url)
                                    .connectionProviderClass(ConnectBound.class)
                                    .autoCommit(true)
                                    // The library closes every statement it opens; tracking would wrap
                                    // each statement and result set per call (see the class comment).
                                    .trackJdbcResources(false)
                                    .networkTimeout(networkTimeout)
                                    .loginTimeout(Duration.ofSeconds(connectTimeoutSeconds));
                            unlessInUrl(fromUrl, factory, "ApplicationName", applicationName);
                            unlessInUrl(fromUrl, factory, "connectTimeout", connectSeconds);
                            unlessInUrl(fromUrl, factory, "loginTimeout", connectSeconds);
                            unlessInUrl(fromUrl, factory, "tcpKeepAlive", "true");
                            unlessInUrl(fromUrl, factory, "options", SESSION_OPTIONS);
                            if (user != null) {
                                factory.principal(new NamePrincipal(user));
                            }
                            if (password != null) {
                                factory.credential(new SimplePassword(password));
                            }
                            return factory;
                        }));
        this.pool = new io.agroal.pool.DataSource(configuration.get(), new WarningLog());
        this.getConnection = pool::getConnection;
    }

    private static void unlessInUrl(Properties fromUrl, AgroalConnectionFactoryConfigurationSupplier factory,
            String property, String value) {
        if (fromUrl == null || fromUrl.getProperty(property) == null) {
            factory.jdbcProperty(property, value);
        }
    }

    @Override
    public LockSession borrow(long timeoutNanos, long deadlineNanos) throws SQLException, InterruptedException {
        if (!gate.enter(timeoutNanos)) {
            return null;
        }
        try {
            while (true) {
                Connection connection = ConnectBound.until(deadlineNanos, getConnection);
                LockSession session = sessionOn(connection, deadlineNanos);
                if (session != null) {
                    return session;
                }
                // An idle connection had died: destroyed; the next one, or a new one.
            }
        } catch (SQLException | RuntimeException | Error e) {
            gate.leave();
            throw e;
        }
    }

    /**
     * A session on a connection from the pool: a new one is asked what it is connected to, one that lay
     * idle for more than {@link #IDLE_VALIDATION} is checked (both within the deadline); null if the
     * check found it dead (it is destroyed). Any failure gives the connection back.
     */
    private LockSession sessionOn(Connection connection, long deadlineNanos) throws SQLException {
        try {
            Connection physical = connection.unwrap(Connection.class);
            StatementCache cache = statements.get(physical);
            if (cache == null) {
                // A new physical connection: what is it connected to? Once per source, also: is it a pooler?
                UnsuitableConnectionException pooler = poolerVerdict;
                if (pooler != null) {
                    throw pooler;
                }
                ServerCheck.Server server;
                physical.setNetworkTimeout(LockSession.DIRECT, Deadline.millisLeftFor(deadlineNanos, networkTimeoutMillis,
                        "ask a new connection what it is connected to"));
                try {
                    server = ServerCheck.check(physical, poolerChecked ? null : this::probeConnection);
                } catch (UnsuitableConnectionException refused) {
                    if (refused.kind() == UnsuitableConnectionException.Kind.POOLER) {
                        poolerVerdict = refused;
                    }
                    throw refused;
                }
                physical.setNetworkTimeout(LockSession.DIRECT, networkTimeoutMillis);
                poolerChecked = true;
                cache = new StatementCache(physical, server);
                statements.put(physical, cache);
            } else if (cache.idleLongerThan(IDLE_VALIDATION.toNanos())) {
                // It may have died with its server or its path while it lay in the pool: one round trip.
                int millis = Deadline.millisLeftFor(deadlineNanos, (int) IDLE_VALIDATION.toMillis(), "check an idle connection");
                cache.lent();
                LockSession session = new LockSession(connection, physical, cache.server(), cache, networkTimeoutMillis,
                        false, -1);
                if (!session.ping(millis)) {
                    session.destroy();
                    connection.close();
                    return null;
                }
                return session;
            }
            cache.lent();
            return new LockSession(connection, physical, cache.server(), cache, networkTimeoutMillis, false, -1);
        } catch (SQLException | RuntimeException | Error e) {
            try {
                connection.close();
            } catch (SQLException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private Connection probeConnection() throws SQLException {
        return probe.getConnection();
    }

    @Override
    public SessionReset giveBack(LockSession session, long deadlineNanos) {
        SessionReset reset = deadlineNanos == Deadline.NONE ? session.reset() : session.resetBy(deadlineNanos);
        StatementCache cache = session.statementCache();
        if (cache != null) {
            cache.returned();
        }
        try {
            session.connection().close();
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "returning a connection to the PALs pool failed", e);
        } finally {
            gate.leave();
        }
        return reset;
    }

    /** How many physical connections have prepared statements here (for tests). */
    int statementCaches() {
        return statements.size();
    }

    @Override
    public int maxSessions() {
        return gate.size();
    }

    @Override
    public int waitingForSession() {
        return gate.waiting();
    }

    @Override
    public String target() {
        return target;
    }

    /**
     * Aborts the sessions still lent (their statements fail at once; ending a session frees its locks),
     * then closes the pool: every connection, and so every session and lock on it, ends.
     */
    @Override
    public void close(Collection<LockSession> lent, long deadlineNanos) {
        for (LockSession session : lent) {
            session.abort();
        }
        pool.close();
        gate.openAll();
    }

    /** Forgets the prepared statements of a connection the pool destroys. */
    private final class DropStatements implements AgroalPoolInterceptor {
        @Override
        public void onConnectionDestroy(Connection connection) {
            try {
                statements.remove(connection.unwrap(Connection.class));
            } catch (SQLException | RuntimeException closed) {
                // pgjdbc refuses unwrap() once the physical connection is closed (as after a failed
                // reset): drop the statements of every closed one instead.
                statements.keySet().removeIf(PooledSessionSource::isClosed);
            }
        }
    }

    private static boolean isClosed(Connection physical) {
        try {
            return physical.isClosed();
        } catch (SQLException | RuntimeException e) {
            return true;
        }
    }

    /** Agroal reports problems to listeners only; route its warnings to the log. */
    private static final class WarningLog implements AgroalDataSourceListener {
        @Override
        public void onWarning(String message) {
            LOG.log(Level.WARNING, "Agroal: " + message);
        }

        @Override
        public void onWarning(Throwable throwable) {
            // A connection found closed on return is one PALs already knows to be dead: no news.
            boolean closed = throwable instanceof SQLException && "08003".equals(((SQLException) throwable).getSQLState());
            LOG.log(closed ? Level.DEBUG : Level.WARNING, "Agroal: " + throwable, throwable);
        }
    }
}
