package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.TransactionLock;
import dev.pals.testing.ServerView;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Transaction-scoped locks on plain JDBC connections, against the real server: held until the transaction
 * ends, excluding other transactions (and session locks on the same key), with the outcomes and timeouts of
 * session locks, and never leaving the caller's transaction aborted or its lock_timeout changed.
 */
@Timeout(60)
class TransactionLockTest {
    private final String app = Db.uniqueApp("xact");
    private final JooqTransactionLocker locker = JooqTransactionLocker.builder(app).build();
    private final List<Connection> opened = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void closeConnections() throws SQLException {
        threads.shutdownNow();
        for (Connection connection : opened) {
            connection.close();
        }
    }

    <T> CompletableFuture<T> async(Supplier<T> task) {
        return CompletableFuture.supplyAsync(task, threads);
    }

    /** A new connection with a transaction open (autocommit off). */
    Connection transaction() throws SQLException {
        Connection connection = Db.DB.connect();
        opened.add(connection);
        connection.setAutoCommit(false);
        return connection;
    }

    static int pid(Connection connection) throws SQLException {
        return Integer.parseInt(query(connection, "select pg_backend_pid()"));
    }

    static String query(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Test
    void aLockIsHeldUntilItsTransactionCommitsAndExcludesOtherTransactions() throws SQLException {
        TransactionLock lock = locker.lock("invoice-42");
        Connection a = transaction();
        Connection b = transaction();
        lock.hold(a);
        assertThat(ServerView.holders(lock.key())).containsExactly(pid(a));
        assertThat(lock.acquire(b, false)).isFalse();
        a.commit();
        assertThat(ServerView.holders(lock.key())).isEmpty();
        assertThat(lock.acquire(b, false)).isTrue();
        assertThat(ServerView.holders(lock.key())).containsExactly(pid(b));
        b.rollback();
        assertThat(ServerView.holders(lock.key())).isEmpty();
    }

    @Test
    void reacquiringInTheSameTransactionSucceedsAtOnceAndEndsWithIt() throws SQLException {
        TransactionLock lock = locker.lock("again");
        Connection a = transaction();
        assertThat(lock.acquire(a)).isTrue();
        assertThat(lock.acquire(a, false)).isTrue();
        assertThat(lock.acquire(a, Duration.ofMillis(1))).isTrue();
        a.commit();
        assertThat(ServerView.holders(lock.key())).isEmpty();
    }

    @Test
    void aTimedOutWaitLeavesTheTransactionUsableAndItCommitsItsOtherWork() throws SQLException {
        String table = "xact_work_" + app.replace('-', '_');
        Connection setup = Db.DB.connect();
        opened.add(setup);
        execute(setup, "create table " + table + " (step text)");
        try {
            TransactionLock lock = locker.lock("work");
            Connection holder = transaction();
            lock.hold(holder);

            Connection b = transaction();
            execute(b, "insert into " + table + " values ('before')");
            long start = System.nanoTime();
            assertThat(lock.acquire(b, Duration.ofMillis(300))).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            execute(b, "insert into " + table + " values ('after the timeout')");
            assertThatThrownBy(() -> lock.hold(b, Duration.ofMillis(100))).isInstanceOf(AcquireFailure.class)
                    .satisfies(e -> assertThat(((AcquireFailure) e).reason()).isEqualTo(AcquireFailure.Reason.TIMEOUT))
                    .hasMessage("Lock acquire failed for \"" + app + ".work\". Failed due to timeout.");
            assertThat(lock.acquire(b, false)).isFalse();
            execute(b, "insert into " + table + " values ('after the try')");
            b.commit();

            assertThat(query(setup, "select string_agg(step, ', ' order by step) from " + table))
                    .isEqualTo("after the timeout, after the try, before");
            assertThat(ServerView.holders(lock.key())).containsExactly(pid(holder));
        } finally {
            execute(setup, "drop table " + table);
        }
    }

    @Test
    void lockTimeoutIsWhatItWasBeforeTheCallWhateverTheOutcome() throws SQLException {
        TransactionLock lock = locker.lock("settings");
        Connection holder = transaction();
        TransactionLock held = locker.lock("settings-held");
        held.hold(holder);

        Connection b = transaction();
        execute(b, "set lock_timeout = '3s'");          // session level: outlives the transaction
        execute(b, "set local lock_timeout = '7s'");    // transaction level
        assertThat(lock.acquire(b)).isTrue();           // granted
        assertThat(query(b, "show lock_timeout")).isEqualTo("7s");
        assertThat(held.acquire(b, Duration.ofMillis(50))).isFalse(); // timed out
        assertThat(query(b, "show lock_timeout")).isEqualTo("7s");
        assertThat(held.acquire(b, false)).isFalse();   // try
        assertThat(query(b, "show lock_timeout")).isEqualTo("7s");
        execute(b, "set local statement_timeout = '1s'");
        assertThatThrownBy(() -> held.acquire(b, Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class);
        assertThat(query(b, "show lock_timeout")).isEqualTo("7s");
        assertThat(held.acquire(b, Duration.ofMillis(20))).isFalse();
        assertThat(query(b, "show lock_timeout")).isEqualTo("7s");
        b.commit();
        assertThat(query(b, "show lock_timeout")).isEqualTo("3s");
        b.rollback();
    }

    @Test
    void aBlockingWaitIsGrantedWhenTheHolderCommits() throws Exception {
        TransactionLock lock = locker.lock("handoff");
        Connection a = transaction();
        Connection b = transaction();
        int waiter = pid(b);
        lock.hold(a);
        CompletableFuture<Boolean> defaultWait = async(() -> lock.acquire(b));
        await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(lock.key()).contains(waiter));
        assertThat(locker.waitingForLock()).isEqualTo(1);
        a.commit();
        assertThat(defaultWait.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(locker.waitingForLock()).isZero();
        assertThat(ServerView.holders(lock.key())).containsExactly(waiter);

        Connection c = transaction();
        int foreverWaiter = pid(c);
        CompletableFuture<Boolean> forever = async(() -> lock.acquire(c, Lock.WAIT_FOREVER));
        await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(lock.key()).contains(foreverWaiter));
        b.rollback();
        assertThat(forever.get(10, TimeUnit.SECONDS)).isTrue();
        c.commit();
    }

    @Test
    void sharedLocksCoexistAndExcludeExclusiveOnes() throws SQLException {
        TransactionLock read = locker.lock("doc", LockMode.SHARED);
        TransactionLock write = locker.lock("doc");
        Connection a = transaction();
        Connection b = transaction();
        Connection c = transaction();
        assertThat(read.acquire(a, false)).isTrue();
        assertThat(read.acquire(b, Duration.ofMillis(100))).isTrue();
        assertThat(write.acquire(c, Duration.ofMillis(100))).isFalse();
        a.commit();
        b.commit();
        assertThat(write.acquire(c, false)).isTrue();
        assertThat(read.acquire(a, Duration.ZERO)).isFalse();
        c.commit();
    }

    @Test
    void keysAreThoseOfSessionLocksSoBothKindsExcludeEachOther() throws SQLException {
        try (Locker sessions = Db.locker(app).build()) {
            Lock session = sessions.lock("shared-name");
            TransactionLock transactional = locker.lock("shared-name");
            assertThat(transactional.key()).isEqualTo(session.key()).isEqualTo(LockKey.named(app, "shared-name"));
            assertThat(transactional.name()).isEqualTo(app + ".shared-name");
            assertThat(session.acquire()).isTrue();
            Connection a = transaction();
            assertThat(transactional.acquire(a, Duration.ofMillis(50))).isFalse();
            session.release();
            assertThat(transactional.acquire(a, false)).isTrue();
            assertThat(session.acquire(false)).isFalse();
            a.commit();
            assertThat(session.acquire(false)).isTrue();
            session.release();
        }
    }

    @Test
    void numberedKeysAndPairsAreSeparateKeySpaces() throws SQLException {
        TransactionLock pair = locker.lock(LockKey.of(1, 2), LockMode.EXCLUSIVE);
        TransactionLock number = locker.lock(LockKey.of((1L << 32) | 2), LockMode.EXCLUSIVE);
        Connection a = transaction();
        Connection b = transaction();
        assertThat(pair.acquire(a, false)).isTrue();
        assertThat(number.acquire(b, false)).isTrue();
        assertThat(ServerView.holders(pair.key())).containsExactly(pid(a));
        assertThat(ServerView.holders(number.key())).containsExactly(pid(b));
        assertThat(pair.acquire(b, Duration.ofMillis(20))).isFalse();
        a.commit();
        b.commit();
    }

    @Test
    void zeroIsASingleTryAndBelowOneMillisecondWaitsOneMillisecondNotForever() throws SQLException {
        TransactionLock lock = locker.lock("tiny");
        Connection a = transaction();
        Connection b = transaction();
        lock.hold(a);
        assertThat(lock.acquire(b, Duration.ZERO)).isFalse();
        long start = System.nanoTime();
        assertThat(lock.acquire(b, Duration.ofNanos(1))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThatThrownBy(() -> lock.hold(b, Duration.ZERO)).isInstanceOf(AcquireFailure.class)
                .satisfies(e -> assertThat(((AcquireFailure) e).reason()).isEqualTo(AcquireFailure.Reason.NOT_AVAILABLE));
        a.commit();
        assertThat(lock.acquire(b, Duration.ofNanos(1))).isTrue();
        b.commit();
    }

    @Test
    void handleDefaultsComeFromTheLockerAndTheLockOptions() throws SQLException {
        JooqTransactionLocker tries = JooqTransactionLocker.builder(app).blocking(false).build();
        TransactionLock lock = tries.lock("defaults");
        assertThat(lock.blocking()).isFalse();
        TransactionLock bounded = locker.lock("defaults", dev.pals.LockOptions.builder()
                .acquireTimeout(Duration.ofMillis(150)).build());
        assertThat(bounded.acquireTimeout()).isEqualTo(Duration.ofMillis(150));
        Connection a = transaction();
        Connection b = transaction();
        bounded.hold(a);
        long start = System.nanoTime();
        assertThat(lock.acquire(b)).isFalse();          // non-blocking: a try
        assertThat(bounded.acquire(b)).isFalse();       // its own 150 ms
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        a.commit();
        b.commit();
    }

    @Test
    void aDeadlockFailsOneWaitAndLeavesThatTransactionUsable() throws Exception {
        TransactionLock first = locker.lock("first");
        TransactionLock second = locker.lock("second");
        Connection a = transaction();
        Connection b = transaction();
        int pidA = pid(a);
        first.hold(a);
        second.hold(b);
        CompletableFuture<Boolean> aWaits = async(() -> second.acquire(a, Duration.ofSeconds(20)));
        await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(second.key()).contains(pidA));
        // b closes the cycle; PostgreSQL fails one of the two waits after deadlock_timeout (1 s).
        CompletableFuture<Boolean> bWaits = async(() -> first.acquire(b, Duration.ofSeconds(20)));
        await().atMost(Duration.ofSeconds(15)).until(() -> aWaits.isDone() || bWaits.isDone());
        boolean aIsVictim = aWaits.isDone();
        Connection victim = aIsVictim ? a : b;
        Connection survivor = aIsVictim ? b : a;
        Throwable failure = catchThrowable((aIsVictim ? aWaits : bWaits)::join);
        assertThat(failure).isInstanceOf(CompletionException.class).cause().isInstanceOf(AcquireFailure.class);
        assertThat(((AcquireFailure) failure.getCause()).reason()).isEqualTo(AcquireFailure.Reason.DEADLOCK);
        assertThat(query(victim, "select 'still usable'")).isEqualTo("still usable");
        assertThat((aIsVictim ? bWaits : aWaits).isDone()).isFalse(); // the victim still holds its first lock
        victim.commit();
        assertThat((aIsVictim ? bWaits : aWaits).get(10, TimeUnit.SECONDS)).isTrue();
        survivor.commit();
        assertThat(ServerView.holders(first.key())).isEmpty();
        assertThat(ServerView.holders(second.key())).isEmpty();
    }

    @Test
    void anAutocommitConnectionIsRefusedWithTheCauseAndTheFix() throws SQLException {
        TransactionLock lock = locker.lock("autocommit");
        Connection autocommit = Db.DB.connect();
        opened.add(autocommit);
        assertThatThrownBy(() -> lock.acquire(autocommit)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("autocommit mode, so the lock would end with the statement that takes it")
                .hasMessageContaining("setAutoCommit(false)");
        assertThatThrownBy(() -> lock.acquire(autocommit, false)).isInstanceOf(IllegalStateException.class);
        assertThat(ServerView.holders(lock.key())).isEmpty();
        assertThatThrownBy(() -> lock.acquire((Connection) null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aWaitLongerThanTheNetworkTimeoutIsRefused() throws SQLException {
        TransactionLock lock = locker.lock("network");
        Connection b = transaction();
        b.setNetworkTimeout(Runnable::run, 3000);
        assertThatThrownBy(() -> lock.acquire(b, Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("network timeout is 3000 ms")
                .hasMessageContaining("Wait at most 2000 ms");
        assertThatThrownBy(() -> lock.acquire(b)).isInstanceOf(IllegalArgumentException.class); // default 30 s
        assertThatThrownBy(() -> lock.acquire(b, Lock.WAIT_FOREVER)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot wait forever");
        assertThat(query(b, "select 'usable'")).isEqualTo("usable");
        assertThat(lock.acquire(b, false)).isTrue(); // a try does not wait
        assertThat(lock.acquire(b, Duration.ofSeconds(2))).isTrue();
        b.commit();
    }

    @Test
    void aWaitLongerThanTheStatementTimeoutIsRefusedWithoutTakingTheLock() throws SQLException {
        TransactionLock lock = locker.lock("statement");
        Connection b = transaction();
        execute(b, "set local statement_timeout = '2s'");
        assertThatThrownBy(() -> lock.acquire(b, Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("statement_timeout is 2s")
                .hasMessageContaining("SET LOCAL statement_timeout");
        assertThat(ServerView.holders(lock.key())).isEmpty();
        assertThatThrownBy(() -> lock.acquire(b, Lock.WAIT_FOREVER)).isInstanceOf(IllegalArgumentException.class);
        assertThat(query(b, "select 'usable'")).isEqualTo("usable");
        assertThat(lock.acquire(b, Duration.ofSeconds(2))).isTrue(); // as long as the statement may run
        assertThat(ServerView.holders(lock.key())).containsExactly(pid(b));
        b.commit();
    }

    @Test
    void timeoutsBeyondPostgresLimitAreRefused() throws SQLException {
        TransactionLock lock = locker.lock("limit");
        Connection b = transaction();
        assertThatThrownBy(() -> lock.acquire(b, Duration.ofMillis(Integer.MAX_VALUE + 1L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Lock.WAIT_FOREVER");
        assertThatThrownBy(() -> lock.acquire(b, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lock.acquire(b, (Duration) null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JooqTransactionLocker.builder(app).acquireTimeout(Duration.ofDays(30)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acquireTimeout");
        b.rollback();
    }

    @Test
    void anAbortedTransactionOrAClosedConnectionIsAnAcquireFailure() throws SQLException {
        TransactionLock lock = locker.lock("broken");
        Connection b = transaction();
        assertThatThrownBy(() -> execute(b, "select 1/0")).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> lock.acquire(b)).isInstanceOf(AcquireFailure.class)
                .satisfies(e -> assertThat(((AcquireFailure) e).reason()).isEqualTo(AcquireFailure.Reason.SERVER_ERROR))
                .hasMessageContaining("25P02");
        assertThatThrownBy(() -> lock.acquire(b, false)).isInstanceOf(AcquireFailure.class);
        b.rollback();
        b.close();
        assertThatThrownBy(() -> lock.acquire(b)).isInstanceOf(AcquireFailure.class)
                .satisfies(e -> assertThat(((AcquireFailure) e).reason()).isEqualTo(AcquireFailure.Reason.CONNECTION_LOST));
    }

    @Test
    void pgjdbcAutosaveRollingBackFirstStillLeavesTheTransactionUsable() throws SQLException {
        TransactionLock lock = locker.lock("autosave");
        Connection holder = transaction();
        lock.hold(holder);
        Properties properties = new Properties();
        properties.setProperty("user", Db.user() == null ? "" : Db.user());
        if (Db.password() != null) {
            properties.setProperty("password", Db.password());
        }
        for (String autosave : new String[] {"always", "conservative"}) {
            Connection b = java.sql.DriverManager.getConnection(Db.url() + (Db.url().contains("?") ? "&" : "?")
                    + "autosave=" + autosave, Db.user() == null ? new Properties() : properties);
            opened.add(b);
            b.setAutoCommit(false);
            execute(b, "set local lock_timeout = '7s'");
            assertThat(lock.acquire(b, Duration.ofMillis(50))).as(autosave).isFalse();
            assertThat(query(b, "show lock_timeout")).as(autosave).isEqualTo("7s");
            assertThat(query(b, "select 'usable'")).as(autosave).isEqualTo("usable");
            b.commit();
        }
    }
}
