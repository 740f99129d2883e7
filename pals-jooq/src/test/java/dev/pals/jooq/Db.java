package dev.pals.jooq;

import dev.pals.testing.TestDatabase;
import java.util.UUID;

/** The test database, and Lockers on it. What the server says about locks: {@link dev.pals.testing.ServerView}. */
public final class Db {
    static final TestDatabase DB = TestDatabase.get();
    /**
     * Whether the Lockers of the tests share sessions between locks: {@code -Dpals.multiplexing=false}
     * runs the whole suite with one session per lock (the build runs it both ways).
     */
    public static final boolean MULTIPLEXING = !"false".equals(System.getProperty("pals.multiplexing"));

    private Db() {
    }

    public static String url() {
        return DB.url();
    }

    public static String user() {
        return DB.user();
    }

    public static String password() {
        return DB.password();
    }

    public static String host() {
        return DB.host();
    }

    public static int port() {
        return DB.port();
    }

    /** The database name in the test URL. */
    public static String database() {
        String path = DB.url().replaceFirst("^jdbc:postgresql://[^/]*/?", "").replaceFirst("\\?.*$", "");
        return path.isEmpty() ? "postgres" : path;
    }

    /** {@code host:port} of the test database. */
    public static String target() {
        return DB.host() + ":" + DB.port();
    }

    /** A builder on the test database. */
    public static JooqLocker.Builder locker(String app) {
        return builder(app).url(DB.url()).user(DB.user()).password(DB.password());
    }

    /** {@code JooqLocker.builder(app)}, multiplexing as this run of the suite says ({@link #MULTIPLEXING}). */
    public static JooqLocker.Builder builder(String app) {
        return JooqLocker.builder(app).multiplexing(MULTIPLEXING);
    }

    /**
     * Waits until {@code locker} has {@code waiters} acquires waiting for locks held elsewhere, at the
     * server or (with multiplexing, behind a handle of the same Locker) in the process.
     */
    public static void awaitWaiting(dev.pals.Locker locker, int waiters) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> locker.stats().waitingForLock() == waiters);
    }

    /** An application name no other test uses, so that tests cannot see each other's locks. */
    public static String uniqueApp(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
