package dev.pals.jooq;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A naive "pool" of one physical connection that resets nothing: whatever a borrower leaves on the
 * connection (autocommit, settings, locks) the next borrower sees. It shows what a library leaves
 * behind on a user's DataSource.
 */
final class SingleConnectionDataSource implements DataSource {
    private final Connection physical;
    final AtomicInteger borrows = new AtomicInteger();
    final AtomicInteger returns = new AtomicInteger();

    SingleConnectionDataSource(Connection physical) {
        this.physical = physical;
    }

    Connection physical() {
        return physical;
    }

    @Override
    public Connection getConnection() {
        borrows.incrementAndGet();
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        returns.incrementAndGet();
                        return null;
                    }
                    try {
                        return method.invoke(physical, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public Connection getConnection(String username, String password) {
        return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}
