package dev.pals.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.jooq.Db;
import dev.pals.testing.ServerView;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The PALs pool prepares the advisory statements once per physical connection, and forgets them with it. */
@Timeout(60)
class StatementCacheTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private PooledSessionSource pool;
    private final LockKey key = LockKey.named("statement-cache", UUID.randomUUID().toString());
    private final LockKey pair = LockKey.of(7, UUID.randomUUID().hashCode());

    @BeforeEach
    void onePooledConnection() {
        pool = new PooledSessionSource(Db.url(), Db.user(), Db.password(), 1, "pals-statement-cache-test", Db.target(),
                Duration.ofSeconds(10));
    }

    @AfterEach
    void closePool() {
        pool.close(java.util.List.of(), System.nanoTime());
    }

    @Test
    void everyShapeWorksOnCachedStatementsAcrossBorrows() throws Exception {
        for (int i = 0; i < 10; i++) { // past pgjdbc's prepareThreshold: named server-side statements
            LockSession session = pool.borrow(SECOND);
            for (LockKey k : new LockKey[] {key, pair}) {
                for (LockMode mode : LockMode.values()) {
                    session.lock(k, mode, 1_000);
                    assertThat(session.unlock(k, mode)).isTrue();
                    assertThat(session.tryLock(k, mode)).isTrue();
                    assertThat(session.unlock(k, mode)).isTrue();
                }
            }
            assertThat(session.isClean()).isTrue();
            pool.giveBack(session);
        }
        assertThat(pool.statementCaches()).as("one physical connection, one cache").isEqualTo(1);
        assertThat(ServerView.freeElsewhere(key)).isTrue();
    }

    @Test
    void aDestroyedConnectionsStatementsAreForgotten() throws Exception {
        LockSession session = pool.borrow(SECOND);
        session.lock(key, LockMode.EXCLUSIVE, 0);
        ServerView.terminate(backendPid(session));
        pool.giveBack(session); // the reset fails on the dead session: the connection is destroyed
        // Agroal destroys connections on its own executor, soon after.
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.statementCaches() == 0);

        LockSession fresh = pool.borrow(SECOND);
        assertThat(fresh.tryLock(key, LockMode.EXCLUSIVE)).isTrue();
        assertThat(fresh.unlock(key, LockMode.EXCLUSIVE)).isTrue();
        pool.giveBack(fresh);
        assertThat(pool.statementCaches()).isEqualTo(1);
    }

    @Test
    void aLockTimeoutLeavesTheCachedStatementUsable() throws Exception {
        LockSession holder = pool.borrow(SECOND);
        holder.lock(key, LockMode.EXCLUSIVE, 0);
        PooledSessionSource second = new PooledSessionSource(Db.url(), Db.user(), Db.password(), 1,
                "pals-statement-cache-test", Db.target(), Duration.ofSeconds(10));
        try {
            LockSession waiter = second.borrow(SECOND);
            try {
                waiter.lock(key, LockMode.EXCLUSIVE, 50);
                throw new AssertionError("acquired a held lock");
            } catch (SQLException expected) {
                assertThat(expected.getSQLState()).isEqualTo(SqlStates.LOCK_NOT_AVAILABLE);
            }
            assertThat(holder.unlock(key, LockMode.EXCLUSIVE)).isTrue();
            waiter.lock(key, LockMode.EXCLUSIVE, 1_000);
            assertThat(waiter.unlock(key, LockMode.EXCLUSIVE)).isTrue();
            second.giveBack(waiter);
        } finally {
            second.close(java.util.List.of(), System.nanoTime());
        }
        pool.giveBack(holder);
    }

    private static int backendPid(LockSession session) throws SQLException {
        try (Statement statement = session.connection().createStatement();
                ResultSet rs = statement.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
