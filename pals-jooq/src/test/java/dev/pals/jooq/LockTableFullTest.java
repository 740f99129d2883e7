package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.testing.EmbeddedServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * All advisory locks of a server share its lock table (about {@code max_locks_per_transaction ×
 * max_connections} entries). Filling it is a clear failure with its own reason that names the setting:
 * never a broken session, never a lock left behind. On a server of its own, sized small.
 */
@Timeout(120)
class LockTableFullTest {
    private static EmbeddedServer server;
    /** Connected before the table fills: a full lock table refuses new connections too. */
    private static Connection observer;

    @BeforeAll
    static void smallServer() throws SQLException {
        server = EmbeddedServer.start(Map.of("max_locks_per_transaction", "10", "max_connections", "20"));
        observer = DriverManager.getConnection(server.url(), "postgres", null);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (observer != null) {
            observer.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static long advisoryLocks() throws SQLException {
        try (Statement statement = observer.createStatement();
                ResultSet rs = statement.executeQuery("select count(*) from pg_locks where locktype = 'advisory'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aFullLockTableFailsWithItsOwnReasonAndLeavesEveryOtherLockAsItWas() throws Exception {
        try (Locker locker = Db.builder("table-full").multiplexing(true).url(server.url()).user("postgres").build()) {
            List<Lock> held = new ArrayList<>();
            AcquireFailure full = null;
            for (int i = 0; i < 100_000 && full == null; i++) {
                Lock lock = locker.lock("k" + i);
                try {
                    assertThat(lock.acquire(false)).isTrue();
                    held.add(lock);
                } catch (AcquireFailure failure) {
                    full = failure;
                }
            }
            assertThat(full).as("the table filled").isNotNull();
            assertThat(full.reason()).isEqualTo(AcquireFailure.Reason.LOCK_TABLE_FULL);
            assertThat(full.getMessage()).contains("max_locks_per_transaction").contains("53200");
            assertThat(full.getCause()).isInstanceOf(SQLException.class);
            System.out.println("the lock table filled after " + held.size() + " locks: " + full.getMessage());

            // A blocking acquire, on a session of its own, fails the same way; so does hold().
            assertThatThrownBy(() -> locker.lock("one-more").acquire(Duration.ofSeconds(1)))
                    .isInstanceOfSatisfying(AcquireFailure.class,
                            failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.LOCK_TABLE_FULL));
            assertThatThrownBy(() -> locker.lock("one-more").hold())
                    .isInstanceOfSatisfying(AcquireFailure.class,
                            failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.LOCK_TABLE_FULL));

            // Nothing broke and nothing was left behind: every lock taken is held, no more.
            assertThat(locker.stats().locksHeld()).isEqualTo(held.size());
            assertThat(locker.stats().locksLost()).isZero();
            assertThat(advisoryLocks()).isEqualTo(held.size());
            assertThat(held.get(0).confirmHeld()).isTrue();
            assertThat(held.get(held.size() - 1).confirmHeld()).isTrue();

            // Room again: acquires work again.
            for (int i = 0; i < 10; i++) {
                assertThat(held.remove(held.size() - 1).release()).isTrue();
            }
            Lock again = locker.lock("again");
            assertThat(again.acquire(Duration.ofSeconds(1))).isTrue();
            assertThat(again.release()).isTrue();
            for (Lock lock : held) {
                assertThat(lock.release()).isTrue();
            }
            assertThat(advisoryLocks()).isZero();
            assertThat(locker.stats().connectionsInUse()).isZero();
        }
    }
}
