package dev.pals.benchmarks;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

/**
 * The server every case runs against: {@code PALS_DB_URL} (or {@code -Dpals.db.url}) when set, else an
 * embedded PostgreSQL (zonky) started with {@code pg_stat_statements} preloaded, so that statements can
 * be counted by the server. JMH forks attach to the same server through system properties.
 */
final class BenchDatabase implements AutoCloseable {
    static final String URL_PROPERTY = "bench.db.url";
    static final String USER_PROPERTY = "bench.db.user";
    static final String PASSWORD_PROPERTY = "bench.db.password";

    private final String url;
    private final String user;
    private final String password;
    private final String origin;
    private final EmbeddedPostgres embedded;
    private final String host;
    private final int port;

    private BenchDatabase(String url, String user, String password, String origin, EmbeddedPostgres embedded) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.origin = origin;
        this.embedded = embedded;
        Properties parsed = Driver.parseURL(url, new Properties());
        if (parsed == null) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL");
        }
        this.host = PGProperty.PG_HOST.getOrDefault(parsed).split(",")[0];
        this.port = Integer.parseInt(PGProperty.PG_PORT.getOrDefault(parsed).split(",")[0]);
    }

    /** PALS_DB_URL, or a new embedded server. */
    static BenchDatabase start() {
        return start(Map.of());
    }

    /** Whether the server comes from PALS_DB_URL (else each {@link #start} starts an embedded one). */
    static boolean external() {
        String url = System.getProperty("pals.db.url", System.getenv("PALS_DB_URL"));
        return url != null && !url.isBlank();
    }

    /**
     * PALS_DB_URL, or a new embedded server with {@code config} on top of the defaults (zonky's
     * {@code max_connections=300}, {@code synchronous_commit=off}, {@code fsync=off}).
     */
    static BenchDatabase start(Map<String, String> config) {
        if (external()) {
            return new BenchDatabase(System.getProperty("pals.db.url", System.getenv("PALS_DB_URL")), null, null,
                    "PALS_DB_URL", null);
        }
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setServerConfig("shared_preload_libraries", "pg_stat_statements")
                    .setServerConfig("pg_stat_statements.track", "top");
            config.forEach(builder::setServerConfig);
            EmbeddedPostgres postgres = builder.start();
            return new BenchDatabase("jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres", "postgres",
                    null, "embedded zonky", postgres);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the embedded PostgreSQL", e);
        }
    }

    /** The server a parent process started, from system properties (in a JMH fork). */
    static BenchDatabase attach() {
        String url = System.getProperty(URL_PROPERTY);
        if (url == null) {
            throw new IllegalStateException("-D" + URL_PROPERTY + " is not set: run through Bench");
        }
        return new BenchDatabase(url, System.getProperty(USER_PROPERTY), System.getProperty(PASSWORD_PROPERTY),
                "attached", null);
    }

    /** JVM options that let a fork {@link #attach()}. */
    String[] forkProperties() {
        return new String[] {
            "-D" + URL_PROPERTY + "=" + url,
            "-D" + USER_PROPERTY + "=" + (user == null ? "" : user),
            "-D" + PASSWORD_PROPERTY + "=" + (password == null ? "" : password),
        };
    }

    /** Sets the same system properties in this JVM (for JMH without forks). */
    void exportToThisJvm() {
        System.setProperty(URL_PROPERTY, url);
        System.setProperty(USER_PROPERTY, user == null ? "" : user);
        System.setProperty(PASSWORD_PROPERTY, password == null ? "" : password);
    }

    String url() {
        return url;
    }

    /** Null when the URL carries it. */
    String user() {
        return user == null || user.isEmpty() ? null : user;
    }

    String password() {
        return password == null || password.isEmpty() ? null : password;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    String origin() {
        return origin;
    }

    /** The same database through another host and port (a counting proxy). */
    String urlVia(String viaHost, int viaPort) {
        return url.replaceFirst("^jdbc:postgresql://[^/]*/", "jdbc:postgresql://" + viaHost + ":" + viaPort + "/");
    }

    Connection connect() throws SQLException {
        return connect(url);
    }

    Connection connect(String jdbcUrl) throws SQLException {
        Properties properties = new Properties();
        if (user() != null) {
            properties.setProperty("user", user());
        }
        if (password() != null) {
            properties.setProperty("password", password());
        }
        return DriverManager.getConnection(jdbcUrl, properties);
    }

    /** A setting as the server shows it ({@code SHOW name}). */
    String show(String name) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("show " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Server version and the settings that matter here, for the report. */
    Map<String, String> describe() {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("server", origin + " at " + host + ":" + port);
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            for (String setting : new String[] {"server_version", "max_connections", "shared_buffers",
                "synchronous_commit", "fsync", "max_locks_per_transaction", "shared_preload_libraries"}) {
                try (ResultSet rs = statement.executeQuery("show " + setting)) {
                    rs.next();
                    info.put(setting, rs.getString(1));
                }
            }
        } catch (SQLException e) {
            info.put("error", e.toString());
        }
        return info;
    }

    /** Creates the extension if the server preloads it; false if statements cannot be counted. */
    boolean enableStatementCounts() {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("create extension if not exists pg_stat_statements");
            try (ResultSet rs = statement.executeQuery("select count(*) from pg_stat_statements")) {
                return rs.next();
            }
        } catch (SQLException e) {
            System.out.println("pg_stat_statements not available (" + e.getMessage().strip()
                    + "): statements are not counted by the server");
            return false;
        }
    }

    @Override
    public void close() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                System.err.println("stopping the embedded PostgreSQL: " + e);
            }
        }
    }
}
