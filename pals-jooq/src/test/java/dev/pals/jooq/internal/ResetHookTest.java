package dev.pals.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.jooq.Db;
import dev.pals.testing.ServerView;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A session going back to the Locker's pool is reset on the way: nothing comes back into the pool holding a lock. */
@Timeout(60)
class ResetHookTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private PooledSessionSource pool;
    private final List<Boolean> resets = new CopyOnWriteArrayList<>();

    private void giveBack(LockSession session) {
        SessionReset reset = pool.giveBack(session);
        if (reset.happened()) {
            resets.add(reset.destroyed());
        }
    }
    private final LockKey key = LockKey.named("reset-hook", UUID.randomUUID().toString());
    private final LockKey other = LockKey.named("reset-hook", UUID.randomUUID().toString());

    @BeforeEach
    void onePooledConnection() {
        pool = new PooledSessionSource(Db.url(), Db.user(), Db.password(), 1, "pals-reset-test", Db.target(),
                java.time.Duration.ofSeconds(10));
    }

    @AfterEach
    void closePool() {
        pool.close(List.of(), System.nanoTime());
    }

    @Test
    void aConnectionReturnedWhileHoldingLocksComesBackClean() throws Exception {
        LockSession session = pool.borrow(SECOND);
        int pid = backendPid(session.connection());
        session.lock(key, LockMode.EXCLUSIVE, 0);
        session.tryLock(other, LockMode.SHARED);
        assertThat(session.isClean()).isFalse();
        giveBack(session);

        assertThat(resets).containsExactly(false);
        LockSession again = pool.borrow(SECOND);
        assertThat(backendPid(again.connection())).as("the same pooled connection").isEqualTo(pid);
        assertThat(ServerView.holders(key)).isEmpty();
        assertThat(ServerView.holders(other)).isEmpty();
        assertThat(ServerView.freeElsewhere(key)).isTrue();
        giveBack(again);
    }

    @Test
    void aCleanSessionGoesBackWithoutAReset() throws Exception {
        LockSession session = pool.borrow(SECOND);
        assertThat(session.tryLock(key, LockMode.EXCLUSIVE)).isTrue();
        assertThat(session.unlock(key, LockMode.EXCLUSIVE)).isTrue();
        assertThat(session.isClean()).isTrue();
        // Take a lock behind the session's back: a clean return trusts the session's bookkeeping, so it
        // survives the return, which shows that no reset ran.
        try (Statement statement = session.connection().createStatement()) {
            statement.execute("select pg_advisory_lock(" + other.value() + ")");
        }
        giveBack(session);
        assertThat(resets).isEmpty();
        assertThat(ServerView.holders(other)).hasSize(1);
        LockSession again = pool.borrow(SECOND);
        try (Statement statement = again.connection().createStatement()) {
            statement.execute("select pg_advisory_unlock_all()");
        }
        giveBack(again);
        assertThat(ServerView.holders(other)).isEmpty();
    }

    @Test
    void aConnectionWhoseResetFailsIsDestroyedNotPooledAgain() throws Exception {
        LockSession session = pool.borrow(SECOND);
        int pid = backendPid(session.connection());
        session.lock(key, LockMode.EXCLUSIVE, 0);
        ServerView.terminate(pid);
        giveBack(session); // pg_advisory_unlock_all() fails on the dead session: destroyed, not leaked
        assertThat(resets).containsExactly(true);

        LockSession fresh = pool.borrow(SECOND);
        assertThat(fresh).as("the pool's only permit came back").isNotNull();
        assertThat(backendPid(fresh.connection())).isNotEqualTo(pid);
        assertThat(fresh.tryLock(key, LockMode.EXCLUSIVE)).isTrue();
        assertThat(fresh.unlock(key, LockMode.EXCLUSIVE)).isTrue();
        giveBack(fresh);
    }

    @Test
    void aPhysicallyClosedConnectionIsDroppedFromThePool() throws Exception {
        LockSession session = pool.borrow(SECOND);
        int pid = backendPid(session.connection());
        session.lock(key, LockMode.EXCLUSIVE, 0);
        session.connection().unwrap(Connection.class).close();
        giveBack(session);

        LockSession fresh = pool.borrow(SECOND);
        assertThat(fresh).isNotNull();
        assertThat(backendPid(fresh.connection())).isNotEqualTo(pid);
        giveBack(fresh);
        assertThat(ServerView.freeElsewhere(key)).isTrue();
    }

    @Test
    void theGateRefusesABorrowBeyondThePoolSizeInTime() throws Exception {
        LockSession session = pool.borrow(SECOND);
        long start = System.nanoTime();
        assertThat(pool.borrow(TimeUnit.MILLISECONDS.toNanos(100))).isNull();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        giveBack(session);
        LockSession next = pool.borrow(SECOND);
        assertThat(next).isNotNull();
        giveBack(next);
    }

    @Test
    void poolSessionsCarryServerKeepalivesTheNetworkTimeoutAndTheirApplicationName() throws Exception {
        LockSession session = pool.borrow(SECOND);
        try (Statement statement = session.connection().createStatement();
                ResultSet rs = statement.executeQuery("select current_setting('tcp_keepalives_idle'),"
                        + " current_setting('tcp_keepalives_interval'), current_setting('tcp_keepalives_count'),"
                        + " current_setting('application_name')")) {
            rs.next();
            assertThat(rs.getString(1)).isIn("30", "30s");
            assertThat(rs.getString(2)).isIn("10", "10s");
            assertThat(rs.getString(3)).isEqualTo("3");
            assertThat(rs.getString(4)).isEqualTo("pals-reset-test");
        }
        try (Statement statement = session.connection().createStatement();
                ResultSet rs = statement.executeQuery("select current_setting('statement_timeout')")) {
            rs.next();
            assertThat(rs.getString(1)).as("no statement_timeout from the role").isEqualTo("0");
        }
        assertThat(session.connection().getNetworkTimeout()).isEqualTo(10_000);
        giveBack(session);
    }

    static int backendPid(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
