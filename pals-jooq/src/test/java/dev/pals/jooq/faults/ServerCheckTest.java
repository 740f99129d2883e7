package dev.pals.jooq.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.jooq.Db;
import dev.pals.testing.EmbeddedServer;
import dev.pals.testing.ServerView;
import dev.pals.testing.TcpProxy;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A session lock is only worth something on the primary that granted it: a standby is refused, and a
 * server that changed behind the same address (a failover, a restart) makes every lock on the old one
 * lost, even where its session still answers.
 */
@Timeout(120)
class ServerCheckTest {

    @Test
    void aStandbyIsRefusedWithAClearErrorAndNothingTaken() throws Exception {
        try (EmbeddedServer standby = EmbeddedServer.start(Map.of())) {
            standby.stop();
            // A server started with standby.signal and nowhere to read WAL from stays a hot standby.
            Files.createFile(standby.dataDirectory().resolve("standby.signal"));
            standby.start();
            try (Locker locker = Db.builder("on-standby").url(standby.url()).user("postgres").build()) {
                assertThatThrownBy(() -> locker.lock("k").acquire()).isInstanceOfSatisfying(AcquireFailure.class, failure -> {
                    assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.UNSUITABLE_CONNECTION);
                    assertThat(failure.getMessage()).contains("standby").contains("pg_is_in_recovery()")
                            .contains("primary");
                });
                assertThat(locker.stats().locksHeld()).isZero();
                assertThat(locker.stats().connectionsInUse()).isZero();
            }
        }
    }

    @Test
    void aServerThatChangedBehindTheSameAddressMakesEveryLockOnTheOldOneLost() throws Exception {
        Recorder recorder = new Recorder();
        try (EmbeddedServer other = EmbeddedServer.start(Map.of());
                TcpProxy proxy = TcpProxy.start(Db.host(), Db.port());
                Locker locker = Db.builder(Db.uniqueApp("failover"))
                        .url("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + Db.database())
                        .user(Db.user()).password(Db.password()).listener(recorder).build()) {
            Lock first = locker.lock("k", LockMode.SHARED).onLost(recorder.lockCallback());
            assertThat(first.acquire()).isTrue();
            assertThat(ServerView.holders(first.key())).hasSize(1);

            // The address now leads to another server; the old session still answers.
            proxy.retarget("localhost", other.port());
            // A second shared holder of the key needs a session of its own: a new one, on the new server.
            Lock second = locker.lock("k", LockMode.SHARED);
            assertThat(second.acquire(Duration.ofSeconds(5))).isTrue();

            assertThat(recorder.lockCallbacks(first.name())).isEqualTo(1);
            assertThat(recorder.listenerLost).containsExactly(first.name());
            assertThat(first.isHeld()).isFalse();
            assertThat(first.release()).isFalse();
            // The old server's session was ended: its lock there is gone too.
            await().atMost(Duration.ofSeconds(5)).until(() -> ServerView.holders(first.key()).isEmpty());
            assertThat(second.isHeld()).isTrue();
            assertThat(second.confirmHeld()).isTrue();
            assertThat(second.release()).isTrue();
        }
    }
}
