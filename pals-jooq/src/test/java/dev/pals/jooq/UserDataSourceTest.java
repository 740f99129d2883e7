package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A user's own DataSource: used, cleaned up after, never changed or closed. */
@Timeout(60)
class UserDataSourceTest {

    @Test
    void lockTimeoutAndAutocommitOfTheUsersConnectionAreLeftAsFound() throws Exception {
        try (Connection physical = Db.DB.connect()) {
            physical.setAutoCommit(false);
            try (Statement statement = physical.createStatement()) {
                statement.execute("set lock_timeout = '5s'");
            }
            physical.commit();
            SingleConnectionDataSource dataSource = new SingleConnectionDataSource(physical);
            try (Locker locker = Db.builder(Db.uniqueApp("user-ds")).dataSource(dataSource).build();
                    Locker other = Db.locker(Db.uniqueApp("other")).build()) {
                Lock held = other.lock(LockKey.of(777_001L), dev.pals.LockMode.EXCLUSIVE);
                assertThat(held.acquire()).isTrue();

                // A blocking acquire that times out (lock_timeout 200 ms set by the library)...
                long start = System.nanoTime();
                assertThat(locker.lock(LockKey.of(777_001L), dev.pals.LockMode.EXCLUSIVE)
                        .acquire(Duration.ofMillis(200))).isFalse();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
                held.release();
                // ...and one that succeeds, then releases.
                Lock lock = locker.lock("mine");
                assertThat(lock.acquire(Duration.ofMillis(300))).isTrue();
                assertThat(lock.release()).isTrue();
            }
            assertThat(dataSource.returns.get()).isEqualTo(dataSource.borrows.get());
            assertThat(physical.isClosed()).isFalse();
            assertThat(physical.getAutoCommit()).isFalse();
            assertThat(show(physical, "lock_timeout")).isEqualTo("5s");
            assertThat(advisoryLocksOf(physical)).isZero();
            physical.rollback();
        }
    }

    @Test
    void closingTheLockerReleasesWhatItTookButNotTheUsersConnection() throws Exception {
        try (Connection physical = Db.DB.connect()) {
            SingleConnectionDataSource dataSource = new SingleConnectionDataSource(physical);
            Locker locker = Db.builder(Db.uniqueApp("user-ds")).dataSource(dataSource).build();
            Lock lock = locker.lock("held-at-close");
            assertThat(lock.acquire()).isTrue();
            assertThat(advisoryLocksOf(physical)).isEqualTo(1);
            locker.close();
            assertThat(advisoryLocksOf(physical)).isZero();
            assertThat(physical.isClosed()).isFalse();
            assertThat(dataSource.returns.get()).isEqualTo(dataSource.borrows.get());
            assertThat(lock.release()).isFalse();
        }
    }

    @Test
    void aConnectionWhoseCleanUpFailsIsClosedPhysically() throws Exception {
        Connection physical = Db.DB.connect();
        SingleConnectionDataSource dataSource = new SingleConnectionDataSource(physical);
        try (Locker locker = Db.builder(Db.uniqueApp("user-ds")).dataSource(dataSource).build()) {
            Lock lock = locker.lock("doomed");
            assertThat(lock.acquire()).isTrue();
            int pid = ServerView.holders(lock.key()).get(0);
            ServerView.terminate(pid);
            assertThat(lock.release()).isFalse();
            assertThat(physical.isClosed()).isTrue();
        }
    }

    @Test
    void anAgroalDataSourceOfTheUserGetsNoInterceptorAndStaysOpen() throws Exception {
        try (AgroalDataSource dataSource = AgroalDataSource.from(agroal(1, Duration.ZERO))) {
            String app = Db.uniqueApp("agroal-ds");
            try (Locker locker = Db.builder(app).dataSource(dataSource).maxPoolSize(1).build();
                    Locker other = Db.locker(app).build()) {
                Lock lock = locker.lock("a");
                assertThat(lock.acquire()).isTrue();
                // A wait for a lock held elsewhere needs a connection of its own (with multiplexing too).
                Lock theirs = other.lock("b");
                assertThat(theirs.acquire()).isTrue();
                assertThat(locker.lock("b").acquire(Duration.ofMillis(200))).as("the user's pool has one connection").isFalse();
                assertThat(theirs.release()).isTrue();
                assertThat(lock.release()).isTrue();
                assertThat(locker.lock("b").acquire(Duration.ofMillis(200))).isTrue();
            }
            assertThat(dataSource.getConfiguration().connectionPoolConfiguration().interceptors()).isEmpty();
            assertThat(interceptorsOf(dataSource)).isEmpty();
            try (Connection connection = dataSource.getConnection()) {
                assertThat(advisoryLocksOf(connection)).as("returned clean").isZero();
                assertThat(connection.isValid(1)).isTrue();
            }
        }
    }

