package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.PalsException;
import dev.pals.testing.ServerView;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Failures that are not an ordinary "no": acquire() throws them, with a reason; the Locker recovers. */
@Timeout(60)
class FailuresTest {

    @Test
    void aWaitersBackendTerminatedMidWaitIsAConnectionLostFailureAndThePoolRecovers() throws Exception {
        try (Locker locker = locker(Db.uniqueApp("lost")).maxPoolSize(1).build();
                Locker other = locker(null).build()) {
            Lock blocker = other.lock(locker.key("k"), dev.pals.LockMode.EXCLUSIVE);
            assertThat(blocker.acquire()).isTrue();
            Lock lock = locker.lock("k");
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> lock.acquire(Duration.ofSeconds(20)));
            await().atMost(Duration.ofSeconds(5)).until(() -> !ServerView.waiters(lock.key()).isEmpty());
            ServerView.terminate(ServerView.waiters(lock.key()).get(0));

            assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(AcquireFailure.class, failure -> {
                        assertThat(failure).isInstanceOf(PalsException.class);
                        assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CONNECTION_LOST);
                        assertThat(failure.getMessage()).contains("Failed due to lost database connection");
                    });
            blocker.release();
            // The dead connection was dropped, not handed out again: the single-connection pool works.
            assertThat(locker.lock("k").acquire(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void releasingALockWhoseSessionDiedReturnsFalseAndTheLockerGoesOn() {
        try (Locker locker = locker(Db.uniqueApp("died")).maxPoolSize(1).build()) {
            Lock lock = locker.lock("k");
            assertThat(lock.acquire()).isTrue();
            ServerView.terminate(ServerView.holders(lock.key()).get(0));
            assertThat(lock.release()).isFalse();
            assertThat(lock.isHeld()).isFalse();
            Lock again = locker.lock("k");
            assertThat(again.acquire(Duration.ofSeconds(5))).isTrue();
            assertThat(again.release()).isTrue();
        }
    }

    @Test
    void anInterruptedWaitForAConnectionThrowsInterruptedAndKeepsTheFlag() throws Exception {
        String app = Db.uniqueApp("interrupt");
        try (Locker locker = locker(app).maxPoolSize(1).build(); Locker other = locker(app).build()) {
            // The only connection waits at the server for a lock held elsewhere: no try can use it.
            Lock theirs = other.lock("first");
            assertThat(theirs.acquire()).isTrue();
            Lock first = locker.lock("first");
            CompletableFuture<Boolean> firstWaits = CompletableFuture.supplyAsync(() -> first.acquire(Duration.ofSeconds(20)));
            Db.awaitWaiting(locker, 1);
            CompletableFuture<Object[]> result = new CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                try {
                    locker.lock("second").acquire(Duration.ofSeconds(20));
                    result.complete(new Object[] {"acquired"});
                } catch (AcquireFailure failure) {
                    result.complete(new Object[] {failure, Thread.currentThread().isInterrupted()});
                }
            });
            waiter.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> locker.stats().waitingForConnection() == 1);
            waiter.interrupt();
            Object[] outcome = result.get(5, TimeUnit.SECONDS);
            assertThat(outcome[0]).isInstanceOfSatisfying(AcquireFailure.class,
                    failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.INTERRUPTED));
            assertThat(outcome[1]).isEqualTo(true);
            theirs.release();
            assertThat(firstWaits.get(5, TimeUnit.SECONDS)).isTrue();
            first.release();
        }
    }

    @Test
    void aServerErrorIsThrownWithItsSqlState() throws Exception {
        String database = "pals_no_advisory";
        try (Connection admin = Db.DB.connect(); Statement statement = admin.createStatement()) {
            assumeThat(ServerView.queryString("select rolsuper::text from pg_roles where rolname = current_user"))
                    .as("needs a superuser to set up a database without advisory lock rights").isEqualTo("true");
            statement.execute("drop database if exists " + database);
            statement.execute("create database " + database);
            statement.execute("do $$ begin if not exists (select from pg_roles where rolname = 'pals_limited')"
                    + " then create role pals_limited login; end if; end $$");
        }
        String url = Db.url().replaceFirst("/[^/?]*(\\?|$)", "/" + database + "$1");
        try (Connection connection = java.sql.DriverManager.getConnection(url, Db.user(), Db.password());
                Statement statement = connection.createStatement()) {
            statement.execute("revoke execute on function pg_try_advisory_lock(bigint) from public");
        }
        try (Locker locker = Db.builder("denied").url(url).user("pals_limited").build()) {
            assertThatThrownBy(() -> locker.lock("k").acquire(false)).isInstanceOfSatisfying(AcquireFailure.class, failure -> {
                assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.SERVER_ERROR);
                assertThat(failure.getMessage()).contains("SQLSTATE 42501");
            });
            // A blocking acquire tries first too: the same refusal, and nothing held.
            assertThatThrownBy(() -> locker.lock("k").acquire(Duration.ofMillis(100))).isInstanceOfSatisfying(
                    AcquireFailure.class, failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.SERVER_ERROR));
            assertThat(locker.stats().locksHeld()).isZero();
        } finally {
            try (Connection admin = Db.DB.connect(); Statement statement = admin.createStatement()) {
                statement.execute("drop database if exists " + database + " with (force)");
            }
        }
    }
}
