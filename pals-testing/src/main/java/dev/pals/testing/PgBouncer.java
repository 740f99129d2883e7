package dev.pals.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

/**
 * A real PgBouncer (Debian's {@code pgbouncer} binary) in front of the {@link TestDatabase}, on a free
 * loopback port, in transaction or session pooling mode. It runs from a temporary directory holding its
 * config and auth file, logs there, and is stopped (and the directory deleted) by {@link #close()} or when
 * the JVM exits.
 *
 * <pre>{@code
 * assumeTrue(PgBouncer.isInstalled(), PgBouncer.HOW_TO_INSTALL);
 * try (PgBouncer bouncer = PgBouncer.start(PgBouncer.PoolMode.TRANSACTION, 4)) {
 *     try (Connection c = bouncer.connect()) { ... }
 * }
 * }</pre>
 *
 * <p>The binary: {@code -Dpals.pgbouncer=/path/to/pgbouncer}, else {@code pgbouncer} on the {@code PATH},
 * else {@code /usr/sbin/pgbouncer} (Debian's place, not on a non-root {@code PATH}). PgBouncer refuses to
 * run as root ("PgBouncer should not run as root"); when the tests run as root it is started with its
 * documented {@code -u USERNAME} option, which drops to that user after reading its files:
 * {@code -Dpals.pgbouncer.user}, default {@code nobody}.
 *
 * <p>Clients connect with {@link #url()} (which sets pgjdbc's {@code prepareThreshold=0}: PgBouncer before
 * 1.21 does not carry named prepared statements from one server connection to the next) or
 * {@link #connect()}. On PgBouncer 1.21 or later, its prepared-statement support is switched off
 * ({@code max_prepared_statements = 0}), so every version behaves as the strictest one. The
 * {@code options} startup parameter (a {@code JooqLocker}'s own pool sends one, for TCP keepalive) and
 * {@code extra_float_digits} are ignored: PgBouncer ends connections that carry parameters it does not
 * track.
 */
public final class PgBouncer implements AutoCloseable {
    /** What a test that needs PgBouncer prints when it is skipped. */
    public static final String HOW_TO_INSTALL = "the pgbouncer binary is not installed: on Debian or Ubuntu,"
            + " run 'sudo apt-get install -y pgbouncer' (.ci/run does that when it runs as root);"
            + " elsewhere install PgBouncer 1.18 or later, or point -Dpals.pgbouncer at the binary";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final java.util.Map<Path, int[]> VERSIONS = new java.util.HashMap<>();

    /** PgBouncer's {@code pool_mode}. */
    public enum PoolMode {
        /** A server connection per client transaction: session state (and session locks) do not carry over. */
        TRANSACTION,
        /** A server connection per client connection, for as long as it stays connected. */
        SESSION;

        /** As PgBouncer's config spells it. */
        public String configValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final PoolMode poolMode;
    private final int poolSize;
    private final int port;
    private final String database;
    private final String user;
    private final String password;
    private final String target;
    private final Path directory;
    private final Process process;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private PgBouncer(PoolMode poolMode, int poolSize, int port, String database, String user, String password,
            String target, Path directory, Process process) {
        this.poolMode = poolMode;
        this.poolSize = poolSize;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
        this.target = target;
        this.directory = directory;
        this.process = process;
        this.shutdownHook = new Thread(this::stop, "pals-pgbouncer-stop-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The pgbouncer binary, if there is one. */
    public static Optional<Path> binary() {
        String configured = System.getProperty("pals.pgbouncer");
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        List<Path> candidates = new ArrayList<>();
        String pathVariable = System.getenv("PATH");
        if (pathVariable != null) {
            for (String dir : pathVariable.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "pgbouncer"));
                }
            }
        }
        candidates.add(Path.of("/usr/sbin/pgbouncer"));
        candidates.add(Path.of("/usr/local/sbin/pgbouncer"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** Whether {@link #binary()} finds one; otherwise tests skip with {@link #HOW_TO_INSTALL}. */
    public static boolean isInstalled() {
        return binary().isPresent();
    }

    /** A PgBouncer in front of {@link TestDatabase#get()} with {@code poolSize} server connections per database and user. */
    public static PgBouncer start(PoolMode poolMode, int poolSize) {
        return start(TestDatabase.get(), poolMode, poolSize);
    }

    /**
     * A PgBouncer in front of {@code db}, listening on a free loopback port, ready to accept clients.
     *
     * @throws IllegalStateException if the binary is missing or PgBouncer does not come up (with its log)
     */
    public static PgBouncer start(TestDatabase db, PoolMode poolMode, int poolSize) {
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1: " + poolSize);
        }
        Path binary = binary().orElseThrow(() -> new IllegalStateException(HOW_TO_INSTALL));
        Properties parsed = Driver.parseURL(db.url(), new Properties());
        if (parsed == null) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + db);
        }
        String database = PGProperty.PG_DBNAME.getOrDefault(parsed);
        String user = db.user() != null ? db.user()
                : Optional.ofNullable(PGProperty.USER.getOrDefault(parsed)).orElse(System.getProperty("user.name"));
        String password = db.password() != null ? db.password() : PGProperty.PASSWORD.getOrDefault(parsed);
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            Path directory = null;
            try {
                directory = Files.createTempDirectory("pals-pgbouncer-");
                Process process = launch(binary, directory, db, poolMode, poolSize, port, user, password);
                PgBouncer bouncer = new PgBouncer(poolMode, poolSize, port, database, user, password,
                        db.toString(), directory, process);
                if (bouncer.awaitListening()) {
                    return bouncer;
                }
                String log = bouncer.log();
                bouncer.close();
                failure = new IllegalStateException("PgBouncer did not come up on port " + port + "; its log:\n" + log);
                if (!log.contains("in use")) {
                    break; // only a lost race for the port is worth another try
                }
            } catch (IOException e) {
                deleteQuietly(directory);
                throw new UncheckedIOException("cannot start PgBouncer (" + binary + ")", e);
            }
        }
        throw failure;
    }

