package dev.pals.jooq;

import dev.pals.testing.TestDatabase;
import java.util.UUID;

/** The test database, and Lockers on it. What the server says about locks: {@link dev.pals.testing.ServerView}. */
public final class Db {
    static final TestDatabase DB = TestDatabase.get();

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
        return JooqLocker.builder(app).url(DB.url()).user(DB.user()).password(DB.password());
    }

    /** An application name no other test uses, so that tests cannot see each other's locks. */
    public static String uniqueApp(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
