package dev.pals.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

/**
 * The real PostgreSQL the tests run against, started once per JVM:
 * <ol>
 *   <li>{@code PALS_DB_URL} (environment) or {@code -Dpals.db.url}: a JDBC URL of a running server,
 *       user and password as URL parameters where needed;</li>
 *   <li>{@code PALS_DB=testcontainers} or {@code -Dpals.db=testcontainers}: a PostgreSQL container,
 *       if a Docker engine answers (otherwise the embedded server, with a note on stderr);</li>
 *   <li>otherwise an embedded PostgreSQL (zonky), which needs nothing but a JDK.</li>
 * </ol>
 */
public final class TestDatabase {
    private static TestDatabase instance;

    private final String url;
    private final String user;
    private final String password;
    private final String host;
    private final int port;
    private final String origin;
    private final AutoCloseable server;

    private TestDatabase(String url, String user, String password, String origin, AutoCloseable server) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.origin = origin;
        this.server = server;
        Properties parsed = Driver.parseURL(url, new Properties());
        if (parsed == null) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + url.replaceAll("password=[^&]*", "password=***"));
        }
        this.host = PGProperty.PG_HOST.getOrDefault(parsed).split(",")[0];
        this.port = Integer.parseInt(PGProperty.PG_PORT.getOrDefault(parsed).split(",")[0]);
    }

    /** The database of this test run, started on first use. */
    public static synchronized TestDatabase get() {
        if (instance == null) {
            instance = start();
            TestDatabase started = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "pals-test-database-stop"));
        }
        return instance;
    }

    private static TestDatabase start() {
        String url = setting("pals.db.url", "PALS_DB_URL");
        if (url != null && !url.isBlank()) {
            return new TestDatabase(url, null, null, "PALS_DB_URL", null);
        }
        if ("testcontainers".equalsIgnoreCase(setting("pals.db", "PALS_DB"))) {
            TestDatabase container = Containers.start();
            if (container != null) {
                return container;
            }
            System.err.println("PALS_DB=testcontainers, but no Docker engine answers: using embedded PostgreSQL");
        }
        return embedded();
    }

    private static String setting(String property, String variable) {
        String value = System.getProperty(property);
        return value != null ? value : System.getenv(variable);
    }

    static TestDatabase of(String url, String user, String password, String origin, AutoCloseable server) {
        return new TestDatabase(url, user, password, origin, server);
    }

    private static TestDatabase embedded() {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            String url = "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
            return new TestDatabase(url, "postgres", null, "embedded", postgres);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the embedded PostgreSQL", e);
        }
    }

    private void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("stopping the test database: " + e);
            }
        }
    }

    /** JDBC URL of the database (credentials, if any, only as the URL carried them). */
    public String url() {
        return url;
    }

    /** User to connect as, or null when the URL says. */
    public String user() {
        return user;
    }

    /** Password, or null. */
    public String password() {
        return password;
    }

    public String host() {
        return host;
    }

    /** Where the server came from: {@code embedded}, {@code PALS_DB_URL} or {@code testcontainers}. */
    public String origin() {
        return origin;
    }

    public int port() {
        return port;
    }

    /** A new connection, outside any pool: for test set-up and for looking at the server's views. */
    public Connection connect() throws SQLException {
        Properties properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("ApplicationName", "pals-test-observer");
        return DriverManager.getConnection(url, properties);
    }

    /** {@code SHOW server_version}. */
    public String serverVersion() {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("show server_version")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "PostgreSQL (" + origin + ") at " + host + ":" + port;
    }
}
