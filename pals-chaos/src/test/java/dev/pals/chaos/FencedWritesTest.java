package dev.pals.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.FencingToken;
import dev.pals.Lock;
import dev.pals.LockOptions;
import dev.pals.Locker;
import dev.pals.jooq.JooqLocker;
import dev.pals.testing.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chaos run's fenced writes on a real server, in the scene they exist for: a holder whose session ended
 * while another took the lock (with a newer token) and wrote, then writes again with its old token. The
 * fence turns it away; the unfenced control register counts it as stale, which shows the count can see a
 * stale write at all.
 */
@Timeout(60)
class FencedWritesTest {
    private static final LockOptions FENCED = LockOptions.builder().fencing(true).build();

    @Test
    void aHolderWhoseLockWentToAnotherIsTurnedAwayByTheFenceAndCountedStaleByTheControl() throws Exception {
        TestDatabase db = TestDatabase.get();
        try (Connection admin = db.connect()) {
            admin.setAutoCommit(true);
            FencedWrites.create(admin, 1);
            try (Statement statement = admin.createStatement()) {
                for (String register : new String[] {FencedWrites.FENCED, FencedWrites.UNFENCED}) {
                    statement.execute("update " + register + " set token = 0, writes = 0, stale = 0, rejected = 0");
                }
            }
            String app = "fenced-writes-" + System.nanoTime();
            try (Locker first = locker(db, app); Locker second = locker(db, app);
                    FencedWrites firstWrites = new FencedWrites(db.url(), db.user(), db.password(), 2_000);
                    FencedWrites secondWrites = new FencedWrites(db.url(), db.user(), db.password(), 2_000)) {
                Lock paused = first.lock("k0", FENCED);
                assertThat(paused.acquire(Duration.ZERO)).isTrue();
                FencingToken old = paused.fencingToken().orElseThrow();
                assertThat(firstWrites.write(0, old)).isEqualTo(FencedWrites.Outcome.WRITTEN);

                // Its session ends (as a pause past the server's patience would end it); the other takes the key.
                int pid = first.heldLocks().get(0).backendPid();
                try (Statement statement = admin.createStatement()) {
                    statement.execute("select pg_terminate_backend(" + pid + ")");
                }
                Lock next = second.lock("k0", FENCED);
                await().atMost(Duration.ofSeconds(20)).until(() -> next.acquire(Duration.ZERO));
                FencingToken newer = next.fencingToken().orElseThrow();
                assertThat(newer.value()).isGreaterThan(old.value());
                assertThat(secondWrites.write(0, newer)).isEqualTo(FencedWrites.Outcome.WRITTEN);

                // The first holder, unaware, writes with its old token.
                assertThat(firstWrites.write(0, old)).isEqualTo(FencedWrites.Outcome.REJECTED);
                assertThat(secondWrites.write(0, newer)).isEqualTo(FencedWrites.Outcome.WRITTEN);
                next.release();
            }
            // Writes, stale writes, rejected writes.
            assertThat(FencedWrites.totals(admin, FencedWrites.FENCED)).containsExactly(3, 0, 1);
            assertThat(FencedWrites.totals(admin, FencedWrites.UNFENCED)).containsExactly(4, 1, 0);
        }
    }

    private static Locker locker(TestDatabase db, String app) {
        return JooqLocker.builder(app).url(db.url()).user(db.user()).password(db.password()).build();
    }
}
