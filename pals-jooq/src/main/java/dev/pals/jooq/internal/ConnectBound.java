package dev.pals.jooq.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.postgresql.Driver;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/**
 * The PALs pool's connection provider: pgjdbc's {@link PGSimpleDataSource}, with a login timeout per
 * connection attempt instead of one for all. A borrow that needs a new connection says by when it must
 * be done ({@link #until}); the attempt then gets the time left (in milliseconds: pgjdbc reads
 * {@code loginTimeout} as fractional seconds), or fails at once if none is left. Attempts with no
 * deadline on their thread (Agroal connecting on a thread of its own, as it does for a virtual thread)
 * get the login timeout the pool was configured with, or the one the user's URL sets (which wins over the
 * pool's, as URL parameters do).
 *
 * <p>Agroal creates the instance (a public class with a public constructor for that), so the deadline
 * travels with the borrowing thread.
 */
public final class ConnectBound extends PGSimpleDataSource {
    private static final long serialVersionUID = 1L;
    /** The deadline of the borrow running on this thread, or {@link Deadline#NONE}. */
    private static final ThreadLocal<long[]> DEADLINE = ThreadLocal.withInitial(() -> new long[] {Deadline.NONE});
    private static final Driver DRIVER = new Driver();
    private static final Pattern LOGIN_TIMEOUT = Pattern.compile("([?&])loginTimeout=[^&]*");

    private int loginTimeoutSeconds;
    /** The loginTimeout the URL sets, if it sets one. */
    private String urlLoginTimeout;

    /** For Agroal. */
    public ConnectBound() {
    }

    /**
     * Runs {@code borrow} with every connection attempt on this thread bounded by {@code deadlineNanos}
     * ({@link Deadline#NONE}: by the configured login timeout only).
     */
    static <T> T until(long deadlineNanos, Step<T> borrow) throws SQLException {
        if (deadlineNanos == Deadline.NONE) {
            return borrow.run();
        }
        long[] deadline = DEADLINE.get();
        long previous = deadline[0];
        deadline[0] = deadlineNanos;
        try {
            return borrow.run();
        } finally {
            deadline[0] = previous;
        }
    }

    /** A step that may connect. */
    interface Step<T> {
        T run() throws SQLException;
    }

    /** Kept here rather than in the URL's properties, so that each attempt can set its own. */
    @Override
    public void setLoginTimeout(int seconds) {
        this.loginTimeoutSeconds = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeoutSeconds;
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        long millis = configuredMillis();
        long deadline = DEADLINE.get()[0];
        if (deadline != Deadline.NONE) {
            millis = Deadline.millisLeftFor(deadline, (int) Math.min(millis == 0 ? Integer.MAX_VALUE : millis,
                    Integer.MAX_VALUE), "connect");
        }
        Properties info = new Properties();
        if (user != null) {
            info.setProperty("user", user);
        }
        if (password != null) {
            info.setProperty("password", password);
        }
        // The URL carries every property of the data source, loginTimeout included (and wins over info).
        String url = getUrl();
        String seconds = Double.toString(millis / 1000.0);
        java.util.regex.Matcher timeout = LOGIN_TIMEOUT.matcher(url);
        url = timeout.find() ? timeout.replaceFirst("$1loginTimeout=" + seconds)
                : url + (url.indexOf('?') < 0 ? "?" : "&") + "loginTimeout=" + seconds;
        Connection connection = DRIVER.connect(url, info);
        if (connection == null) {
            throw new PSQLException("pgjdbc does not accept the URL " + JdbcUrls.redact(url),
                    PSQLState.CONNECTION_UNABLE_TO_CONNECT);
        }
        return connection;
    }

    /** The login timeout configured, in ms (0 for none): the URL's if it sets one, else the pool's. */
    private long configuredMillis() {
        if (urlLoginTimeout != null) {
            try {
                return (long) (Double.parseDouble(urlLoginTimeout) * 1000);
            } catch (NumberFormatException e) {
                // pgjdbc ignores it too
            }
        }
        return TimeUnit.SECONDS.toMillis(loginTimeoutSeconds);
    }

    @Override
    public void setUrl(String url) {
        Properties given = Driver.parseURL(url, null);
        urlLoginTimeout = given == null ? null : given.getProperty("loginTimeout");
        super.setUrl(url);
    }

    @Override
    public void setURL(String url) {
        setUrl(url);
    }
}
