package dev.pals.jooq.faults;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.jooq.Db;
import dev.pals.jooq.JooqLocker;
import dev.pals.testing.ServerView;
import dev.pals.testing.TcpProxy;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pool exhausted, server unreachable at start, a server that never answers, authentication failure:
 * clear errors, no thread left blocked, no connection leaked.
 */
@Timeout(60)
class ResourceFailureTest {

    @Test
    void anExhaustedPoolRefusesInTimeAndLeaksNothing() {
        String app = Db.uniqueApp("exhausted");
        try (Locker locker = locker(app).maxPoolSize(2).build(); Locker other = locker(Db.uniqueApp("other")).build()) {
            // Two shared holders of one key take two sessions, with multiplexing too.
            Lock a = locker.lock("a", LockMode.SHARED);
            Lock b = locker.lock("a", LockMode.SHARED);
            assertThat(a.acquire()).isTrue();
            assertThat(b.acquire()).isTrue();
            assertThat(ServerView.backends("pals:" + app)).isEqualTo(2);
            // A wait for a lock held elsewhere needs a session of its own: there is none.
            Lock theirs = other.lock(locker.key("c"), LockMode.EXCLUSIVE);
            assertThat(theirs.acquire()).isTrue();
            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> locker.lock("c").hold(Duration.ofMillis(100))).isInstanceOfSatisfying(
                        AcquireFailure.class, failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.NO_CONNECTION));
            }
            assertThat(locker.stats().connectionsInUse()).isEqualTo(2);
            assertThat(ServerView.backends("pals:" + app)).isEqualTo(2);
            a.release();
            b.release();
            theirs.release();
            assertThat(locker.lock("c").acquire()).isTrue();
            assertThat(Threads.insidePals()).isEmpty();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.backends("pals:" + app) == 0);
    }

    @Test
    void anUnreachableServerAtStartFailsEachAcquireQuicklyAndTheLockerWorksOnceItIsThere() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (Locker locker = Db.builder("unreachable").url("jdbc:postgresql://127.0.0.1:" + port + "/x").build()) {
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> locker.lock("a").acquire()).isInstanceOfSatisfying(AcquireFailure.class,
                        failure -> {
                            assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CONNECT_FAILED);
                            assertThat(failure.getMessage()).contains("127.0.0.1:" + port);
                        });
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            }
            assertThat(locker.stats().connectionsInUse()).isZero();
            assertThat(Threads.insidePals()).isEmpty();
        }
    }

    @Test
    void aServerThatNeverAnswersFailsWithinTheNetworkTimeout() {
        try (TcpProxy proxy = TcpProxy.start(Db.host(), Db.port())) {
            proxy.freeze();
            try (Locker locker = Db.builder("silent")
                    .url("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + Db.database())
                    .user(Db.user()).password(Db.password()).networkTimeout(Duration.ofSeconds(1)).build()) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> locker.lock("a").acquire(Duration.ofSeconds(30))).isInstanceOfSatisfying(
                        AcquireFailure.class, failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CONNECT_FAILED));
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2500L);
                assertThat(locker.stats().connectionsInUse()).isZero();
                assertThat(Threads.insidePals()).isEmpty();
            }
        }
    }

    @Test
    void anAuthenticationFailureIsClearAndLeavesNoBackendBehind() {
        int before = ServerView.backends("pals:auth-fail");
        try (Locker locker = Db.builder("auth-fail").url(Db.url()).user("no_such_role_pals").build()) {
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> locker.lock("a").acquire()).isInstanceOfSatisfying(AcquireFailure.class,
                        failure -> {
                            assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CONNECT_FAILED);
                            assertThat(failure.getMessage()).contains(Db.target()).contains("no_such_role_pals");
                        });
            }
            assertThat(locker.stats().connectionsInUse()).isZero();
            assertThat(Threads.insidePals()).isEmpty();
        }
        assertThat(ServerView.backends("pals:auth-fail")).isEqualTo(before);
    }
}
