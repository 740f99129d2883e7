package dev.pals.jooq.faults;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.jooq.Db;
import dev.pals.jooq.JooqLocker;
import dev.pals.testing.TcpProxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A network path that goes silent, made by a proxy that stops forwarding: TCP keepalive cannot see it
 * (the proxy's kernel still answers), so every call is bounded by a network timeout and the watchdog
 * notices held locks are gone.
 */
@Timeout(60)
class FrozenNetworkTest {
    private static final Duration NETWORK_TIMEOUT = Duration.ofSeconds(1);
    private TcpProxy proxy;

    @BeforeEach
    void proxy() {
        proxy = TcpProxy.start(Db.host(), Db.port());
    }

    @AfterEach
    void closeProxy() {
        proxy.close();
    }

    private JooqLocker.Builder throughProxy(String app) {
        return Db.builder(app).url("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + Db.database())
                .user(Db.user()).password(Db.password()).networkTimeout(NETWORK_TIMEOUT);
    }

    @Test
    void theWatchdogNoticesAFrozenPathWithinTheIntervalPlusOneSecond() {
        Recorder recorder = new Recorder();
        Duration interval = Duration.ofMillis(500);
        String app = Db.uniqueApp("frozen");
        try (Locker locker = throughProxy(app).lockCheckInterval(interval).listener(recorder).build();
                Locker direct = locker(app).build()) {
            Lock lock = locker.lock("k").onLost(recorder.lockCallback());
            assertThat(lock.acquire()).isTrue();
            long frozenAt = System.nanoTime();
            proxy.freeze();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(() -> recorder.lockCallbacks(lock.name()) == 1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(recorder.firstLostAt.get(lock.name()) - frozenAt))
                    .isLessThanOrEqualTo(interval.plusSeconds(1).plusMillis(200).toMillis());
            assertThat(lock.isHeld()).isFalse();
            assertThat(lock.release()).isFalse();

            // The server still has the frozen session, and its lock, until the path speaks again and the
            // dropped connection's end reaches it.
            assertThat(direct.lock("k").acquire(false)).isFalse();
            proxy.thaw();
            assertThat(direct.lock("k").acquire(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(Threads.insidePals()).isEmpty();
    }

    @Test
    void aTryOnASessionInUseOverAFrozenPathEndsAtItsDeadlineRatherThanTryAFreshSession() {
        // With multiplexing, the second lock's try goes to the session holding the first. The frozen path
        // silences it for a network timeout; by then the budget is spent, and a fresh session (its login
        // hanging for another network timeout on the same path) would break "budget + one network timeout".
        String app = Db.uniqueApp("frozen-shared");
        try (Locker locker = throughProxy(app).multiplexing(true).build()) {
            Lock held = locker.lock("held");
            assertThat(held.acquire()).isTrue();
            proxy.freeze();
            long connections = proxy.connections();
            long start = System.nanoTime();
            assertThatThrownBy(() -> locker.lock("other").acquire(Duration.ofMillis(100)))
                    .isInstanceOfSatisfying(AcquireFailure.class,
                            failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CONNECTION_LOST));
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(proxy.connections()).as("connections opened after the deadline").isEqualTo(connections);
            assertThat(waitedMillis).isLessThan(NETWORK_TIMEOUT.plusMillis(100 + 1_500).toMillis());
            assertThat(held.isHeld()).isFalse();
            proxy.thaw();
        }
        assertThat(Threads.insidePals()).isEmpty();
    }

    @ParameterizedTest(name = "multiplexing {0}")
    @ValueSource(booleans = {true, false})
    void anAcquireThatFindsIdleConnectionsDeadOnAFrozenPathEndsWithinItsTimeoutPlusTheNetworkTimeout(boolean multiplexing)
            throws Exception {
        // Connections that lay idle in the pool are checked before use, and a dead one is replaced by a new
        // one: each check and the new connection's login were bounded on their own (1 s, 1 s, then the login
        // timeout), so that two idle connections on a frozen path made an acquire of 100 ms take 4 s. One
        // bound covers them all now: the acquire's timeout + the network timeout.
        Duration networkTimeout = Duration.ofSeconds(2);
        Duration timeout = Duration.ofMillis(100);
        String app = Db.uniqueApp("frozen-idle");
        try (Locker locker = throughProxy(app).networkTimeout(networkTimeout).multiplexing(multiplexing).build()) {
            // Two pooled connections (with multiplexing, one thread's locks share a session: one connection).
            Lock first = locker.lock("first");
            Lock second = locker.lock("second");
            assertThat(first.acquire()).isTrue();
            assertThat(second.acquire()).isTrue();
            first.release();
            second.release();
            // The precondition: they lie idle for longer than the pool's idle check threshold (1 s).
            Thread.sleep(1_300);
            proxy.freeze();
            long start = System.nanoTime();
            assertThatThrownBy(() -> locker.lock("third").acquire(timeout)).isInstanceOf(AcquireFailure.class);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(tookMillis).as("the acquire took (ms)")
                    .isLessThanOrEqualTo(timeout.plus(networkTimeout).plusMillis(500).toMillis());
            proxy.thaw();
            assertThat(locker.lock("third").acquire(Duration.ofSeconds(5))).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> Threads.insidePals().isEmpty());
    }

    @Test
    void aBlockedAcquireOnAFrozenPathEndsAfterItsTimeoutPlusTheNetworkTimeout() throws Exception {
        String app = Db.uniqueApp("frozen-wait");
        try (Locker locker = throughProxy(app).build(); Locker direct = locker(app).build()) {
            Lock blocker = direct.lock("k");
            assertThat(blocker.acquire()).isTrue();
            long start = System.nanoTime();
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> locker.lock("k").acquire(Duration.ofMillis(800)));
            Thread.sleep(200);
            proxy.freeze();
            // The server's lock_timeout answer cannot get through; the network timeout ends the wait.
            assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(AcquireFailure.class,
                            failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CONNECTION_LOST));
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(waitedMillis).isBetween(1800L, 4000L);

            proxy.thaw();
            blocker.release();
            // After the fault, new acquires work: the dead connection was dropped, not handed out again.
            assertThat(locker.lock("k").acquire(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(Threads.insidePals()).isEmpty();
    }

    @Test
    void aDroppedPathFailsReleaseQuietlyAndTheLockerRecovers() {
        Recorder recorder = new Recorder();
        String app = Db.uniqueApp("dropped");
        try (Locker locker = throughProxy(app).listener(recorder).build(); Locker direct = locker(app).build()) {
            Lock lock = locker.lock("k");
            assertThat(lock.acquire()).isTrue();
            proxy.dropConnections();
            assertThat(lock.release()).isFalse();
            assertThat(recorder.listenerLost).containsExactly(lock.name());
            await().atMost(Duration.ofSeconds(5)).until(() -> direct.lock("k").acquire(false));
            assertThat(locker.lock("k2").acquire(Duration.ofSeconds(5))).isTrue();
        }
    }
}
