package dev.pals.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An embedded PostgreSQL of a test's own, which the test may stop and start again (a server restart)
 * on the same port and data directory. For fault tests; everything else shares {@link TestDatabase}.
 */
public final class EmbeddedServer implements AutoCloseable {
    private final Path dataDirectory;
    private final Map<String, String> config;
    private int port;
    private EmbeddedPostgres postgres;

    private EmbeddedServer(Map<String, String> config) throws IOException {
        this.dataDirectory = Files.createTempDirectory("pals-embedded-server");
        this.config = new LinkedHashMap<>(config);
        start();
    }

    /** A new server, started; {@code config} as {@code postgresql.conf} settings. */
    public static EmbeddedServer start(Map<String, String> config) {
        try {
            return new EmbeddedServer(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts it (again): same data, same port. */
    public synchronized void start() throws IOException {
        if (postgres != null) {
            return;
        }
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                // A busy machine can take longer than zonky's 10 s; a start that gives up cannot be retried
                // (zonky keeps its lock on the data directory).
                .setPGStartupWait(Duration.ofSeconds(120));
        if (port != 0) {
            builder.setPort(port);
        }
        config.forEach(builder::setServerConfig);
        postgres = builder.start();
        port = postgres.getPort();
    }

    /** Stops it (a fast shutdown: sessions end, their locks with them), and waits until it is gone. */
    public synchronized void stop() throws IOException {
        if (postgres != null) {
            postgres.close();
            postgres = null;
            // zonky's pg_ctl gives up after 5 s while the server goes on shutting down (on a busy machine, or
            // with clients trickling in through a stalled proxy): a start before it is gone would fail.
            Path pidFile = dataDirectory.resolve("postmaster.pid");
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (Files.exists(pidFile) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the server shut down");
                }
            }
        }
    }

    public int port() {
        return port;
    }

    /** Its data directory (to change its files while it is stopped). */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /** JDBC URL of its {@code postgres} database; connect as user {@code postgres}, no password. */
    public String url() {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    @Override
    public void close() throws IOException {
        stop();
        try (var files = Files.walk(dataDirectory)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
