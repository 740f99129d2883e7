package dev.pals.examples.quickstart;

import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.jooq.JooqLocker;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.time.Duration;

/**
 * The README's quick start, runnable: two locks on one name, the non-blocking refusal, the timed wait,
 * the release, try-with-resources, and shared readers. Uses {@code PALS_DB_URL} (a JDBC URL, user and
 * password as URL parameters) when set, else starts an embedded PostgreSQL for the run.
 */
public final class Quickstart {
    private Quickstart() {
    }

    public static void main(String[] args) throws IOException {
        String url = System.getenv("PALS_DB_URL");
        EmbeddedPostgres embedded = null;
        if (url == null || url.isBlank()) {
            embedded = EmbeddedPostgres.builder().start();
            url = "jdbc:postgresql://localhost:" + embedded.getPort() + "/postgres?user=postgres";
            System.out.println("PALS_DB_URL is not set: started an embedded PostgreSQL on port " + embedded.getPort());
        }
        try {
            run(url);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    static void run(String url) {
        try (Locker locker = JooqLocker.builder("my-app")
                .url(url)
                .blocking(true).acquireTimeout(Duration.ofSeconds(30)) // the defaults, spelled out
                .build()) {
            Lock lock1 = locker.lock("my-lock");
            Lock lock2 = locker.lock("my-lock");
            System.out.println("two handles on \"" + lock1.name() + "\", key " + lock1.key().value());

            show("lock1.acquire()", lock1.acquire(), "blocking, up to the lock's 30 s");
            show("lock2.acquire(false)", lock2.acquire(false), "non-blocking: lock1 holds it");

            long start = System.nanoTime();
            boolean acquired = lock2.acquire(Duration.ofMillis(300));
            show("lock2.acquire(300 ms)", acquired,
                    "gave up after " + (System.nanoTime() - start) / 1_000_000 + " ms, bounded by the server");

            show("lock1.release()", lock1.release(), "");
            show("lock2.acquire(false)", lock2.acquire(false), "free now");
            show("lock2.release()", lock2.release(), "");

            try (HeldLock held = locker.lock("my-lock").hold()) {
                System.out.println("inside try (HeldLock held = locker.lock(\"my-lock\").hold()): held = "
                        + held.lock().isHeld());
                show("  another handle: acquire(false)", locker.lock("my-lock").acquire(false), "");
            }
            show("after the block: acquire(false)", locker.lock("my-lock").acquire(false), "released by close()");

            Lock reader1 = locker.lock("report", LockMode.SHARED);
            Lock reader2 = locker.lock("report", LockMode.SHARED);
            show("reader1.acquire()", reader1.acquire(), "shared");
            show("reader2.acquire()", reader2.acquire(), "shared holders coexist");
            show("writer.acquire(false)", locker.lock("report").acquire(false), "exclusive waits for the readers");
            reader1.release();
            reader2.release();
        }
        System.out.println("locker closed: every lock released, every connection closed");
    }

    private static void show(String call, boolean result, String note) {
        System.out.printf("%-34s -> %-5s %s%n", call, result, note);
    }
}
