package dev.pals.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.TransactionLock;
import dev.pals.jooq.JooqTransactionLocker;
import dev.pals.testing.TestDatabase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PalsMetrics as the listener of a transaction locker: acquires metered by outcome, no hold meters. */
@Timeout(60)
class TransactionMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private long acquires(String outcome, LockMode mode) {
        Timer timer = registry.find(MeterNames.ACQUIRE).tag(MeterNames.TAG_OUTCOME, outcome)
                .tag(MeterNames.TAG_MODE, mode.label()).timer();
        return timer == null ? 0 : timer.count();
    }

    private Set<String> palsMeters() {
        return registry.getMeters().stream().map(meter -> meter.getId().getName()).filter(name -> name.startsWith("pals."))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Connection transaction() throws java.sql.SQLException {
        Connection connection = TestDatabase.get().connect();
        connection.setAutoCommit(false);
        return connection;
    }

    @Test
    void acquiresAreMeteredByOutcomeAndHoldsNotAtAll() throws Exception {
        PalsMetrics metrics = PalsMetrics.builder(registry).build();
        String app = Db.uniqueApp("xact-metrics");
        JooqTransactionLocker locker = JooqTransactionLocker.builder(app).listener(metrics).build();
        metrics.bindTo(locker);
        TransactionLock lock = locker.lock("report");
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (Connection a = transaction(); Connection b = transaction()) {
            assertThat(lock.acquire(a)).isTrue();
            assertThat(lock.acquire(b, false)).isFalse();
            assertThat(lock.acquire(b, Duration.ofMillis(200))).isFalse();
            assertThat(locker.lock("report", LockMode.SHARED).acquire(b, false)).isFalse();

            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> lock.acquire(b), thread);
            Gauge pending = registry.find(MeterNames.LOCK_PENDING).tag(MeterNames.TAG_APPLICATION, app).gauge();
            await().atMost(Duration.ofSeconds(10)).until(() -> pending.value() == 1.0);
            a.commit();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(pending.value()).isZero();
            b.commit();

            assertThat(acquires(MeterNames.ACQUIRED, LockMode.EXCLUSIVE)).isEqualTo(2);
            assertThat(acquires(MeterNames.UNAVAILABLE, LockMode.EXCLUSIVE)).isEqualTo(1);
            assertThat(acquires(MeterNames.UNAVAILABLE, LockMode.SHARED)).isEqualTo(1);
            Timer timeout = registry.find(MeterNames.ACQUIRE).tag(MeterNames.TAG_OUTCOME, MeterNames.TIMEOUT).timer();
            assertThat(timeout.count()).isEqualTo(1);
            assertThat(timeout.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(200);
            assertThat(timeout.getId().getTag(MeterNames.TAG_APPLICATION)).isEqualTo(app);
            // Released at commit, unseen: no held timer, no held-now, no lost counter, no connection gauges.
            assertThat(palsMeters()).containsExactly(MeterNames.ACQUIRE, MeterNames.LOCK_PENDING);
            assertThat(metrics.toString()).contains("transaction locks");
        } finally {
            thread.shutdownNow();
        }
        metrics.close();
        assertThat(palsMeters()).isEmpty();
    }

    @Test
    void aTransactionLockerAndALockerOfOneApplicationNeedTagsApartInOneRegistry() {
        String app = Db.uniqueApp("xact-metrics");
        PalsMetrics forTransactions = PalsMetrics.builder(registry).build();
        PalsMetrics forSessions = PalsMetrics.builder(registry).build();
        PalsMetrics tagged = PalsMetrics.builder(registry).tags("locker", "sessions").build();
        JooqTransactionLocker transactions = JooqTransactionLocker.builder(app).listener(forTransactions).build();
        forTransactions.bindTo(transactions);
        try (Locker sessions = Db.locker(app).listener(forSessions).build()) {
            assertThatThrownBy(() -> forSessions.bindTo(sessions)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("tell them apart");
            assertThatThrownBy(() -> forTransactions.bindTo(sessions)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already bound to JooqTransactionLocker");
            tagged.bindTo(sessions);
        }
        forTransactions.close();
    }
}
