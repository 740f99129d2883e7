package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.HeldLockInfo;
import dev.pals.Lock;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.PalsException;
import dev.pals.testing.ServerView;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a Locker tells about itself without a lock operation: the locks it holds, a ping, lost locks. */
@Timeout(60)
class HeldLocksTest {
    @Test
    void heldLocksListsEachLockOnceWithItsModeSinceAndTheBackendThatHoldsIt() {
        try (Locker locker = locker(Db.uniqueApp("held")).build()) {
            assertThat(locker.heldLocks()).isEmpty();
            Instant before = Instant.now();
            Lock exclusive = locker.lock("a");
            Lock shared = locker.lock("b", LockMode.SHARED);
            assertThat(exclusive.acquire()).isTrue();
            assertThat(exclusive.acquire()).isTrue();
            assertThat(shared.acquire()).isTrue();
            Instant after = Instant.now();

            List<HeldLockInfo> held = locker.heldLocks().stream()
                    .sorted(Comparator.comparing(HeldLockInfo::name)).toList();
            assertThat(held).extracting(HeldLockInfo::name).containsExactly(exclusive.name(), shared.name());
            assertThat(held).extracting(HeldLockInfo::mode).containsExactly(LockMode.EXCLUSIVE, LockMode.SHARED);
            assertThat(held).extracting(HeldLockInfo::key).containsExactly(exclusive.key(), shared.key());
            assertThat(held.get(0).backendPid()).isEqualTo(ServerView.holders(exclusive.key()).get(0));
            assertThat(held.get(1).backendPid()).isEqualTo(ServerView.holders(shared.key()).get(0));
            for (HeldLockInfo info : held) {
                // The JVM clock read twice may differ by a rounding step: allow a millisecond.
                assertThat(info.heldSince()).isBetween(before.minusMillis(1), after.plusMillis(1));
            }

            exclusive.release();
            assertThat(locker.heldLocks()).extracting(HeldLockInfo::name)
                    .containsExactlyInAnyOrder(exclusive.name(), shared.name());
            exclusive.release();
            shared.release();
            assertThat(locker.heldLocks()).isEmpty();
        }
    }

    @Test
    void aClosedLockerHoldsNothingAndRefusesPing() {
        Locker locker = locker(null).build();
        Lock lock = locker.lock("held-closed");
        assertThat(lock.acquire()).isTrue();
        locker.close();
        assertThat(locker.heldLocks()).isEmpty();
        assertThatIllegalStateException().isThrownBy(locker::ping);
    }

    @Test
    void pingAnswersWithARoundTripWithAndWithoutHeldLocks() {
        try (Locker locker = locker(null).maxPoolSize(1).build()) {
            assertThat(locker.ping()).isPositive();
            Lock lock = locker.lock("ping-held");
            assertThat(lock.acquire()).isTrue();
            // The only connection holds a lock: the ping uses it rather than wait for another.
            assertThat(locker.ping()).isPositive();
            assertThat(lock.isHeld()).isTrue();
            assertThat(lock.confirmHeld()).isTrue();
        }
    }

    @Test
    void pingOfAnUnreachableServerThrowsNamingIt() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (Locker locker = Db.builder("ping-unreachable").url("jdbc:postgresql://127.0.0.1:" + closedPort + "/x")
                .networkTimeout(Duration.ofSeconds(2)).build()) {
            assertThatThrownBy(locker::ping).isInstanceOf(PalsException.class)
                    .hasMessageContaining("127.0.0.1:" + closedPort);
        }
    }

    @Test
    void statsCountLostLocks() {
        try (Locker locker = locker(null).build()) {
            Lock lock = locker.lock("stats-lost");
            assertThat(lock.acquire()).isTrue();
            assertThat(locker.stats().locksLost()).isZero();
            ServerView.terminate(ServerView.holders(lock.key()).get(0));
            await().atMost(Duration.ofSeconds(10)).until(() -> !lock.confirmHeld());
            assertThat(locker.stats().locksLost()).isEqualTo(1);
            assertThat(locker.stats().locksHeld()).isZero();
        }
    }
}
