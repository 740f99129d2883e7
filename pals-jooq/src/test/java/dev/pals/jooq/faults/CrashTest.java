package dev.pals.jooq.faults;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.jooq.Db;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A process holding a lock is killed with SIGKILL: the lock is free for another process within 2 s. */
@Timeout(60)
class CrashTest {

    @Test
    void aKilledHoldersLockIsAcquiredElsewhereWithinTwoSeconds() throws Exception {
        String app = Db.uniqueApp("crash");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HoldLockMain.class.getName(), app, Db.url(),
                Db.user() == null ? "" : Db.user(), "k"));
        if (Db.user() == null) {
            command.remove(command.size() - 2);
        }
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (Locker locker = locker(app).build()) {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.equals("HELD")) {
                assertThat(line).doesNotContain("NOT ACQUIRED");
            }
            assertThat(line).isEqualTo("HELD");
            Lock lock = locker.lock("k");
            assertThat(lock.acquire(false)).isFalse();

            long killedAt = System.nanoTime();
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no release
            assertThat(lock.acquire(Duration.ofSeconds(2))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isLessThan(Duration.ofSeconds(2));
            lock.release();
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
    }
}
