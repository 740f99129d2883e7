package dev.pals.micrometer;

import static dev.pals.micrometer.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockListener;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import dev.pals.testing.ThrowingListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each meter moves for the right reason, on a real PostgreSQL. */
@Timeout(60)
class PalsMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** A Locker of a new application with metrics bound to it. */
    private Locker bound(PalsMetrics metrics, JooqLockerBuilderTweak tweak) {
        Locker locker = tweak.apply(locker(Db.uniqueApp("metrics")).listener(metrics)).build();
        metrics.bindTo(locker);
        return locker;
    }

    private interface JooqLockerBuilderTweak {
        dev.pals.jooq.JooqLocker.Builder apply(dev.pals.jooq.JooqLocker.Builder builder);
    }

    private Timer acquireTimer(String outcome, LockMode mode) {
        return registry.find(MeterNames.ACQUIRE).tag(MeterNames.TAG_OUTCOME, outcome).tag(MeterNames.TAG_MODE, mode.label())
                .timer();
    }

    private long acquires(String outcome) {
        return registry.find(MeterNames.ACQUIRE).tag(MeterNames.TAG_OUTCOME, outcome).timers().stream()
                .mapToLong(Timer::count).sum();
    }

    private Set<String> palsMeters() {
        return registry.getMeters().stream().map(meter -> meter.getId().getName()).filter(name -> name.startsWith("pals."))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void anAcquireRecordsItsWaitTaggedAcquiredAndAReleaseItsHoldTime() throws Exception {
        PalsMetrics metrics = PalsMetrics.builder(registry).build();
        try (Locker locker = bound(metrics, b -> b)) {
            Lock lock = locker.lock("report");
            assertThat(lock.acquire()).isTrue();
            assertThat(lock.acquire()).isTrue(); // re-entry: no round trip, no second acquire recorded
            Thread.sleep(150);
            lock.release();
            lock.release();

            Timer acquired = acquireTimer(MeterNames.ACQUIRED, LockMode.EXCLUSIVE);
            assertThat(acquired.count()).isEqualTo(1);
            assertThat(acquired.getId().getTag(MeterNames.TAG_APPLICATION)).isEqualTo(locker.appName().orElseThrow());
            Timer held = registry.find(MeterNames.HELD).tag(MeterNames.TAG_MODE, "exclusive").timer();
            assertThat(held.count()).isEqualTo(1);
            assertThat(held.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(150);
            assertThat(acquires(MeterNames.TIMEOUT) + acquires(MeterNames.UNAVAILABLE) + acquires(MeterNames.ERROR)).isZero();
            assertThat(registry.find(MeterNames.LOST).counter().count()).isZero();
        }
    }

    @Test
    void aTimeoutCountsAsTimeoutAndAFailedTryAsUnavailable() {
        PalsMetrics metrics = PalsMetrics.builder(registry).build();
        try (Locker locker = bound(metrics, b -> b);
                Locker other = locker(locker.appName().orElseThrow()).build()) {
            Lock elsewhere = other.lock("busy");
            assertThat(elsewhere.acquire()).isTrue();

            assertThat(locker.lock("busy").acquire(Duration.ofMillis(300))).isFalse();
            Timer timeout = acquireTimer(MeterNames.TIMEOUT, LockMode.EXCLUSIVE);
            assertThat(timeout.count()).isEqualTo(1);
            assertThat(timeout.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(300); // the wait is the point

            assertThat(locker.lock("busy", LockMode.SHARED).acquire(false)).isFalse();
            assertThat(acquireTimer(MeterNames.UNAVAILABLE, LockMode.SHARED).count()).isEqualTo(1);

            assertThat(acquires(MeterNames.ACQUIRED)).isZero();
            assertThat(registry.find(MeterNames.HELD).timers().stream().mapToLong(Timer::count).sum()).isZero();
            elsewhere.release();
        }
    }

    @Test
    void noFreeConnectionCountsAsTimeoutWhileThePoolGaugesShowTheQueue() throws Exception {
        PalsMetrics metrics = PalsMetrics.builder(registry).build();
        try (Locker locker = bound(metrics, b -> b.maxPoolSize(1));
                Locker other = locker(locker.appName().orElseThrow()).build()) {
            assertThat(registry.get(MeterNames.CONNECTIONS_MAX).gauge().value()).isEqualTo(1);
            // The pool's one connection waits at the server for a lock held elsewhere: nothing else can use it.
            Lock theirs = other.lock("first");
            assertThat(theirs.acquire()).isTrue();
            Lock first = locker.lock("first");
            CompletableFuture<Boolean> firstWaits = CompletableFuture.supplyAsync(() -> first.acquire(Duration.ofSeconds(10)));
            await().atMost(Duration.ofSeconds(5)).until(() -> registry.get(MeterNames.LOCK_PENDING).gauge().value() == 1);
            assertThat(registry.get(MeterNames.CONNECTIONS_ACTIVE).gauge().value()).isEqualTo(1);

            Lock second = locker.lock("second");
            CompletableFuture<Boolean> queued = CompletableFuture.supplyAsync(() -> second.acquire(Duration.ofSeconds(10)));
            await().atMost(Duration.ofSeconds(5)).until(() -> registry.get(MeterNames.CONNECTIONS_PENDING).gauge().value() == 1);
            theirs.release();
            assertThat(firstWaits.get(5, TimeUnit.SECONDS)).isTrue();
            first.release();
            assertThat(queued.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(registry.get(MeterNames.CONNECTIONS_PENDING).gauge().value()).isZero();

            // The pool's one connection now holds "second": a wait for a lock held elsewhere needs a
            // connection of its own, and none comes.
            assertThat(other.lock("third").acquire()).isTrue();
            assertThat(locker.lock("third").acquire(Duration.ofMillis(200))).isFalse();
            assertThat(acquireTimer(MeterNames.TIMEOUT, LockMode.EXCLUSIVE).count()).isEqualTo(1);
            assertThat(registry.get(MeterNames.LOCK_PENDING).gauge().value()).isZero();
            second.release();
        }
    }

    @Test
    void theMostLocksOnOneConnectionShowWhatALostSessionWouldTake() {
        for (boolean multiplexing : new boolean[] {true, false}) {
            SimpleMeterRegistry own = new SimpleMeterRegistry();
            PalsMetrics metrics = PalsMetrics.builder(own).build();
            Locker locker = locker(Db.uniqueApp("metrics")).multiplexing(multiplexing).listener(metrics).build();
            metrics.bindTo(locker);
            try (locker) {
                List<Lock> locks = new java.util.ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    Lock lock = locker.lock("k" + i);
                    assertThat(lock.acquire()).isTrue();
                    locks.add(lock);
                }
                assertThat(own.get(MeterNames.CONNECTIONS_LOCKS_MAX).gauge().value()).as("multiplexing %s", multiplexing)
                        .isEqualTo(multiplexing ? 5 : 1);
                assertThat(own.get(MeterNames.CONNECTIONS_ACTIVE).gauge().value()).isEqualTo(multiplexing ? 1 : 5);
                locks.forEach(Lock::release);
                assertThat(own.get(MeterNames.CONNECTIONS_LOCKS_MAX).gauge().value()).isZero();
            }
        }
    }

    @Test
    void theLockPendingGaugeCountsAcquiresWaitingInPostgres() throws Exception {
        PalsMetrics metrics = PalsMetrics.builder(registry).build();
        try (Locker locker = bound(metrics, b -> b);
                Locker other = locker(locker.appName().orElseThrow()).build()) {
            Lock elsewhere = other.lock("gate");
            assertThat(elsewhere.acquire()).isTrue();
            Lock gate = locker.lock("gate");
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> gate.acquire(Duration.ofSeconds(10)));
            await().atMost(Duration.ofSeconds(5)).until(() -> registry.get(MeterNames.LOCK_PENDING).gauge().value() == 1);
            elsewhere.release();
            assertThat(waiting.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(registry.get(MeterNames.LOCK_PENDING).gauge().value()).isZero();
            gate.release();
        }
    }

    @Test
    void locksHeldNowAndTheLongestCurrentHoldFollowTheHolders() throws Exception {
        PalsMetrics metrics = PalsMetrics.builder(registry).build();
        try (Locker locker = bound(metrics, b -> b)) {
            LongTaskTimer shared = registry.get(MeterNames.HELD_ACTIVE).tag(MeterNames.TAG_MODE, "shared").longTaskTimer();
            assertThat(shared.activeTasks()).isZero(); // registered at 0 before anything happened
            Lock readerA = locker.lock("doc", LockMode.SHARED);
            Lock readerB = locker.lock("doc", LockMode.SHARED);
            assertThat(readerA.acquire()).isTrue();
            Thread.sleep(100);
            assertThat(readerB.acquire()).isTrue();
            assertThat(shared.activeTasks()).isEqualTo(2);
            assertThat(shared.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(100);
            readerA.release();
            assertThat(shared.activeTasks()).isEqualTo(1);
            readerB.release();
            assertThat(shared.activeTasks()).isZero();
            assertThat(shared.max(TimeUnit.MILLISECONDS)).isZero();
        }
    }

    @Test
    void aLockWhoseSessionDiedCountsAsLostAndIsNoLongerHeld() {
        PalsMetrics metrics = PalsMetrics.builder(registry).build();
        try (Locker locker = bound(metrics, b -> b)) {
            Counter lost = registry.get(MeterNames.LOST).tag(MeterNames.TAG_MODE, "exclusive").counter();
            assertThat(lost.count()).isZero();
            Lock lock = locker.lock("fragile");
            assertThat(lock.acquire()).isTrue();
            ServerView.terminate(ServerView.holders(lock.key()).get(0));
            assertThat(lock.release()).isFalse();

            assertThat(lost.count()).isEqualTo(1);
            assertThat(registry.get(MeterNames.HELD_ACTIVE).tag(MeterNames.TAG_MODE, "exclusive").longTaskTimer().activeTasks()).isZero();
            assertThat(registry.find(MeterNames.HELD).timers().stream().mapToLong(Timer::count).sum()).isZero();
            assertThat(registry.get(MeterNames.CONNECTIONS_RESET).tag(MeterNames.TAG_OUTCOME, MeterNames.DESTROYED).counter().count())
                    .isEqualTo(1);
        }
    }

    @Test
    void aThrowingListenerBesideTheMetricsChangesNothing() {
        LockListener thrower = new ThrowingListener();
        PalsMetrics metrics = PalsMetrics.builder(registry).build();
        Locker locker = locker(Db.uniqueApp("metrics")).listener(LockListener.composite(thrower, metrics)).build();
        metrics.bindTo(locker);
        try (locker) {
            try (HeldLock held = locker.lock("steady").hold()) {
                assertThat(held.lock().isHeld()).isTrue();
            }
            assertThat(acquireTimer(MeterNames.ACQUIRED, LockMode.EXCLUSIVE).count()).isEqualTo(1);
            assertThat(registry.get(MeterNames.HELD).tag(MeterNames.TAG_MODE, "exclusive").timer().count()).isEqualTo(1);
            assertThat(registry.get(MeterNames.HELD_ACTIVE).tag(MeterNames.TAG_MODE, "exclusive").longTaskTimer().activeTasks()).isZero();
        }
    }

    @Test
    void aFailingRegistryNeverBreaksAcquireOrRelease() {
        MeterRegistry failing = new SimpleMeterRegistry();
        PalsMetrics metrics = PalsMetrics.builder(failing).build();
        try (Locker locker = locker(Db.uniqueApp("metrics")).listener(metrics).build()) {
            metrics.bindTo(locker);
            failing.config().meterFilter(new MeterFilter() {
                @Override
                public Meter.Id map(Meter.Id id) {
                    throw new IllegalStateException("registry broken");
                }
            });
            Lock lock = locker.lock("robust");
            assertThat(lock.acquire()).isTrue();
            assertThat(lock.release()).isTrue();
            assertThat(ServerView.holders(lock.key())).isEmpty();
        }
    }

    @Test
    void everyMeterIsRemovedWhenTheMetricsClose() {
        PalsMetrics metrics = PalsMetrics.builder(registry).lockNameTag(10).build();
        try (Locker locker = bound(metrics, b -> b)) {
            Lock lock = locker.lock("a");
            assertThat(lock.acquire()).isTrue();
            assertThat(locker.lock("a").acquire(false)).isFalse();
            assertThat(palsMeters()).containsExactly("pals.connections.active", "pals.connections.locks.max", "pals.connections.max",
                    "pals.connections.pending", "pals.connections.reset", "pals.lock.acquire", "pals.lock.held",
                    "pals.lock.held.active", "pals.lock.lost", "pals.lock.pending");
            metrics.close();
            assertThat(palsMeters()).isEmpty();
            lock.release();
            assertThat(lock.acquire()).isTrue(); // events after close register nothing
            assertThat(palsMeters()).isEmpty();
        }
    }

    @Test
    void everyMeterIsRemovedWhenTheLockerCloses() {
        PalsMetrics metrics = PalsMetrics.builder(registry).build();
        Locker locker = bound(metrics, b -> b);
        Lock lock = locker.lock("kept");
        assertThat(lock.acquire()).isTrue();
        assertThat(palsMeters()).isNotEmpty();
        locker.close();
        assertThat(metrics.isClosed()).isTrue();
        assertThat(palsMeters()).isEmpty();
        assertThatThrownBy(() -> metrics.bindTo(locker)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aLockerWithoutAnApplicationIsTaggedNoneAndTheTagCanBeGiven() {
        PalsMetrics bare = PalsMetrics.builder(registry).build();
        PalsMetrics named = PalsMetrics.builder(registry).application("billing-service").tags("locker", "primary").build();
        try (Locker anonymous = locker(null).listener(bare).build(); Locker locker = locker(Db.uniqueApp("x")).listener(named).build()) {
            bare.bindTo(anonymous);
            named.bindTo(locker);
            assertThat(registry.get(MeterNames.CONNECTIONS_ACTIVE).tag(MeterNames.TAG_APPLICATION, MeterNames.NO_APPLICATION).gauge())
                    .isNotNull();
            assertThat(registry.get(MeterNames.CONNECTIONS_ACTIVE).tag(MeterNames.TAG_APPLICATION, "billing-service")
                    .tag("locker", "primary").gauge()).isNotNull();
        }
    }

    @Test
    void bindingTwiceOrTwoLockersUnderOneNameIsRefused() {
        PalsMetrics first = PalsMetrics.builder(registry).application("same").build();
        PalsMetrics second = PalsMetrics.builder(registry).application("same").build();
        try (Locker a = locker(null).listener(first).build(); Locker b = locker(null).listener(second).build()) {
            first.bindTo(a);
            assertThatThrownBy(() -> first.bindTo(b)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already bound");
            assertThatThrownBy(() -> second.bindTo(b)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("tell them apart");
        }
    }

    @Test
    void settingsAreCheckedWhenGiven() {
        assertThatThrownBy(() -> PalsMetrics.builder(registry).lockNameTag(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("lockNameTag maxNames must be positive: 0");
        assertThatThrownBy(() -> PalsMetrics.builder(registry).tags("mode", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mode");
        assertThatThrownBy(() -> PalsMetrics.builder(registry).application(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("application");
        assertThatThrownBy(() -> PalsMetrics.builder(registry).observeHolds(true).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("observations");
    }

    @Test
    void theLockNameTagIsOffByDefaultAndCappedWhenOn() {
        PalsMetrics plain = PalsMetrics.builder(registry).application("plain").build();
        PalsMetrics tagged = PalsMetrics.builder(registry).application("tagged").lockNameTag(2).build();
        try (Locker a = locker(Db.uniqueApp("plain")).listener(plain).build();
                Locker b = locker(Db.uniqueApp("tagged")).listener(tagged).build()) {
            plain.bindTo(a);
            tagged.bindTo(b);
            for (String name : List.of("n1", "n2", "n3", "n4", "n1")) {
                try (HeldLock held = a.lock(name).hold(); HeldLock alsoHeld = b.lock(name).hold()) {
                    assertThat(held.lock().isHeld() && alsoHeld.lock().isHeld()).isTrue();
                }
            }
            assertThat(registry.find(MeterNames.ACQUIRE).tag(MeterNames.TAG_APPLICATION, "plain").timers())
                    .allSatisfy(timer -> assertThat(timer.getId().getTag(MeterNames.TAG_LOCK)).isNull());
            String app = b.appName().orElseThrow();
            assertThat(registry.find(MeterNames.ACQUIRE).tag(MeterNames.TAG_APPLICATION, "tagged").timers().stream()
                    .collect(Collectors.toMap(timer -> timer.getId().getTag(MeterNames.TAG_LOCK), Timer::count)))
                    .containsOnly(
                            org.assertj.core.api.Assertions.entry(app + ".n1", 2L),
                            org.assertj.core.api.Assertions.entry(app + ".n2", 1L),
                            org.assertj.core.api.Assertions.entry(MeterNames.OTHER_LOCKS, 2L));
        }
    }

    @Test
    void everyFailureReasonHasAnOutcome() {
        assertThat(List.of(AcquireFailure.Reason.values()).stream().map(MeterNames::outcome).collect(Collectors.toList()))
                .containsExactly("timeout", "unavailable", "timeout", "error", "error", "deadlock", "error", "error", "error",
                        "error", "error");
    }

    @Test
    void eventsBeforeBindingAreNotCounted() {
        PalsMetrics metrics = PalsMetrics.builder(registry).build();
        try (Locker locker = locker(Db.uniqueApp("metrics")).listener(metrics).build()) {
            try (HeldLock held = locker.lock("early").hold()) {
                assertThat(palsMeters()).isEmpty();
            }
            metrics.bindTo(locker);
            assertThat(acquires(MeterNames.ACQUIRED)).isZero();
            assertThat(registry.get(MeterNames.HELD_ACTIVE).tag(MeterNames.TAG_MODE, "exclusive").longTaskTimer().activeTasks()).isZero();
        }
    }
}
