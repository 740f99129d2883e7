package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A held lock whose handle is collected is released, its connection returned, with a warning. */
@Timeout(60)
class ForgottenLockTest {

    @Test
    void aCollectedHandleReleasesItsLockReturnsItsConnectionAndWarnsNamingIt() {
        try (LogCapture log = LogCapture.of("dev.pals.jooq");
                Locker locker = locker(Db.uniqueApp("forgotten")).maxPoolSize(1).build()) {
            WeakReference<Lock> handle = acquireAndForget(locker, "forgotten-lock");
            LockKey key = locker.key("forgotten-lock");
            assertThat(ServerView.holders(key)).hasSize(1);

            // The library keeps no strong reference to the handle: it is collected...
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                System.gc();
                return handle.get() == null;
            });
            // ...and then the lock is released on the server...
            await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.holders(key).isEmpty());
            // ...the only pool connection came back...
            assertThat(locker.lock("another").acquire(Duration.ofSeconds(2))).isTrue();
            // ...with a warning that names the lock.
            assertThat(log.records()).anySatisfy(record -> {
                assertThat(record.getLevel()).isEqualTo(Level.WARNING);
                assertThat(record.getMessage()).contains(key.displayName()).contains("garbage collected");
            });
        }
    }

    @Test
    void aCollectedHandleThatHoldsNothingReleasesNothingAndSaysNothing() {
        try (LogCapture log = LogCapture.of("dev.pals.jooq");
                Locker locker = locker(Db.uniqueApp("released")).build()) {
            WeakReference<Lock> handle = acquireReleaseAndForget(locker, "k");
            Lock holder = locker.lock("k");
            assertThat(holder.acquire()).isTrue();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                System.gc();
                return handle.get() == null;
            });
            assertThat(holder.isHeld()).isTrue();
            assertThat(ServerView.holders(holder.key())).hasSize(1);
            assertThat(log.text()).doesNotContain("garbage collected");
            holder.release();
        }
    }

    private static WeakReference<Lock> acquireAndForget(Locker locker, String name) {
        Lock lock = locker.lock(name);
        assertThat(lock.acquire()).isTrue();
        return new WeakReference<>(lock);
    }

    private static WeakReference<Lock> acquireReleaseAndForget(Locker locker, String name) {
        Lock lock = locker.lock(name);
        assertThat(lock.acquire()).isTrue();
        assertThat(lock.release()).isTrue();
        return new WeakReference<>(lock);
    }
}
