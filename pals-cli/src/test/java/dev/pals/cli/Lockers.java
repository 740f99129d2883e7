package dev.pals.cli;

import dev.pals.Locker;
import dev.pals.jooq.JooqLocker;
import dev.pals.testing.TestDatabase;
import java.util.concurrent.ThreadLocalRandom;

/** Lockers on the test database, and names no other run shares. */
final class Lockers {
    private Lockers() {
    }

    static Locker on(String app) {
        TestDatabase db = TestDatabase.get();
        return JooqLocker.builder(app).url(db.url()).user(db.user()).password(db.password()).build();
    }

    /** {@code prefix} with a random suffix, so that runs on a shared server never see each other's locks. */
    static String unique(String prefix) {
        return prefix + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
    }
}
