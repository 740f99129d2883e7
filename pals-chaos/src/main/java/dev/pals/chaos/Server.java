package dev.pals.chaos;

import dev.pals.testing.EmbeddedServer;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The run's own PostgreSQL (embedded, restartable on the same port), logging every session's end (see
 * {@link ServerLog}), and the injector's administrative connections to it.
 */
final class Server implements AutoCloseable {
    private final EmbeddedServer server;
    final Path logDirectory;

    Server(Path logDirectory) {
        this.logDirectory = logDirectory;
        this.server = EmbeddedServer.start(ServerLog.serverConfig(logDirectory));
    }

    int port() {
        return server.port();
    }

    /** A fast shutdown (every session ends, its locks with it), then a start on the same port. */
    void restart(long downMillis) throws IOException, InterruptedException {
        server.stop();
        Thread.sleep(downMillis);
        server.start();
    }

    /** A new administrative connection (not a PALs session), failing within a few seconds. */
    Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("ApplicationName", "pals-chaos-injector");
        properties.setProperty("connectTimeout", "3");
        properties.setProperty("socketTimeout", "10");
        return DriverManager.getConnection(server.url(), properties);
    }

    /** Statements that must happen (undoing a fault): retried, for up to five minutes, while the server restarts. */
    void mustRun(String... statements) throws InterruptedException {
        SQLException last = null;
        for (int attempt = 0; attempt < 1_500; attempt++) {
            try (Connection connection = connect(); var statement = connection.createStatement()) {
                for (String sql : statements) {
                    statement.execute(sql);
                }
                return;
            } catch (SQLException e) {
                last = e;
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the server did not take " + String.join("; ", statements), last);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
