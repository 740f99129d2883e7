package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PostgreSQL may grant a waiting lock just as its {@code lock_timeout} fires: the statement then fails
 * with 55P03 ("canceling statement due to lock timeout") and the session keeps the lock (the server's
 * {@code LockErrorCleanup} remembers a lock granted meanwhile). A session that saw 55P03 may hold the
 * lock it asked for, and must be reset before it is pooled again.
 */
@Timeout(60)
class TimeoutRaceTest {

    @Test
    void aLockGrantedAsItsTimeoutFiresIsNotLeftHeldByAnIdlePooledConnection() throws Exception {
        long seed = Long.getLong("pals.seed", System.nanoTime());
        try (Locker locker = locker(Db.uniqueApp("timeout-race")).maxPoolSize(1).build()) {
            Lock lock = locker.lock("contended");
            LockKey key = lock.key();
            AtomicBoolean stop = new AtomicBoolean();
            // Another session takes and gives back the lock, holding it about as long as the timeout.
            CompletableFuture<Integer> holder = CompletableFuture.supplyAsync(() -> hold(key, stop, seed));
            int timeouts = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (timeouts < 300 && System.nanoTime() < deadline && !holder.isDone()) {
                if (lock.acquire(Duration.ofMillis(1))) {
                    assertThat(lock.release()).isTrue();
                } else {
                    timeouts++;
                }
            }
            stop.set(true);
            int cycles = holder.get(30, TimeUnit.SECONDS);
            System.out.println("timeout race (seed " + seed + "): " + timeouts + " timeouts against "
                    + cycles + " holder cycles");
            assertThat(timeouts).as("the race needs timeouts").isPositive();
            assertThat(ServerView.holders(key)).as("sessions still holding the lock, seed %d", seed).isEmpty();
            assertThat(locker.lock("contended").acquire(false)).isTrue();
        }
    }

    /** Locks and unlocks {@code key} until told to stop; a lock that stays taken ends it. */
    private static int hold(LockKey key, AtomicBoolean stop, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int cycles = 0;
        try (Connection connection = Db.DB.connect();
                Statement setup = connection.createStatement();
                PreparedStatement lock = connection.prepareStatement("select pg_advisory_lock(?)");
                PreparedStatement unlock = connection.prepareStatement("select pg_advisory_unlock(?)")) {
            setup.execute("set lock_timeout = '2s'");
            lock.setLong(1, key.value());
            unlock.setLong(1, key.value());
            while (!stop.get()) {
                try {
                    lock.executeQuery().close();
                } catch (SQLException e) {
                    return cycles; // 55P03: someone kept the lock; the test's last check names it
                }
                long until = System.nanoTime() + 700_000 + random.nextInt(1_300_000);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                unlock.executeQuery().close();
                cycles++;
            }
            return cycles;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
