package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pals.AcquireFailure;
import dev.pals.LockInfo;
import dev.pals.LockListener;
import dev.pals.TransactionLock;
import dev.pals.testing.ThrowingListener;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The listener events of transaction locks: those of session acquires, and no release. */
@Timeout(60)
class TransactionListenerTest {

    private static Connection transaction() throws SQLException {
        Connection connection = Db.DB.connect();
        connection.setAutoCommit(false);
        return connection;
    }

    @Test
    void acquiresAreReportedAsSessionAcquiresAreAndReleasesNot() throws SQLException {
        ListenerTest.Recorder recorder = new ListenerTest.Recorder();
        String app = Db.uniqueApp("xact-events");
        JooqTransactionLocker locker = JooqTransactionLocker.builder(app).listener(recorder).build();
        TransactionLock lock = locker.lock("ev");
        String name = app + ".ev";
        try (Connection a = transaction(); Connection b = transaction()) {
            assertThat(lock.acquire(a)).isTrue();
            assertThat(lock.acquire(b, false)).isFalse();
            assertThat(lock.acquire(b, Duration.ofMillis(250))).isFalse();
            assertThatThrownBy(() -> lock.hold(b, Duration.ofMillis(10))).isInstanceOf(AcquireFailure.class);
            a.commit();
            b.commit();
            // refused before the database: no events
            b.setAutoCommit(true);
            assertThatThrownBy(() -> lock.acquire(b)).isInstanceOf(IllegalStateException.class);
            // refused by the session's statement_timeout, which only the server knows: an acquire that failed
            b.setAutoCommit(false);
            try (Statement statement = b.createStatement()) {
                statement.execute("set local statement_timeout = '1s'");
            }
            assertThatThrownBy(() -> lock.acquire(b, Duration.ofSeconds(2))).isInstanceOf(IllegalArgumentException.class);
            b.rollback();
        }
        assertThat(recorder.events).containsExactly(
                "started " + name + " exclusive", "acquired " + name,
                "started " + name + " exclusive", "failed " + name + " NOT_AVAILABLE at once",
                "started " + name + " exclusive", "failed " + name + " TIMEOUT waited",
                "started " + name + " exclusive", "failed " + name + " TIMEOUT at once",
                "started " + name + " exclusive", "failed " + name + " SERVER_ERROR at once");
    }

    @Test
    void eachAcquireHasALockInfoOfItsOwnSinceOneLockServesManyTransactions() throws SQLException {
        List<LockInfo> seen = new CopyOnWriteArrayList<>();
        JooqTransactionLocker locker = JooqTransactionLocker.builder(Db.uniqueApp("xact-info")).listener(new LockListener() {
            @Override
            public void acquireStarted(LockInfo lock) {
                seen.add(lock);
            }

            @Override
            public void acquired(LockInfo lock, Duration waited) {
                seen.add(lock);
            }
        }).build();
        TransactionLock lock = locker.lock(dev.pals.LockKey.of(3, 4), dev.pals.LockMode.SHARED);
        try (Connection a = transaction(); Connection b = transaction()) {
            lock.hold(a);
            lock.hold(b);
            a.commit();
            b.commit();
        }
        assertThat(seen).hasSize(4);
        assertThat(seen.get(0)).isSameAs(seen.get(1)).isNotSameAs(seen.get(2));
        assertThat(seen.get(2)).isSameAs(seen.get(3));
        assertThat(seen.get(0).name()).isEqualTo("(3, 4)");
        assertThat(seen.get(0).mode()).isEqualTo(dev.pals.LockMode.SHARED);
        assertThat(seen.get(0).key()).isEqualTo(dev.pals.LockKey.of(3, 4));
    }

    @Test
    void aListenerThatThrowsChangesNothing() throws SQLException {
        JooqTransactionLocker locker = JooqTransactionLocker.builder(Db.uniqueApp("xact-throwing"))
                .listener(new ThrowingListener()).build();
        TransactionLock lock = locker.lock("guarded");
        try (Connection a = transaction(); Connection b = transaction()) {
            assertThat(lock.acquire(a)).isTrue();
            assertThat(lock.acquire(b, Duration.ofMillis(20))).isFalse();
            a.commit();
            assertThat(lock.acquire(b, false)).isTrue();
            b.commit();
        }
    }
}
