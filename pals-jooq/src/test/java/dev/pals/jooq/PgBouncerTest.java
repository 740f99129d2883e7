package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pals.LockKey;
import dev.pals.testing.PgBouncer;
import dev.pals.testing.PgBouncer.PoolMode;
import dev.pals.testing.ServerView;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The library through a real PgBouncer (Debian's {@code pgbouncer}, started by {@link PgBouncer} on a free
 * port in front of the test server): in {@code pool_mode = transaction}, transaction locks exclude each
 * other across clients, while session locks exclude nobody, which is why a Locker's session locks must not
 * be used there. Skipped, saying how to install it, where the binary is missing.
 */
@Timeout(60)
class PgBouncerTest {
    // Not Db.uniqueApp: a skipped run need not start the test database.
    private final JooqTransactionLocker locker = JooqTransactionLocker.builder(
            "bouncer-" + java.util.UUID.randomUUID().toString().substring(0, 8)).build();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach // per test, so that each one reports the skip and its reason
    void needsPgBouncer() {
        assumeTrue(PgBouncer.isInstalled(), PgBouncer.HOW_TO_INSTALL);
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    static String query(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void transactionLocksExcludeEachOtherAcrossTwoClientsInTransactionPooling() throws Exception {
        JooqTransactionLock lock = locker.lock("order-7");
        try (PgBouncer bouncer = PgBouncer.start(PoolMode.TRANSACTION, 4);
                Connection a = bouncer.connect("pals-bouncer-a");
                Connection b = bouncer.connect("pals-bouncer-b")) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            lock.hold(a);
            int backendA = Integer.parseInt(query(a, "select pg_backend_pid()"));
            assertThat(ServerView.holders(lock.key())).containsExactly(backendA);

            assertThat(lock.acquire(b, false)).isFalse();
            assertThat(lock.acquire(b, Duration.ofMillis(300))).isFalse();
            assertThat(query(b, "select 'usable'")).isEqualTo("usable"); // the timeout aborted nothing
            int backendB = Integer.parseInt(query(b, "select pg_backend_pid()"));
            assertThat(backendB).isNotEqualTo(backendA);

            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> lock.acquire(b), threads);
            await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(lock.key()).contains(backendB));
            a.commit();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ServerView.holders(lock.key())).containsExactly(backendB);
            b.commit();
            assertThat(ServerView.holders(lock.key())).isEmpty();

            // jOOQ's own transactions through PgBouncer
            a.setAutoCommit(true);
            DSL.using(a).transaction(tx -> {
                lock.hold(tx);
                assertThat(lock.acquire(b, Duration.ofMillis(50))).isFalse();
                b.rollback();
            });
            assertThat(lock.acquire(b, false)).isTrue();
            b.commit();
        }
    }

    @Test
    void sessionLocksExcludeNobodyInTransactionPooling() throws SQLException {
        LockKey key = locker.key("session-lock");
        String tryLock = "select pg_try_advisory_lock(" + key.value() + ")";
        try (PgBouncer bouncer = PgBouncer.start(PoolMode.TRANSACTION, 1);
                Connection a = bouncer.connect("pals-bouncer-a");
                Connection b = bouncer.connect("pals-bouncer-b")) {
            assertThat(query(a, tryLock)).isEqualTo("t");
            // b's statement runs on the server connection a's statement left behind, which holds the lock:
            // a session lock is re-entrant for its session, so b "gets" it too.
            assertThat(query(b, tryLock)).isEqualTo("t");
            assertThat(ServerView.holders(key)).hasSize(1);
            a.close();
            // and it outlives the client that took it: the server connection stays in the pool
            assertThat(ServerView.holders(key)).hasSize(1);
            assertThat(query(b, "select pg_advisory_unlock_all()::text")).isEqualTo("");
        }
        assertThat(ServerView.holders(key)).isEmpty();
    }

    @Test
    void sessionPoolingKeepsSessionLocksWorking() throws SQLException {
        LockKey key = locker.key("session-mode");
        String tryLock = "select pg_try_advisory_lock(" + key.value() + ")";
        try (PgBouncer bouncer = PgBouncer.start(PoolMode.SESSION, 2);
                Connection a = bouncer.connect("pals-bouncer-a");
                Connection b = bouncer.connect("pals-bouncer-b")) {
            assertThat(bouncer.poolMode()).isEqualTo(PoolMode.SESSION);
            assertThat(query(a, tryLock)).isEqualTo("t");
            assertThat(query(b, tryLock)).isEqualTo("f");
            assertThat(query(a, "select pg_advisory_unlock(" + key.value() + ")")).isEqualTo("t");
            assertThat(query(b, tryLock)).isEqualTo("t");
            assertThat(query(b, "select pg_advisory_unlock(" + key.value() + ")")).isEqualTo("t");
        }
    }

    @Test
    void withoutPrepareThresholdZeroNamedStatementsBreakAndTheFailureSaysSo() throws SQLException {
        JooqTransactionLock first = locker.lock("prepared-1");
        JooqTransactionLock second = locker.lock("prepared-2");
        try (PgBouncer bouncer = PgBouncer.start(PoolMode.TRANSACTION, 2)) {
            java.util.Properties properties = new java.util.Properties();
            properties.setProperty("user", bouncer.user());
            if (bouncer.password() != null) {
                properties.setProperty("password", bouncer.password());
            }
            String url = bouncer.url().replace("?prepareThreshold=0", ""); // pgjdbc's default: 5
            try (Connection a = java.sql.DriverManager.getConnection(url, properties);
                    Connection b = java.sql.DriverManager.getConnection(url, properties)) {
                a.setAutoCommit(false);
                b.setAutoCommit(false);
                dev.pals.AcquireFailure failure = null;
                for (int i = 0; i < 20 && failure == null; i++) {
                    // Two transactions at once, ended in the reverse order, so that (PgBouncer hands out
                    // the server connection released last) each client moves to the other's next time.
                    Connection one = i % 2 == 0 ? a : b;
                    Connection two = i % 2 == 0 ? b : a;
                    try {
                        first.acquire(one, false);
                        second.acquire(two, Duration.ofSeconds(1));
                    } catch (dev.pals.AcquireFailure e) {
                        failure = e;
                    }
                    quietRollback(two);
                    quietRollback(one);
                }
                assertThat(failure).as("a named statement reached another server connection").isNotNull();
                assertThat(failure.reason()).isEqualTo(dev.pals.AcquireFailure.Reason.SERVER_ERROR);
                assertThat(failure.getMessage()).containsPattern("SQLSTATE (26000|42P05)")
                        .contains("prepareThreshold=0");
            }
        }
    }

    private static void quietRollback(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            // the statement broke the transaction; the next BEGIN starts afresh
        }
    }
}
