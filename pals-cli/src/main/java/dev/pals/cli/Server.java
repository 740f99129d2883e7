package dev.pals.cli;

import dev.pals.jooq.JooqLocker;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * A PostgreSQL server to talk to: JDBC URL, user and password. {@link #toString()} names host, port and
 * database, never the password.
 */
final class Server {
    /** {@code connectTimeout} and {@code loginTimeout} of the tool's own connections, in seconds (the URL may say otherwise). */
    static final int CONNECT_TIMEOUT_SECONDS = 10;
    /** {@code socketTimeout} of the tool's own connections, in seconds: a frozen server fails a query instead of hanging it. */
    static final int SOCKET_TIMEOUT_SECONDS = 60;

    private final String url;
    private final String user;
    private final String password;
    private final String target;

    Server(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.target = Urls.target(url);
    }

    String url() {
        return url;
    }

    String user() {
        return user;
    }

    /** {@code host:port/database}. */
    String target() {
        return target;
    }

    /**
     * A new connection of the tool's own (outside any pool), with {@code application_name}
     * {@code applicationName} unless the URL sets one.
     *
     * @throws CliException {@link ExitCodes#NO_CONNECTION} if the server cannot be reached or refuses the login
     */
    Connection connect(String applicationName) {
        Properties fromUrl = Urls.parse(url);
        Properties properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        unlessInUrl(fromUrl, properties, "ApplicationName", applicationName);
        unlessInUrl(fromUrl, properties, "connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        unlessInUrl(fromUrl, properties, "loginTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        unlessInUrl(fromUrl, properties, "socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
        try {
            Connection connection = new Driver().connect(url, properties);
            if (connection == null) {
                throw CliException.usage("not a PostgreSQL URL: " + Urls.redact(url));
            }
            return connection;
        } catch (SQLException e) {
            throw connectFailure(e);
        }
    }

    private static void unlessInUrl(Properties fromUrl, Properties properties, String name, String value) {
        if (fromUrl.getProperty(name) == null) {
            properties.setProperty(name, value);
        }
    }

    /** A builder for a Locker of {@code app} on this server. */
    JooqLocker.Builder locker(String app) {
        JooqLocker.Builder builder = JooqLocker.builder(app).url(url);
        if (user != null) {
            builder.user(user);
        }
        if (password != null) {
            builder.password(password);
        }
        return builder;
    }

    /** "cannot connect to host:port/db[ as user]: what pgjdbc said". */
    CliException connectFailure(Throwable e) {
        return new CliException(ExitCodes.NO_CONNECTION, "cannot connect to " + this + ": " + Errors.describe(e), e);
    }

    @Override
    public String toString() {
        return target + (user != null ? " as " + user : "");
    }
}
