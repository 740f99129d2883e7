package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.LockOptions;
import dev.pals.Locker;
import dev.pals.ReadWriteLock;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Exclusive and shared modes, writer queueing, read/write pairs, and the two key spaces. */
@Timeout(60)
class ModesTest {
    private Locker locker;

    @BeforeEach
    void createLocker() {
        locker = locker(Db.uniqueApp("modes")).acquireTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void closeLocker() {
        locker.close();
    }

    @Test
    void anExclusiveHolderExcludesSharedAndExclusiveAlike() {
        Lock writer = locker.lock("x");
        assertThat(writer.acquire()).isTrue();
        assertThat(locker.lock("x", LockMode.SHARED).acquire(false)).isFalse();
        assertThat(locker.lock("x", LockMode.EXCLUSIVE).acquire(false)).isFalse();
        writer.release();
        assertThat(locker.lock("x", LockMode.SHARED).acquire(false)).isTrue();
    }

    @Test
    void aWaitingWriterIsNotStarvedByNewReaders() throws Exception {
        Lock reader = locker.lock("queue", LockMode.SHARED);
        assertThat(reader.acquire()).isTrue();
        Lock writer = locker.lock("queue", LockMode.EXCLUSIVE);
        CompletableFuture<Boolean> writing = CompletableFuture.supplyAsync(() -> writer.acquire(Duration.ofSeconds(10)));
        Db.awaitWaiting(locker, 1);

        // A new reader does not jump the queued writer: a try fails, a blocking request waits.
        assertThat(locker.lock("queue", LockMode.SHARED).acquire(false)).isFalse();
        Lock lateReader = locker.lock("queue", LockMode.SHARED);
        CompletableFuture<Boolean> lateReading = CompletableFuture.supplyAsync(() -> lateReader.acquire(Duration.ofSeconds(10)));
        Db.awaitWaiting(locker, 2);

        reader.release();
        assertThat(writing.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(lateReading).isNotDone();
        writer.release();
        assertThat(lateReading.get(5, TimeUnit.SECONDS)).isTrue();
        lateReader.release();
    }

    @Test
    void aWriterWaitingInAnotherLockerIsNotStarvedByReadersOfThisOne() throws Exception {
        try (Locker other = locker(locker.appName().orElseThrow()).build()) {
            Lock reader = locker.lock("queue", LockMode.SHARED);
            assertThat(reader.acquire()).isTrue();
            Lock writer = other.lock("queue", LockMode.EXCLUSIVE);
            CompletableFuture<Boolean> writing = CompletableFuture.supplyAsync(() -> writer.acquire(Duration.ofSeconds(10)));
            await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.waiters(writer.key()).size() == 1);

            // Beside this Locker's reader, a new reader of it still queues behind the writer at the server.
            assertThat(locker.lock("queue", LockMode.SHARED).acquire(false)).isFalse();
            Lock lateReader = locker.lock("queue", LockMode.SHARED);
            CompletableFuture<Boolean> lateReading = CompletableFuture.supplyAsync(() -> lateReader.acquire(Duration.ofSeconds(10)));
            await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.waiters(writer.key()).size() == 2);

            reader.release();
            assertThat(writing.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(lateReading).isNotDone();
            writer.release();
            assertThat(lateReading.get(5, TimeUnit.SECONDS)).isTrue();
            // Two shared holders of one key in one Locker hold it on two sessions.
            Lock secondReader = locker.lock("queue", LockMode.SHARED);
            assertThat(secondReader.acquire(false)).isTrue();
            assertThat(ServerView.holders(writer.key())).hasSize(2);
            secondReader.release();
            lateReader.release();
        }
    }

    @Test
    void readWriteLockPairsSharedReadsWithAnExclusiveWrite() {
        ReadWriteLock first = locker.readWriteLock("document");
        ReadWriteLock second = locker.readWriteLock("document");
        assertThat(first.read().mode()).isEqualTo(LockMode.SHARED);
        assertThat(first.write().mode()).isEqualTo(LockMode.EXCLUSIVE);
        assertThat(first.read().key()).isEqualTo(first.write().key());

        assertThat(first.read().acquire()).isTrue();
        assertThat(second.read().acquire()).isTrue();
        assertThat(second.write().acquire(false)).isFalse();
        first.read().release();
        second.read().release();
        assertThat(second.write().acquire(false)).isTrue();
        assertThat(first.read().acquire(false)).isFalse();
        second.write().release();
    }

    @Test
    void pairKeysAreASeparateKeySpaceFromBigintKeys() {
        LockKey pair = LockKey.of(0, 42);
        LockKey single = LockKey.of(42L);
        Lock pairLock = locker.lock(pair, LockMode.EXCLUSIVE);
        Lock singleLock = locker.lock(single, LockMode.EXCLUSIVE);
        assertThat(pairLock.acquire()).isTrue();
        assertThat(singleLock.acquire()).isTrue();
        assertThat(ServerView.holders(pair)).hasSize(1);
        assertThat(ServerView.holders(single)).hasSize(1);
        assertThat(locker.lock(pair, LockMode.EXCLUSIVE).acquire(false)).isFalse();
        assertThat(pairLock.name()).isEqualTo("(0, 42)");
        assertThat(singleLock.name()).isEqualTo("42");
        // Releasing one leaves the other held: two keys, whichever sessions they are on.
        pairLock.release();
        assertThat(ServerView.freeElsewhere(pair)).isTrue();
        assertThat(ServerView.freeElsewhere(single)).isFalse();
        singleLock.release();
        assertThat(ServerView.freeElsewhere(single)).isTrue();
        assertThat(ServerView.holders(pair)).isEmpty();
    }

    @Test
    void rawKeysWorkInSharedModeAndWithNegativeNumbers() {
        LockKey key = LockKey.of(-3, Integer.MIN_VALUE);
        Lock a = locker.lock(key, LockMode.SHARED);
        Lock b = locker.lock(key, LockOptions.of(LockMode.SHARED));
        assertThat(a.acquire()).isTrue();
        assertThat(b.acquire()).isTrue();
        assertThat(ServerView.holders(key)).hasSize(2);
        assertThat(locker.lock(key, LockMode.EXCLUSIVE).acquire(false)).isFalse();
        a.release();
        b.release();
        Lock big = locker.lock(LockKey.of(Long.MIN_VALUE), LockMode.SHARED);
        assertThat(big.acquire()).isTrue();
        assertThat(ServerView.holders(LockKey.of(Long.MIN_VALUE))).hasSize(1);
        big.release();
    }

    @Test
    void namedKeysAreTheOnesPythonPalsLocks() {
        try (Locker pythonCompatible = locker("my-app").build()) {
            Lock lock = pythonCompatible.lock("my-lock");
            assertThat(lock.key().value()).isEqualTo(8527727818887320220L);
            assertThat(lock.name()).isEqualTo("my-app.my-lock");
            assertThat(lock.acquire()).isTrue();
            assertThat(ServerView.holders(LockKey.of(8527727818887320220L))).hasSize(1);
            lock.release();
        }
        try (Locker bare = locker(null).build()) {
            assertThat(bare.lock("bare").key().value()).isEqualTo(6967379479480361657L);
            assertThat(bare.lock("bare").name()).isEqualTo("bare");
            assertThat(bare.appName()).isEmpty();
        }
    }
}