    /**
     * The version of {@code binary} ({@code pgbouncer --version}), as {@code [major, minor]}.
     *
     * @throws IllegalStateException if it cannot be read
     */
    public static synchronized int[] version(Path binary) {
        int[] known = VERSIONS.get(binary);
        if (known != null) {
            return known.clone();
        }
        try {
            Process process = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(10, TimeUnit.SECONDS);
            java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("PgBouncer (\\d+)\\.(\\d+)").matcher(output);
            if (!matcher.find()) {
                throw new IllegalStateException("cannot read the version of " + binary + ": " + output.strip());
            }
            int[] version = {Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))};
            VERSIONS.put(binary, version);
            return version.clone();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary + " --version", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the version of " + binary, e);
        }
    }

    private static boolean supportsPreparedStatements(Path binary) {
        int[] version = version(binary);
        return version[0] > 1 || (version[0] == 1 && version[1] >= 21);
    }

    private static Process launch(Path binary, Path directory, TestDatabase db, PoolMode poolMode, int poolSize,
            int port, String user, String password) throws IOException {
        Path config = directory.resolve("pgbouncer.ini");
        Path users = directory.resolve("userlist.txt");
        Path log = directory.resolve("pgbouncer.log");
        Files.writeString(users, quote(user) + " " + quote(password == null ? "" : password) + "\n",
                StandardCharsets.UTF_8);
        String ini = String.join("\n",
                "[databases]",
                "* = host=" + db.host() + " port=" + db.port(),
                "",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "unix_socket_dir =",
                "auth_type = trust",
                "auth_file = " + users,
                "admin_users = " + user,
                "pool_mode = " + poolMode.configValue(),
                "default_pool_size = " + poolSize,
                "max_client_conn = 200",
                "ignore_startup_parameters = extra_float_digits,options",
                "log_connections = 0",
                "log_disconnections = 0",
                // 1.21 added prepared-statement tracking (on by default from 1.22); off, as before 1.21,
                // so the tests meet the strictest case whatever the version. Older versions refuse the key.
                supportsPreparedStatements(binary) ? "max_prepared_statements = 0" : "",
                "");
        Files.writeString(config, ini, StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        if (isRoot()) {
            String runAs = System.getProperty("pals.pgbouncer.user", "nobody");
            command.add("-u");
            command.add(runAs);
            // PgBouncer reads its files before it drops to that user; later reloads read them as that user.
            UserPrincipal owner = directory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(runAs);
            for (Path path : List.of(directory, config, users)) {
                Files.setOwner(path, owner);
            }
        }
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-------"));
        command.add(config.toString());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** PgBouncer's auth file quotes names and passwords in double quotes, doubling any inside. */
    private static String quote(String value) {
        return "\"" + value.replace("\"", "\"\"") + "\"";
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    private boolean awaitListening() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return false;
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return true;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    /** JDBC URL of the database through PgBouncer, with {@code prepareThreshold=0}; user and password apart. */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?prepareThreshold=0";
    }

    /** The user to connect as (the test database's). */
    public String user() {
        return user;
    }

    /** Its password, or null. */
    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    public PoolMode poolMode() {
        return poolMode;
    }

    /** Server connections per database and user ({@code default_pool_size}). */
    public int poolSize() {
        return poolSize;
    }

    /** A new client connection through PgBouncer ({@link #url()}), named {@code applicationName}. */
    public Connection connect(String applicationName) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("ApplicationName", applicationName);
        return DriverManager.getConnection(url(), properties);
    }

    /** A new client connection through PgBouncer. */
    public Connection connect() throws SQLException {
        return connect("pals-test-pgbouncer-client");
    }

    /** What PgBouncer has logged so far. */
    public String log() {
        try {
            Path log = directory.resolve("pgbouncer.log");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read the log: " + e + ")";
        }
    }

    /** Stops PgBouncer (which closes its server connections) and deletes its directory. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) anyway
        }
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        process.destroy(); // SIGTERM: PgBouncer's fast exit
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteQuietly(directory);
    }

    private static void deleteQuietly(Path directory) {
        if (directory == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temp directory left behind harms nothing
        }
    }

    @Override
    public String toString() {
        return "PgBouncer (" + poolMode.configValue() + " pooling, " + poolSize + " server connections) on 127.0.0.1:"
                + port + " in front of " + target;
    }
}
