package dev.pals.jooq.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.jooq.Db;
import dev.pals.jooq.JooqLocker;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that reaps idle sessions ({@code idle_session_timeout}, PostgreSQL 14+) takes an idle
 * holder's lock away; with keepalive on, it does not.
 */
@Timeout(60)
class IdleSessionTimeoutTest {
    private static final String REAPING_URL_OPTIONS = "options=-c%20idle_session_timeout%3D1000";

    private static JooqLocker.Builder reaped(String app) {
        String url = Db.url() + (Db.url().contains("?") ? "&" : "?") + REAPING_URL_OPTIONS;
        return Db.builder(app).url(url).user(Db.user()).password(Db.password());
    }

    @Test
    void anIdleHolderLosesItsLock() throws Exception {
        Recorder recorder = new Recorder();
        String app = Db.uniqueApp("idle");
        try (Locker locker = reaped(app).listener(recorder).build(); Locker other = Db.locker(app).build()) {
            Lock lock = locker.lock("k").onLost(recorder.lockCallback());
            assertThat(lock.acquire()).isTrue();
            Thread.sleep(2500);
            assertThat(other.lock("k").acquire(false)).as("the server ended the idle session").isTrue();
            assertThat(lock.confirmHeld()).isFalse();
            assertThat(recorder.lockCallbacks(lock.name())).isEqualTo(1);
        }
    }

    @Test
    void withKeepaliveAnIdleHolderKeepsItsLock() throws Exception {
        String app = Db.uniqueApp("keepalive");
        try (Locker locker = reaped(app).keepaliveInterval(Duration.ofMillis(300)).build();
                Locker other = Db.locker(app).build()) {
            Lock lock = locker.lock("k");
            assertThat(lock.acquire()).isTrue();
            Thread.sleep(2500);
            assertThat(other.lock("k").acquire(false)).isFalse();
            assertThat(lock.confirmHeld()).isTrue();
            assertThat(lock.release()).isTrue();
        }
    }
}
