package dev.pals.shedlock;

import dev.pals.jooq.JooqLocker;
import dev.pals.testing.TestDatabase;
import java.util.UUID;

/** The test database (a real PostgreSQL, see {@link TestDatabase}), and Lockers on it. */
final class Db {
    private static final TestDatabase DB = TestDatabase.get();

    private Db() {
    }

    /** A builder on the test database. */
    static JooqLocker.Builder locker(String app) {
        return JooqLocker.builder(app).url(DB.url()).user(DB.user()).password(DB.password());
    }

    /** An application name no other test uses, so that tests cannot see each other's locks. */
    static String uniqueApp(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
