package dev.pals.jooq;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A user's DataSource of plain connections (no pool) to a given URL, whose connections call a hook
 * before they prepare or create a statement: to make them slow, or to tell a test where the library is.
 */
public final class HookedDataSource implements DataSource {
    /** Called with the method name ({@code prepareStatement} or {@code createStatement}). */
    public interface Hook {
        void before(String method) throws Exception;
    }

    private final PGSimpleDataSource target = new PGSimpleDataSource();
    private volatile Hook hook = method -> { };
    private final List<Connection> opened = new CopyOnWriteArrayList<>();

    public HookedDataSource(String url) {
        target.setURL(url);
        if (Db.user() != null) {
            target.setUser(Db.user());
        }
        if (Db.password() != null) {
            target.setPassword(Db.password());
        }
        target.setApplicationName("pals-hooked");
    }

    /** The database of the tests. */
    public static HookedDataSource ofTestDatabase() {
        return new HookedDataSource(Db.url());
    }

    public HookedDataSource hook(Hook hook) {
        this.hook = hook;
        return this;
    }

    /** The physical connections it opened (close them after the test). */
    public List<Connection> opened() {
        return opened;
    }

    /** Closes every physical connection it opened. */
    public void closeAll() throws SQLException {
        for (Connection connection : opened) {
            connection.close();
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection physical = target.getConnection();
        opened.add(physical);
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    String name = method.getName();
                    if (name.equals("prepareStatement") || name.equals("createStatement")) {
                        hook.before(name);
                    }
                    try {
                        return method.invoke(physical, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
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
