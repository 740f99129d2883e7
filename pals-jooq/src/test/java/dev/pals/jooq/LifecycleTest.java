package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.LockOptions;
import dev.pals.Locker;
import dev.pals.PalsException;
import dev.pals.testing.ServerView;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Building, bad input, connection failures, and closing. */
@Timeout(60)
class LifecycleTest {
    private static final String SECRET = "s3cret-Pa55word";

    @Test
    void buildRefusesMalformedSettingsNamingTheSetting() {
        assertThatIllegalArgumentException().isThrownBy(() -> Db.builder("a").build())
                .withMessage("url or dataSource must be set");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Db.builder("a").url(Db.url()).dataSource(new SingleConnectionDataSource(null)).build())
                .withMessage("set url or dataSource, not both");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Db.builder("a").url("jdbc:mysql://db/x?password=" + SECRET).build())
                .withMessageContaining("url is not a PostgreSQL JDBC URL")
                .withMessageContaining("password=***")
                .withMessageNotContaining(SECRET);
        assertThatIllegalArgumentException().isThrownBy(() -> locker("a").maxPoolSize(0).build())
                .withMessage("maxPoolSize must be at least 1: 0");
        assertThatIllegalArgumentException().isThrownBy(() -> locker("a").acquireTimeout(Duration.ofSeconds(-1)).build())
                .withMessage("acquireTimeout must not be negative: PT-1S");
        assertThatIllegalArgumentException().isThrownBy(() -> locker("a").acquireTimeout(null).build())
                .withMessage("acquireTimeout must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> locker("bad\uDC00app").build())
                .withMessageContaining("appName is not well-formed UTF-16");
    }

    @Test
    void lockRefusesBadNamesAndKeys() {
        try (Locker locker = locker("bad-input").build()) {
            assertThatIllegalArgumentException().isThrownBy(() -> locker.lock((String) null))
                    .withMessage("lock name must not be null");
            assertThatIllegalArgumentException().isThrownBy(() -> locker.lock("lone\uD800"))
                    .withMessageContaining("lock name is not well-formed UTF-16");
            assertThatIllegalArgumentException().isThrownBy(() -> locker.lock((LockKey) null, LockMode.SHARED))
                    .withMessage("key must not be null");
            assertThatIllegalArgumentException().isThrownBy(() -> locker.lock("x", (LockOptions) null))
                    .withMessage("options must not be null");
        }
    }

    @Test
    void buildDoesNotConnectAndAnUnreachableServerSurfacesFromTheFirstAcquireNamingHostAndPort() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (Locker locker = Db.builder("unreachable").url("jdbc:postgresql://127.0.0.1:" + closedPort + "/x")
                .user("someone").password(SECRET).build()) {
            Lock lock = locker.lock("a");
            assertThatThrownBy(lock::acquire).isInstanceOfSatisfying(AcquireFailure.class, failure -> {
                assertThat(failure).isInstanceOf(PalsException.class);
                assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CONNECT_FAILED);
                assertThat(failure.getMessage())
                        .startsWith("Lock acquire failed for \"unreachable.a\". Failed due to no database connection to 127.0.0.1:" + closedPort);
                assertNoSecretIn(failure);
            });
            assertThat(lock.isHeld()).isFalse();
        }
    }

    @Test
    void anUnknownUserFailsTheAcquireWithoutEverShowingThePassword() {
        try (LogCapture log = LogCapture.of("");
                Locker locker = Db.builder("auth").url(Db.url()).user("no_such_role_pals").password(SECRET).build()) {
            assertThatThrownBy(() -> locker.lock("a").hold()).isInstanceOfSatisfying(AcquireFailure.class, failure -> {
                assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CONNECT_FAILED);
                assertThat(failure.getMessage()).contains(Db.target()).contains("no_such_role_pals");
                assertNoSecretIn(failure);
            });
            assertThat(locker.toString()).doesNotContain(SECRET);
            assertThat(((JooqLocker) locker).settings().toString()).doesNotContain(SECRET).contains("password=***");
            assertThat(log.text()).doesNotContain(SECRET);
        }
    }

    private static void assertNoSecretIn(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            assertThat(t.toString()).doesNotContain(SECRET);
            for (Throwable suppressed : t.getSuppressed()) {
                assertThat(suppressed.toString()).doesNotContain(SECRET);
            }
        }
    }

    @Test
    void closeReleasesEverythingAndLaterUseThrowsIllegalState() {
        Locker locker = locker(Db.uniqueApp("close")).build();
        Lock held = locker.lock("held");
        Lock shared = locker.lock("shared", LockMode.SHARED);
        assertThat(held.acquire()).isTrue();
        assertThat(held.acquire()).isTrue();
        assertThat(shared.acquire()).isTrue();
        locker.close();

        assertThat(ServerView.freeElsewhere(held.key())).isTrue();
        assertThat(ServerView.freeElsewhere(shared.key())).isTrue();
        assertThat(held.isHeld()).isFalse();
        assertThat(held.holdCount()).isZero();
        assertThat(held.release()).isFalse();
        assertThat(shared.release()).isFalse();
        assertThatIllegalStateException().isThrownBy(held::acquire).withMessage("this Locker is closed");
        assertThatIllegalStateException().isThrownBy(held::hold);
        assertThatIllegalStateException().isThrownBy(() -> locker.lock("new"));
        locker.close(); // idempotent
        assertThat(held.name()).endsWith(".held"); // accessors still answer
    }

    @Test
    void closingTheLockerEndsAnAcquireWaitingInAnotherThread() throws Exception {
        Locker locker = locker(Db.uniqueApp("close-wait")).build();
        try (Locker other = locker(null).build(); HeldLock blocker = other.lock(locker.key("contended"), LockMode.EXCLUSIVE).hold()) {
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(
                    () -> locker.lock("contended").acquire(Duration.ofSeconds(30)));
            await().atMost(Duration.ofSeconds(5)).until(() -> !ServerView.waiters(blocker.lock().key()).isEmpty());
            long start = System.nanoTime();
            locker.close();
            assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(IllegalStateException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(ServerView.waiters(blocker.lock().key())).isEmpty();
        }
    }

    @Test
    void aLongNameIsShortenedInMessagesButLocksWhole() {
        String name = "n".repeat(1 << 20);
        try (Locker locker = locker("long").build()) {
            Lock lock = locker.lock(name);
            assertThat(lock.name()).hasSize(5 + (1 << 20));
            assertThat(lock.acquire()).isTrue();
            assertThatThrownBy(() -> locker.lock(name).hold(Duration.ZERO)).isInstanceOfSatisfying(AcquireFailure.class,
                    failure -> {
                        assertThat(failure.getMessage()).hasSizeLessThan(200).contains("(1048581 chars)");
                        assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.NOT_AVAILABLE);
                    });
            assertThat(lock.toString()).hasSizeLessThan(300);
            lock.release();
        }
    }

    @Test
    void settingsRoundTripThroughToBuilder() {
        JooqLockerSettings settings = locker("round-trip").blocking(false).acquireTimeout(Duration.ofSeconds(3))
                .maxPoolSize(4).settings();
        JooqLockerSettings copy = settings.toBuilder().settings();
        assertThat(copy.toString()).isEqualTo(settings.toString());
        assertThat(copy.maxPoolSize()).isEqualTo(4);
        assertThat(copy.blocking()).isFalse();
        assertThat(copy.acquireTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(copy.appName()).contains("round-trip");
    }

    /** Regression test for the outside review's finding 8: pgjdbc logged "invalid port number: s3cret@h". */
    @Test
    void aPasswordInTheUrlsUserInfoIsRefusedBeforeTheDriverCanLogIt() {
        java.util.logging.Logger driverLog = java.util.logging.Logger.getLogger("org.postgresql");
        java.util.logging.Level was = driverLog.getLevel();
        driverLog.setLevel(java.util.logging.Level.ALL);
        try (LogCapture log = LogCapture.of("")) {
            for (String url : new String[] {"jdbc:postgresql://u:" + SECRET + "@h/db", "jdbc:postgresql://u:" + SECRET + "@h:5432/db",
                    "jdbc:postgresql://" + SECRET + "@h/db"}) {
                assertThatIllegalArgumentException().isThrownBy(() -> Db.builder("a").url(url).build())
                        .withMessageContaining("url must not carry user information")
                        .withMessageNotContaining(SECRET);
            }
            assertThat(log.text()).doesNotContain(SECRET);
        } finally {
            driverLog.setLevel(was);
        }
    }

    /** Regression test for the outside review's finding 9: huge intervals failed with ArithmeticException. */
    @Test
    void hugeIntervalsAreRefusedNamingTheSetting() {
        Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
        assertThatIllegalArgumentException().isThrownBy(() -> locker("a").lockCheckInterval(huge).build())
                .withMessageStartingWith("lockCheckInterval must be at most");
        assertThatIllegalArgumentException().isThrownBy(() -> locker("a").keepaliveInterval(huge).build())
                .withMessageStartingWith("keepaliveInterval must be at most");
        assertThatIllegalArgumentException().isThrownBy(() -> locker("a").networkTimeout(huge).build())
                .withMessageStartingWith("networkTimeout must be at most");
    }
}
