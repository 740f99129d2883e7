package dev.pals.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.jooq.JooqLocker;
import dev.pals.testing.TcpProxy;
import dev.pals.testing.TestDatabase;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the chaos run found against property 4 ("no acquire outlived its timeout + network timeout"), kept as
 * regression tests: on a network path that goes silent, an acquire took about twice the network timeout
 * beyond its own timeout — the pooled connection's validation waited one network timeout, then a new
 * connection's login another. Now one bound, the acquire's timeout + network timeout, covers every step
 * (also tested in pals-jooq's {@code FrozenNetworkTest}).
 */
@Timeout(60)
class AcquireBoundTest {
    private static final Duration NETWORK_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration SLACK = Duration.ofMillis(250);

    @Test
    void aSingleTryOnAFrozenPathWhoseConnectionSatIdleEndsWithinTheNetworkTimeout() throws Exception {
        Duration took = frozenAcquire(lock -> lock.acquire(Duration.ZERO), false);
        assertThat(took).isLessThanOrEqualTo(NETWORK_TIMEOUT.plus(SLACK));
    }

    @Test
    void aTimedAcquireOnAFrozenPathWhoseConnectionSatIdleEndsWithinItsTimeoutPlusTheNetworkTimeout() throws Exception {
        Duration timeout = Duration.ofMillis(200);
        Duration took = frozenAcquire(lock -> lock.acquire(timeout), false);
        assertThat(took).isLessThanOrEqualTo(timeout.plus(NETWORK_TIMEOUT).plus(SLACK));
    }

    @Test
    void aSingleTryBesideAHeldLockOnAFrozenPathEndsWithinTheNetworkTimeout() throws Exception {
        Duration took = frozenAcquire(lock -> lock.acquire(Duration.ZERO), true);
        assertThat(took).isLessThanOrEqualTo(NETWORK_TIMEOUT.plus(SLACK));
    }

    /**
     * Takes and releases a lock through a proxy (so the pool keeps a connection), lets it sit idle past the
     * pool's validation threshold (1 s; optionally with another lock still held on it), freezes the path,
     * and times {@code acquire} on another name.
     */
    private static Duration frozenAcquire(Function<Lock, Boolean> acquire, boolean holdAnother) throws Exception {
        TestDatabase db = TestDatabase.get();
        try (TcpProxy proxy = TcpProxy.start(db.host(), db.port());
                Locker locker = JooqLocker.builder("bound-" + System.nanoTime())
                        .url("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres")
                        .user(db.user()).password(db.password()).networkTimeout(NETWORK_TIMEOUT).build()) {
            Lock held = locker.lock("held");
            assertThat(held.acquire(Duration.ZERO)).isTrue();
            if (!holdAnother) {
                assertThat(held.release()).isTrue();
            }
            Thread.sleep(1_500); // idle past the pool's validation threshold: the state to reproduce, not a wait
            proxy.freeze();
            long start = System.nanoTime();
            String outcome;
            try {
                outcome = "returned " + acquire.apply(locker.lock("other"));
            } catch (AcquireFailure e) {
                outcome = "failed: " + e.reason();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            proxy.thaw();
            System.out.println("acquire on a frozen path" + (holdAnother ? " beside a held lock" : "") + ": " + outcome
                    + " after " + took.toMillis() + " ms (network timeout " + NETWORK_TIMEOUT.toMillis() + " ms)");
            return took;
        }
    }
}
