package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.LockSet;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Several keys at once: all or nothing, in one order, so that no two processes deadlock. */
@Timeout(300)
class LockSetTest {

    @Test
    void aSetIsTakenAllOrNothingInKeyOrder() {
        String app = Db.uniqueApp("lock-set");
        try (Locker locker = locker(app).build(); Locker other = locker(app).build()) {
            LockSet set = locker.lockAll(List.of("c", "a", "b", "a"));
            assertThat(set.locks()).hasSize(3);
            List<Lock> locks = set.locks();
            for (int i = 1; i < locks.size(); i++) {
                assertThat(Long.compare(locks.get(i - 1).key().value(), locks.get(i).key().value())).isNegative();
            }
            Lock theirs = other.lock("b");
            assertThat(theirs.acquire()).isTrue();
            assertThat(set.acquire(Duration.ofMillis(200))).isFalse();
            for (String name : List.of("a", "c")) {
                assertThat(ServerView.freeElsewhere(locker.key(name))).as(name + " let go").isTrue();
            }
            assertThat(locker.stats().locksHeld()).isZero();
            assertThatThrownBy(() -> set.hold(Duration.ZERO)).isInstanceOfSatisfying(AcquireFailure.class,
                    failure -> assertThat(failure.lockName()).isEqualTo(locker.key("b").displayName()));
            assertThat(locker.stats().locksHeld()).isZero();

            theirs.release();
            try (HeldLock held = set.hold(Duration.ofSeconds(5))) {
                assertThat(set.isHeld()).isTrue();
                for (String name : List.of("a", "b", "c")) {
                    assertThat(ServerView.freeElsewhere(locker.key(name))).isFalse();
                }
            }
            assertThat(set.isHeld()).isFalse();
            for (String name : List.of("a", "b", "c")) {
                assertThat(ServerView.freeElsewhere(locker.key(name))).isTrue();
            }
            LockSet keys = locker.lockAllKeys(List.of(LockKey.of(1, 2), LockKey.of(5L)), LockMode.SHARED);
            assertThat(keys.locks().get(0).key()).as("bigint keys before pairs").isEqualTo(LockKey.of(5L));
            assertThat(keys.acquire()).isTrue();
            assertThat(keys.release()).isTrue();
        }
    }

    @Tag("stress")
    @Test
    void twoProcessesLockingTheSameKeysInOppositeOrdersTenThousandTimesNeverHang() throws Exception {
        String app = Db.uniqueApp("lock-set-order");
        int iterations = 10_000;
        long timeoutMillis = 10_000;
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LockSetMain.class.getName(), app, Db.url(),
                Db.user() == null ? "-" : Db.user(), Integer.toString(iterations), Long.toString(timeoutMillis), "A", "B"));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (Locker locker = locker(app).build()) {
            CompletableFuture<String> mine = CompletableFuture.supplyAsync(
                    () -> LockSetMain.run(locker, iterations, Duration.ofMillis(timeoutMillis), List.of("B", "A")));
            String theirs;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                theirs = null;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("DONE ")) {
                        theirs = line;
                    }
                }
            }
            assertThat(child.waitFor(240, TimeUnit.SECONDS)).isTrue();
            String ours = mine.get(240, TimeUnit.SECONDS);
            System.out.println("lock sets {A, B} vs {B, A}: this process " + ours + ", the other " + theirs);
            for (String result : new String[] {ours, theirs}) {
                assertThat(result).isNotNull().startsWith("DONE ");
                String[] fields = result.split(" ");
                assertThat(Integer.parseInt(fields[1])).as("acquired, of " + iterations).isEqualTo(iterations);
                assertThat(Long.parseLong(fields[2])).as("longest wait (ms)").isLessThan(timeoutMillis);
                assertThat(Integer.parseInt(fields[3])).as("failures").isZero();
            }
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
    }
}
