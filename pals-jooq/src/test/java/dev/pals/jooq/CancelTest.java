package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A cancel the library did not send (a role's {@code statement_timeout}, an administrator's
 * {@code pg_cancel_backend}) is not a timeout. Regression tests for the outside review's finding 7
 * (acquires returned false "due to timeout" after the role's 1 s statement_timeout, also when waiting
 * without limit).
 */
@Timeout(60)
class CancelTest {
    /** A role whose sessions get a short statement_timeout from the server. */
    private static final String ROLE = "pals_statement_timeout";

    @BeforeAll
    static void role() throws SQLException {
        try (Connection connection = Db.DB.connect(); Statement statement = connection.createStatement()) {
            statement.execute("drop role if exists " + ROLE);
            statement.execute("create role " + ROLE + " login password 'pw'");
            statement.execute("alter role " + ROLE + " set statement_timeout = '300ms'");
        }
    }

    @AfterAll
    static void dropRole() throws SQLException {
        try (Connection connection = Db.DB.connect(); Statement statement = connection.createStatement()) {
            statement.execute("select pg_terminate_backend(pid) from pg_stat_activity where usename = '" + ROLE + "'");
            statement.execute("drop role if exists " + ROLE);
        }
    }

    @Test
    void theLockersSessionsDoNotInheritTheRolesStatementTimeout() {
        String app = Db.uniqueApp("statement-timeout");
        try (Locker locker = Db.builder(app).url(Db.url()).user(ROLE).password("pw").build();
                Locker other = locker(app).build()) {
            Lock theirs = other.lock("k");
            assertThat(theirs.acquire()).isTrue();
            long start = System.nanoTime();
            assertThat(locker.lock("k").acquire(Duration.ofMillis(1500))).isFalse();
            // The wait ran its own 1.5 s, not the role's 300 ms.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
            assertThat(ServerView.queryString("select count(*) from pg_stat_activity where usename = '" + ROLE + "'"))
                    .isNotEqualTo("0");
        }
    }

    @Test
    void anAdministratorsCancelIsAnErrorWithItsOwnReasonNotATimeout() throws Exception {
        String app = Db.uniqueApp("admin-cancel");
        try (Locker locker = locker(app).build(); Locker other = locker(app).build()) {
            Lock theirs = other.lock("k");
            assertThat(theirs.acquire()).isTrue();
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> locker.lock("k").acquire(Lock.WAIT_FOREVER));
            await().atMost(Duration.ofSeconds(10)).until(() -> !ServerView.waiters(theirs.key()).isEmpty());
            int waiter = ServerView.waiters(theirs.key()).get(0);
            ServerView.queryString("select pg_cancel_backend(" + waiter + ")::text");
            assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(AcquireFailure.class, failure -> {
                        assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CANCELED);
                        assertThat(failure.getMessage()).contains("statement_timeout").contains("pg_cancel_backend");
                    });
            // Nothing was taken, and the Locker goes on.
            assertThat(ServerView.holders(theirs.key())).hasSize(1);
            theirs.release();
            Lock mine = locker.lock("k");
            assertThat(mine.acquire(Duration.ofSeconds(5))).isTrue();
            assertThat(mine.release()).isTrue();
        }
    }

    @Test
    void aUserDataSourcesStatementTimeoutEndsAWaitAsACancelNotATimeout() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(Db.url());
        dataSource.setUser(ROLE);
        dataSource.setPassword("pw");
        String app = Db.uniqueApp("user-statement-timeout");
        try (Locker locker = Db.builder(app).dataSource(dataSource).build(); Locker other = locker(app).build()) {
            Lock theirs = other.lock("k");
            assertThat(theirs.acquire()).isTrue();
            assertThatThrownBy(() -> locker.lock("k").acquire(Duration.ofSeconds(5))).isInstanceOfSatisfying(
                    AcquireFailure.class, failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CANCELED));
            assertThat(ServerView.holders(theirs.key())).hasSize(1);
        }
    }
}
