package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.testing.ServerView;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Transaction locks from jOOQ: in {@code dsl.transaction(...)} through its Configuration or DSLContext,
 * and as fields and conditions inside queries of one's own.
 */
@Timeout(60)
class TransactionLockJooqTest {
    private final String app = Db.uniqueApp("xact-jooq");
    private final JooqTransactionLocker locker = JooqTransactionLocker.builder(app).build();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private Connection connection;
    /** On one connection in autocommit mode; {@code dsl.transaction(...)} switches it for the transaction. */
    private DSLContext dsl;

    @BeforeEach
    void connect() throws SQLException {
        connection = Db.DB.connect();
        // DSL.using(Connection) rather than an overload that also takes Settings: javac would read jOOQ's
        // Settings class, whose optional JAXB annotations are not on the classpath (a warning, so an error).
        dsl = DSL.using(connection);
    }

    @AfterEach
    void close() throws SQLException {
        threads.shutdownNow();
        connection.close();
    }

    private static int pid(DSLContext dsl) {
        return dsl.select(DSL.function("pg_backend_pid", Integer.class)).fetchOne(0, Integer.class);
    }

    @Test
    void aLockTakenInDslTransactionIsHeldUntilItCommitsOrRollsBack() {
        JooqTransactionLock lock = locker.lock("jooq-tx");
        dsl.transaction(tx -> {
            lock.hold(tx);
            assertThat(ServerView.holders(lock.key())).containsExactly(pid(tx.dsl()));
            assertThat(lock.acquire(tx.dsl(), false)).isTrue(); // the same transaction: re-entry
        });
        assertThat(ServerView.holders(lock.key())).isEmpty();

        assertThatThrownBy(() -> dsl.transaction(tx -> {
            assertThat(lock.acquire(tx, Duration.ofSeconds(1))).isTrue();
            throw new IllegalStateException("roll back");
        })).hasMessageContaining("roll back");
        assertThat(ServerView.holders(lock.key())).isEmpty();
    }

    @Test
    void aTimedOutWaitInDslTransactionLeavesItUsableAndItCommitsItsWork() throws SQLException {
        String table = "xact_jooq_" + app.replace('-', '_');
        dsl.execute("create table " + table + " (step text)");
        try (Connection holder = Db.DB.connect()) {
            JooqTransactionLock lock = locker.lock("jooq-work");
            holder.setAutoCommit(false);
            lock.hold(holder);
            dsl.transaction(tx -> {
                tx.dsl().execute("insert into " + table + " values ('before')");
                assertThat(lock.acquire(tx, Duration.ofMillis(200))).isFalse();
                assertThatThrownBy(() -> lock.hold(tx.dsl(), Duration.ofMillis(50))).isInstanceOf(AcquireFailure.class);
                assertThat(lock.acquire(tx, false)).isFalse();
                tx.dsl().execute("insert into " + table + " values ('after')");
            });
            holder.rollback();
            assertThat(dsl.fetchValue("select string_agg(step, ', ' order by step) from " + table))
                    .isEqualTo("after, before");
        } finally {
            dsl.execute("drop table " + table);
        }
    }

    @Test
    void aDslContextOutsideATransactionIsRefused() {
        JooqTransactionLock lock = locker.lock("jooq-autocommit");
        assertThatThrownBy(() -> lock.acquire(dsl)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("autocommit").hasMessageContaining("dsl.transaction");
        assertThatThrownBy(() -> lock.hold(dsl.configuration())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> lock.acquire((DSLContext) null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ServerView.holders(lock.key())).isEmpty();
    }

    @Test
    void theTryFieldAndConditionTakeTheLockInAQueryOfOnesOwn() throws Exception {
        JooqTransactionLock lock = locker.lock("jooq-field");
        JooqTransactionLock shared = locker.lock(LockKey.of(7, 8), LockMode.SHARED);
        try (Connection a = Db.DB.connect(); Connection b = Db.DB.connect()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            DSLContext inA = DSL.using(a);
            DSLContext inB = DSL.using(b);
            assertThat(inA.select(lock.tryLockField()).fetchOne(0, Boolean.class)).isTrue();
            assertThat(ServerView.holders(lock.key())).containsExactly(pid(inA));
            assertThat(inB.select(lock.tryLockField()).fetchOne(0, Boolean.class)).isFalse();
            assertThat(inB.selectOne().where(lock.tryLockCondition()).fetch()).isEmpty();
            assertThat(inB.select(shared.tryLockField()).fetchOne(0, Boolean.class)).isTrue();
            assertThat(inA.selectOne().where(shared.tryLockCondition()).fetch()).hasSize(1);

            int waiter = pid(inB);
            CompletableFuture<Boolean> blocking = CompletableFuture.supplyAsync(
                    () -> inB.select(lock.lockField()).fetchOne(0, Boolean.class), threads);
            await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(lock.key()).contains(waiter));
            a.commit();
            assertThat(blocking.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(inB.selectOne().where(lock.lockCondition()).fetch()).hasSize(1); // re-entry
            assertThat(ServerView.holders(lock.key())).containsExactly(waiter);
            b.commit();
            assertThat(ServerView.holders(lock.key())).isEmpty();
            assertThat(ServerView.holders(shared.key())).isEmpty();
        }
    }

    @Test
    void theFieldsRenderThePostgresFunctionsWithTheKeyBound() {
        JooqTransactionLock lock = locker.lock(LockKey.of(42L), LockMode.EXCLUSIVE);
        JooqTransactionLock pair = locker.lock(LockKey.of(1, 2), LockMode.SHARED);
        DSLContext render = DSL.using(SQLDialect.POSTGRES);
        assertThat(render.render(lock.tryLockField())).isEqualTo("pg_try_advisory_xact_lock(?)");
        assertThat(render.renderInlined(pair.tryLockCondition())).isEqualTo("pg_try_advisory_xact_lock_shared(1, 2)");
        assertThat(render.renderInlined(lock.lockCondition())).isEqualTo("pg_advisory_xact_lock(42) is not null");
    }
}