    @Test
    void withoutASizeTheDataSourcesOwnTimeoutEndsTheWaitAsNoConnection() throws Exception {
        try (AgroalDataSource dataSource = AgroalDataSource.from(agroal(1, Duration.ofMillis(300)))) {
            String app = Db.uniqueApp("agroal-ds");
            try (Locker locker = Db.builder(app).dataSource(dataSource).build(); Locker other = Db.locker(app).build()) {
                Lock lock = locker.lock("a");
                assertThat(lock.acquire()).isTrue();
                // A wait for a lock held elsewhere needs a connection of its own (with multiplexing too).
                assertThat(other.lock("b").acquire()).isTrue();
                long start = System.nanoTime();
                assertThatThrownBy(() -> locker.lock("b").hold(Duration.ofSeconds(5)))
                        .isInstanceOfSatisfying(AcquireFailure.class,
                                failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.NO_CONNECTION));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
                assertThat(locker.lock("b").acquire(Duration.ofSeconds(5))).isFalse();
                lock.release();
            }
        }
    }

    @Test
    void userAndPasswordDoNotGoWithADataSource() {
        SingleConnectionDataSource dataSource = new SingleConnectionDataSource(null);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Db.builder("a").dataSource(dataSource).user("u").build())
                .withMessage("user and password go with url; a dataSource brings its own");
        assertThat(Db.builder("a").dataSource(dataSource).settings().maxPoolSize()).isZero();
        assertThat(dataSource.borrows.get()).isZero();
    }

    /** Agroal's getPoolInterceptors() throws NullPointerException when none were ever set. */
    private static java.util.List<?> interceptorsOf(AgroalDataSource dataSource) {
        try {
            return dataSource.getPoolInterceptors();
        } catch (NullPointerException neverSet) {
            return java.util.List.of();
        }
    }

    private static AgroalDataSourceConfigurationSupplier agroal(int size, Duration acquisitionTimeout) {
        return new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(pool -> pool.maxSize(size).acquisitionTimeout(acquisitionTimeout)
                        .connectionFactoryConfiguration(factory -> factory.jdbcUrl(Db.url())
                                .principal(Db.user() == null ? null : new NamePrincipal(Db.user()))));
    }

    private static String show(Connection connection, String setting) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("show " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static int advisoryLocksOf(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(
                        "select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * Regression test for the outside review's finding 10: a connection that came inside the caller's
     * transaction was rolled back, discarding the caller's work.
     */
    @Test
    void aConnectionInsideTheCallersTransactionIsRefusedAndItsWorkKept() throws Exception {
        try (Connection physical = Db.DB.connect()) {
            physical.setAutoCommit(false);
            try (Statement statement = physical.createStatement()) {
                statement.execute("create temporary table callers_work (x int)");
                statement.execute("insert into callers_work values (1)");
            }
            SingleConnectionDataSource dataSource = new SingleConnectionDataSource(physical);
            try (Locker locker = Db.builder(Db.uniqueApp("in-tx")).dataSource(dataSource).build()) {
                Lock lock = locker.lock("k");
                assertThatThrownBy(lock::acquire).isInstanceOfSatisfying(AcquireFailure.class, failure -> {
                    assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.UNSUITABLE_CONNECTION);
                    assertThat(failure.getMessage()).contains("transaction");
                });
                assertThat(lock.isHeld()).isFalse();
            }
            assertThat(dataSource.returns.get()).isEqualTo(dataSource.borrows.get());
            assertThat(physical.getAutoCommit()).isFalse();
            try (Statement statement = physical.createStatement();
                    ResultSet rs = statement.executeQuery("select count(*) from callers_work")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
            physical.commit();
            assertThat(advisoryLocksOf(physical)).isZero();
        }
    }

    /**
     * Regression test for the outside review's finding 10: a DataSource that hands the same physical
     * connection to two borrowers (as a transaction-aware proxy binding a connection to a thread does)
     * let two handles of one key both "hold" it, since advisory locks re-enter within a session.
     */
    @Test
    void aDataSourceHandingOutOneSessionTwiceNeverLetsTwoHandlesHoldOneKey() throws Exception {
        try (Connection physical = Db.DB.connect()) {
            SingleConnectionDataSource dataSource = new SingleConnectionDataSource(physical);
            String app = Db.uniqueApp("one-session");
            try (Locker locker = Db.builder(app).dataSource(dataSource).build();
                    Locker other = Db.locker(app).build()) {
                Lock first = locker.lock("k");
                assertThat(first.acquire()).isTrue();
                // The second handle never holds the key: refused in the process (multiplexing), or its
                // connection refused as the session already in use (one session per lock).
                Lock second = locker.lock("k");
                for (java.util.concurrent.Callable<Boolean> attempt : java.util.List.<java.util.concurrent.Callable<Boolean>>of(
                        () -> second.acquire(false), () -> second.acquire(Duration.ofMillis(300)))) {
                    Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
                            () -> assertThat(attempt.call()).isFalse());
                    if (refused != null) {
                        assertThat(refused).isInstanceOfSatisfying(AcquireFailure.class, failure ->
                                assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.UNSUITABLE_CONNECTION));
                    }
                }
                assertThat(second.isHeld()).isFalse();

                // A wait for a key held elsewhere needs a session of its own: the DataSource gives the
                // one already in use, which is refused, clearly.
                Lock theirs = other.lock("busy");
                assertThat(theirs.acquire()).isTrue();
                assertThatThrownBy(() -> locker.lock("busy").acquire(Duration.ofSeconds(1)))
                        .isInstanceOfSatisfying(AcquireFailure.class, failure -> {
                            assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.UNSUITABLE_CONNECTION);
                            assertThat(failure.getMessage()).contains("same database session");
                        });
                assertThat(first.isHeld()).isTrue();
                assertThat(first.confirmHeld()).isTrue();
                assertThat(first.release()).isTrue();
            }
            assertThat(advisoryLocksOf(physical)).isZero();
        }
    }
}
