package dev.pals.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.jooq.Db;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A connection that lay idle in the Locker's pool is checked before it is lent, within the borrow's
 * deadline; a dead one is replaced. A borrow with no time left for the check gives the connection back
 * unchecked, and the next borrow still checks it.
 */
@Timeout(60)
class IdleCheckTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private PooledSessionSource pool;

    @BeforeEach
    void onePooledConnection() {
        pool = new PooledSessionSource(Db.url(), Db.user(), Db.password(), 1, "pals-idle-check-test", Db.target(),
                Duration.ofSeconds(10));
    }

    @AfterEach
    void closePool() {
        pool.close(List.of(), System.nanoTime());
    }

    @Test
    void anIdleConnectionThatDiedIsReplacedEvenAfterABorrowThatHadNoTimeToCheckIt() throws Exception {
        LockSession first = pool.borrow(SECOND);
        int pid = first.backendPid();
        pool.giveBack(first);
        try (Connection admin = DriverManager.getConnection(Db.url(), Db.user(), Db.password())) {
            try (PreparedStatement terminate = admin.prepareStatement("select pg_terminate_backend(?)")) {
                terminate.setInt(1, pid);
                terminate.execute();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !alive(admin, pid));
        }
        // The precondition of a check: idle for longer than the pool's threshold (1 s).
        Thread.sleep(PooledSessionSource.IDLE_VALIDATION.toMillis() + 200);

        assertThatThrownBy(() -> pool.borrow(SECOND, System.nanoTime() - 1)).isInstanceOf(SQLException.class)
                .hasMessageContaining("no time left");
        LockSession next = pool.borrow(SECOND);
        try {
            assertThat(next.backendPid()).as("the dead connection was checked and replaced").isNotEqualTo(pid);
            assertThat(next.ping(1_000)).isTrue();
        } finally {
            pool.giveBack(next);
        }
    }

    private static boolean alive(Connection admin, int pid) throws SQLException {
        try (PreparedStatement query = admin.prepareStatement("select count(*) from pg_stat_activity where pid = ?")) {
            query.setInt(1, pid);
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }
}
