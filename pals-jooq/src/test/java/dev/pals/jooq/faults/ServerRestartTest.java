package dev.pals.jooq.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.jooq.Db;
import dev.pals.jooq.JooqLocker;
import dev.pals.testing.EmbeddedServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server restarts while locks are held and an acquire is blocked; the Locker carries on after. */
@Timeout(120)
class ServerRestartTest {
    private static EmbeddedServer server;

    @BeforeAll
    static void ownServer() {
        server = EmbeddedServer.start(Map.of());
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    private static JooqLocker.Builder locker(String app) {
        return Db.builder(app).url(server.url()).user("postgres").networkTimeout(Duration.ofSeconds(2));
    }

    @Test
    void heldLocksAreReportedLostABlockedAcquireFailsClearlyAndTheLockerWorksAgain() throws Exception {
        Recorder recorder = new Recorder();
        try (Locker locker = locker("restart").lockCheckInterval(Duration.ofMillis(300)).listener(recorder).build();
                Locker other = locker("restart").build()) {
            Lock a = locker.lock("a").onLost(recorder.lockCallback());
            Lock b = locker.lock("b").onLost(recorder.lockCallback());
            assertThat(a.acquire()).isTrue();
            assertThat(b.acquire()).isTrue();
            Lock blocker = other.lock("c");
            assertThat(blocker.acquire()).isTrue();
            Duration timeout = Duration.ofSeconds(20);
            long start = System.nanoTime();
            CompletableFuture<Boolean> blocked = CompletableFuture.supplyAsync(() -> locker.lock("c").acquire(timeout));
            Thread.sleep(300);
            assertThat(blocked).isNotDone();

            server.stop();
            // The blocked acquire ends with a clear failure, long before its timeout.
            assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(AcquireFailure.class,
                            failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CONNECTION_LOST));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout);
            // Held locks are reported lost (the watchdog notices; nobody touched them).
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.lockCallbacks("restart.a") == 1
                    && recorder.lockCallbacks("restart.b") == 1);
            assertThat(a.isHeld()).isFalse();
            assertThat(b.isHeld()).isFalse();

            // While the server is down, an acquire fails at once, naming where it tried.
            assertThatThrownBy(() -> locker.lock("d").acquire()).isInstanceOfSatisfying(AcquireFailure.class, failure -> {
                assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CONNECT_FAILED);
                assertThat(failure.getMessage()).contains("localhost:" + server.port());
            });

            server.start();
            assertThat(a.acquire(Duration.ofSeconds(5))).isTrue();
            assertThat(locker.lock("c").acquire(Duration.ofSeconds(5))).isTrue();
            assertThat(other.lock("a").acquire(false)).isFalse();
            assertThat(a.release()).isTrue();
            assertThat(b.release()).isFalse();
            assertThat(recorder.listenerLost).containsExactlyInAnyOrder("restart.a", "restart.b");
        }
    }
}
