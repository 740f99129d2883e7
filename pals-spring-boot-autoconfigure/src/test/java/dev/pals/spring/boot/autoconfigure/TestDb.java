package dev.pals.spring.boot.autoconfigure;

import dev.pals.jooq.JooqLocker;
import dev.pals.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The test database (a real PostgreSQL, see {@link TestDatabase}) as Spring properties. */
final class TestDb {
    static final TestDatabase DB = TestDatabase.get();

    private TestDb() {
    }

    /** {@code spring.datasource.*} for the test database. */
    static String[] springDatasource() {
        return properties("spring.datasource.url", "spring.datasource.username", "spring.datasource.password");
    }

    /** {@code pals.url}, {@code pals.user}, {@code pals.password} for the test database. */
    static String[] pals() {
        return properties("pals.url", "pals.user", "pals.password");
    }

    private static String[] properties(String url, String user, String password) {
        List<String> pairs = new ArrayList<>();
        pairs.add(url + "=" + DB.url());
        if (DB.user() != null) {
            pairs.add(user + "=" + DB.user());
        }
        if (DB.password() != null) {
            pairs.add(password + "=" + DB.password());
        }
        return pairs.toArray(String[]::new);
    }

    /** A Locker of the test's own on the test database: "another instance" of an application. */
    static JooqLocker.Builder locker(String app) {
        return JooqLocker.builder(app).url(DB.url()).user(DB.user()).password(DB.password());
    }

    /** An application name no other test uses, so that tests cannot see each other's locks. */
    static String uniqueApp(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
