package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pals.AcquireFailure;
import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.testing.PgBouncer;
import dev.pals.testing.PgBouncer.PoolMode;
import dev.pals.testing.ServerView;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A Locker pointed at a transaction pooler refuses to work, at its first acquire, with an error that says
 * what it found and what to use instead; behind a pooler in session mode it works as on a direct
 * connection. Through a real PgBouncer; skipped, saying how to install it, where the binary is missing
 * ({@code .ci/run} installs it).
 */
@Timeout(60)
class PoolerCheckTest {

    @BeforeEach
    void needsPgBouncer() {
        assumeTrue(PgBouncer.isInstalled(), PgBouncer.HOW_TO_INSTALL);
    }

    private static void assertRefused(Lock lock, boolean tryOnly) {
        assertThatThrownBy(() -> {
            if (tryOnly) {
                lock.acquire(false);
            } else {
                lock.acquire(Duration.ofSeconds(5));
            }
        }).isInstanceOfSatisfying(AcquireFailure.class, failure -> {
            assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.UNSUITABLE_CONNECTION);
            assertThat(failure.getMessage()).contains("transaction pooler").contains("JooqTransactionLocker")
                    .contains("session mode");
        });
        assertThat(lock.isHeld()).isFalse();
    }

    @Test
    void aLockerBehindATransactionPoolerRefusesItsFirstAcquireAndEveryOneAfter() {
        try (PgBouncer bouncer = PgBouncer.start(PoolMode.TRANSACTION, 4);
                Locker locker = Db.builder(Db.uniqueApp("tx-pooler")).url(bouncer.url()).user(bouncer.user())
                        .password(bouncer.password()).build()) {
            Lock lock = locker.lock("k");
            assertRefused(lock, false);
            assertRefused(locker.lock("other"), true);
            assertRefused(lock, false);
            // Nothing was taken at the server, and the Locker keeps nothing.
            assertThat(ServerView.holders(lock.key())).isEmpty();
            assertThat(locker.stats().locksHeld()).isZero();
            assertThat(locker.stats().connectionsInUse()).isZero();
        }
    }

    @Test
    void aUserDataSourceThatGoesThroughATransactionPoolerIsRefusedToo() {
        try (PgBouncer bouncer = PgBouncer.start(PoolMode.TRANSACTION, 4)) {
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setUrl(bouncer.url());
            dataSource.setUser(bouncer.user());
            dataSource.setPassword(bouncer.password());
            try (Locker locker = Db.builder(Db.uniqueApp("tx-pooler-ds")).dataSource(dataSource).build()) {
                Lock lock = locker.lock("k");
                assertRefused(lock, false);
                assertThat(ServerView.holders(lock.key())).isEmpty();
                assertThat(locker.stats().locksHeld()).isZero();
                assertThat(locker.stats().connectionsInUse()).isZero();
            }
        }
    }

    @Test
    void behindASessionPoolerLocksWorkAndExcludeOtherLockers() throws Exception {
        String app = Db.uniqueApp("session-pooler");
        try (PgBouncer bouncer = PgBouncer.start(PoolMode.SESSION, 8);
                Locker first = Db.builder(app).url(bouncer.url()).user(bouncer.user())
                        .password(bouncer.password()).maxPoolSize(2).build();
                Locker second = Db.builder(app).url(bouncer.url()).user(bouncer.user())
                        .password(bouncer.password()).maxPoolSize(2).build()) {
            Lock held = first.lock("k");
            assertThat(held.acquire(Duration.ofSeconds(5))).isTrue();
            assertThat(ServerView.holders(held.key())).hasSize(1);
            Lock contender = second.lock("k");
            assertThat(contender.acquire(false)).isFalse();
            assertThat(held.confirmHeld()).isTrue();
            assertThat(held.release()).isTrue();
            assertThat(contender.acquire(Duration.ofSeconds(5))).isTrue();
            assertThat(contender.release()).isTrue();
        }
    }
}
