package dev.pals.jooq.internal;

import dev.pals.LockListener;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.AgroalDataSourceListener;
import io.agroal.api.AgroalPoolInterceptor;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.exceptionsorter.PostgreSQLExceptionSorter;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Locker's own Agroal pool, in autocommit mode, behind a {@link ConnectionGate} of its size so
 * that waiting for a connection has a per-call timeout (Agroal's {@code getConnection()} has none).
 *
 * <p>Its return interceptor runs {@code pg_advisory_unlock_all()} on every connection coming back,
 * unless the session returning it is known to hold nothing; it never throws (Agroal would leak the
 * connection), and a connection whose reset fails is destroyed rather than pooled again. So no idle
 * pooled connection ever holds a lock.
 *
 * <p>The advisory statements are prepared once per physical connection ({@link StatementCache}) and
 * run on it directly; Agroal does not track JDBC resources here either, so the statements the library
 * opens come unwrapped and Agroal's exception sorter does not see their failures. Nothing is lost: a
 * lock timeout or deadlock leaves a live session; any other failed lock, try or unlock leaves its
 * session uncertain, its return runs the reset through the connection wrapper, and a reset that fails
 * destroys the connection (and the pool's destroy interceptor drops its statements).
 */
public final class PooledSessionSource implements SessionSource {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");
    /**
     * {@code [0]} is true while a session known to hold nothing goes back, so the interceptor skips the
     * reset. The per-thread array stays (a JDK type, so it pins no class loader): setting and removing a
     * value per return allocated a map entry each time.
     */
    private static final ThreadLocal<boolean[]> RETURNING_CLEAN = ThreadLocal.withInitial(() -> new boolean[1]);

    private final AgroalDataSource pool;
    private final LockListener listener;
    private final ConnectionGate gate;
    private final String target;
    /** Prepared statements per physical connection, dropped when the pool destroys the connection. */
    private final Map<Connection, StatementCache> statements = new ConcurrentHashMap<>();

    public PooledSessionSource(String url, String user, String password, int maxSize, String applicationName,
            String target, LockListener listener) {
        this.target = target;
        this.listener = listener;
        this.gate = new ConnectionGate(maxSize);
        AgroalDataSourceConfigurationSupplier configuration = new AgroalDataSourceConfigurationSupplier()
                .metricsEnabled(false)
                .connectionPoolConfiguration(pool -> pool
                        .initialSize(0)
                        .minSize(0)
                        .maxSize(maxSize)
                        .exceptionSorter(new PostgreSQLExceptionSorter())
                        .addInterceptor(new ResetInterceptor())
                        .connectionFactoryConfiguration(factory -> {
                            factory.jdbcUrl(url)
                                    .connectionProviderClass(org.postgresql.Driver.class)
                                    .autoCommit(true)
                                    // The library closes every statement it opens; tracking would wrap
                                    // each statement and result set per call (see the class comment).
                                    .trackJdbcResources(false)
                                    .jdbcProperty("ApplicationName", applicationName);
                            if (user != null) {
                                factory.principal(new NamePrincipal(user));
                            }
                            if (password != null) {
                                factory.credential(new SimplePassword(password));
                            }
                            return factory;
                        }));
        this.pool = new io.agroal.pool.DataSource(configuration.get(), new WarningLog());
    }

    @Override
    public LockSession borrow(long timeoutNanos) throws SQLException, InterruptedException {
        if (!gate.enter(timeoutNanos)) {
            return null;
        }
        Connection connection;
        try {
            connection = pool.getConnection();
        } catch (SQLException | RuntimeException | Error e) {
            gate.leave();
            throw e;
        }
        try {
            Connection physical = connection.unwrap(Connection.class);
            StatementCache cache = statements.get(physical);
            if (cache == null) {
                cache = new StatementCache(physical);
                statements.put(physical, cache);
            }
            return new LockSession(connection, this, false, cache);
        } catch (SQLException | RuntimeException | Error e) {
            try {
                connection.close();
            } catch (SQLException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            } finally {
                gate.leave();
            }
            throw e;
        }
    }

    @Override
    public void giveBack(LockSession session) {
        boolean clean = session.isClean();
        boolean[] returningClean = RETURNING_CLEAN.get();
        returningClean[0] = clean;
        try {
            session.connection().close();
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "returning a connection to the PALs pool failed", e);
        } finally {
            returningClean[0] = false;
            gate.leave();
        }
    }

    @Override
    public int maxSessions() {
        return gate.size();
    }

    /** How many physical connections have prepared statements here (for tests). */
    int statementCaches() {
        return statements.size();
    }

    @Override
    public int waitingForSession() {
        return gate.waiting();
    }

    @Override
    public String target() {
        return target;
    }

    /** Closes the pool: every connection, and so every session and lock on it, ends. */
    @Override
    public void close() {
        pool.close();
        gate.openAll();
    }

    /** Resets connections coming back to the pool; see the class comment. */
    private final class ResetInterceptor implements AgroalPoolInterceptor {
        @Override
        public void onConnectionReturn(Connection connection) {
            if (RETURNING_CLEAN.get()[0]) {
                return;
            }
            boolean destroyed = false;
            try {
                Connections.unlockAll(connection);
            } catch (SQLException | RuntimeException e) {
                LOG.log(Level.WARNING, "resetting a returned connection failed; destroying it", e);
                Connections.destroy(connection);
                destroyed = true;
            }
            listener.connectionReset(destroyed);
        }

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
            LOG.log(Level.WARNING, "Agroal: " + throwable, throwable);
        }
    }
}
