package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.Lock;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.testing.TcpProxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Steady-state cost on the dedicated pool, counted on the wire by a proxy between client and server:
 * an uncontended acquire + release takes at most two round trips (Python PALs: about 11 statements).
 */
@Timeout(60)
class RoundTripTest {
    private static final int CYCLES = 200;

    @Test
    void anUncontendedBlockingCycleTakesTwoRoundTrips() {
        assertCycleCost(lock -> lock.acquire(), LockMode.EXCLUSIVE);
    }

    @Test
    void anUncontendedTryCycleTakesTwoRoundTrips() {
        assertCycleCost(lock -> lock.acquire(false), LockMode.EXCLUSIVE);
    }

    @Test
    void anUncontendedSharedCycleWithATimeoutTakesTwoRoundTrips() {
        assertCycleCost(lock -> lock.acquire(Duration.ofSeconds(5)), LockMode.SHARED);
    }

    private static void assertCycleCost(java.util.function.Predicate<Lock> acquire, LockMode mode) {
        try (TcpProxy proxy = TcpProxy.start(Db.DB.host(), Db.DB.port());
                Locker locker = Db.builder(Db.uniqueApp("round-trips"))
                        .url("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + Db.database())
                        .user(Db.user()).password(Db.password()).build()) {
            for (int i = 0; i < 20; i++) { // warm up: connection, server-side prepared statements
                Lock lock = locker.lock("warm-" + i, mode);
                assertThat(acquire.test(lock)).isTrue();
                assertThat(lock.release()).isTrue();
            }
            proxy.resetCounts();
            for (int i = 0; i < CYCLES; i++) {
                Lock lock = locker.lock("k-" + (i % 7), mode);
                assertThat(acquire.test(lock)).isTrue();
                assertThat(lock.release()).isTrue();
            }
            assertThat(proxy.connections()).isZero();
            assertThat(proxy.roundTrips()).isLessThanOrEqualTo(2L * CYCLES);
        }
    }
}
