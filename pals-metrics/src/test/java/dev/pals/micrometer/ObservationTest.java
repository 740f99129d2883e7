package dev.pals.micrometer;

import static dev.pals.micrometer.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.Locker;
import dev.pals.jooq.JooqLocker;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Observations of acquires and holds: spans where a tracer listens, meters of their own where a meter handler does. */
@Timeout(60)
class ObservationTest {
    /** What a tracer would see: each stopped observation, with its key values, parent and error. */
    static final class Spans implements ObservationHandler<Observation.Context> {
        final List<String> stopped = new CopyOnWriteArrayList<>();

        @Override
        public void onStop(Observation.Context context) {
            Map<String, String> keys = new TreeMap<>();
            for (KeyValue keyValue : context.getAllKeyValues()) {
                keys.put(keyValue.getKey(), keyValue.getValue());
            }
            keys.remove(MeterNames.TAG_APPLICATION);
            io.micrometer.observation.ObservationView parent = context.getParentObservation();
            stopped.add(context.getName() + " \"" + context.getContextualName() + "\" " + keys
                    + (parent == null ? "" : " in " + parent.getContextView().getName())
                    + (context.getError() == null ? "" : " error " + context.getError().getClass().getSimpleName()));
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }
    }

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<String> registrationFailures = new ArrayList<>();
    private final ObservationRegistry observations = ObservationRegistry.create();
    private final Spans spans = new Spans();

    ObservationTest() {
        registry.config().onMeterRegistrationFailed((id, reason) -> registrationFailures.add(id + ": " + reason));
        observations.observationConfig().observationHandler(spans);
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(registry));
    }

    @Test
    void anAcquireIsASpanInsideTheRequestThatWaitedAndAHoldIsOneToo() {
        PalsMetrics metrics = PalsMetrics.builder(registry).observations(observations).observeHolds(true).build();
        try (Locker locker = locker(Db.uniqueApp("obs")).listener(metrics).build();
                Locker other = locker(null).build()) {
            metrics.bindTo(locker);
            String app = locker.appName().orElseThrow();
            Observation request = Observation.start("http.server.requests", observations);
            try (Observation.Scope scope = request.openScope()) {
                try (HeldLock held = locker.lock("invoice").hold()) {
                    assertThat(held.lock().isHeld()).isTrue();
                }
                Lock elsewhere = other.lock(locker.key("busy"), dev.pals.LockMode.EXCLUSIVE);
                assertThat(elsewhere.acquire()).isTrue();
                assertThat(locker.lock("busy").acquire(Duration.ofMillis(100))).isFalse();
                elsewhere.release();
            } finally {
                request.stop();
            }
            assertThat(spans.stopped).containsExactly(
                    "pals.lock.wait \"pals acquire\" {mode=exclusive, outcome=acquired, pals.lock.name=" + app
                            + ".invoice} in http.server.requests",
                    "pals.lock.hold \"pals hold\" {mode=exclusive, outcome=released, pals.lock.name=" + app
                            + ".invoice} in http.server.requests",
                    "pals.lock.wait \"pals acquire\" {mode=exclusive, outcome=timeout, pals.lock.name=" + app
                            + ".busy} in http.server.requests",
                    "http.server.requests \"null\" {}");
        }
    }

    @Test
    void aFailedConnectionIsAnAcquireSpanWithTheError() {
        PalsMetrics metrics = PalsMetrics.builder(registry).observations(observations).build();
        // Nothing listens on port 1: the connection is refused, by the real network stack.
        try (Locker locker = JooqLocker.builder("obs").url("jdbc:postgresql://127.0.0.1:1/none").listener(metrics).build()) {
            metrics.bindTo(locker);
            assertThatThrownBy(() -> locker.lock("x").acquire()).isInstanceOf(AcquireFailure.class);
        }
        assertThat(spans.stopped).containsExactly(
                "pals.lock.wait \"pals acquire\" {mode=exclusive, outcome=error, pals.lock.name=obs.x} error AcquireFailure");
        // The Locker closed: PalsMetrics' meters are gone (the meter handler's own stay: they are not ours).
        assertThat(registry.scrape()).doesNotContain("pals_lock_acquire", "pals_connections")
                .contains("pals_lock_wait_seconds_count{application=\"obs\",error=\"AcquireFailure\",mode=\"exclusive\",outcome=\"error\"} 1")
                .contains("pals_lock_wait_active_seconds_count{application=\"obs\",mode=\"exclusive\"} 0");
    }

    @Test
    void anAcquireCutShortByClosingTheLockerEndsItsSpanWithAnError() throws Exception {
        PalsMetrics metrics = PalsMetrics.builder(registry).observations(observations).build();
        Locker locker = locker(Db.uniqueApp("obs")).listener(metrics).build();
        metrics.bindTo(locker);
        try (Locker other = locker(null).build()) {
            Lock elsewhere = other.lock(locker.key("closing"), dev.pals.LockMode.EXCLUSIVE);
            assertThat(elsewhere.acquire()).isTrue();
            Lock waiting = locker.lock("closing");
            java.util.concurrent.CompletableFuture<Boolean> acquire =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> waiting.acquire(Duration.ofSeconds(20)));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> locker.stats().waitingForLock() == 1);
            locker.close();
            assertThatThrownBy(() -> acquire.get(5, java.util.concurrent.TimeUnit.SECONDS))
                    .hasCauseInstanceOf(IllegalStateException.class);
            elsewhere.release();
        }
        assertThat(spans.stopped).containsExactly("pals.lock.wait \"pals acquire\" {mode=exclusive, outcome=error, pals.lock.name="
                + locker.appName().orElseThrow() + ".closing} error IllegalStateException");
    }

    @Test
    void observationMetersAndListenerMetersShareOneRegistryWithoutAClash() {
        PalsMetrics metrics = PalsMetrics.builder(registry).observations(observations).observeHolds(true).build();
        try (Locker locker = locker(Db.uniqueApp("obs")).listener(metrics).build()) {
            metrics.bindTo(locker);
            Lock lock = locker.lock("both");
            assertThat(lock.acquire()).isTrue();
            String whileHeld = registry.scrape();
            lock.release();
            String scrape = registry.scrape();
            assertThat(registrationFailures).isEmpty();
            assertThat(scrape).contains("pals_lock_acquire_seconds_count{", "pals_lock_held_seconds_count{",
                    "pals_lock_wait_seconds_count{", "pals_lock_hold_seconds_count{");
            assertThat(whileHeld).contains("pals_lock_held_active_seconds_count{", "pals_lock_hold_active_seconds_count{");
        }
    }

    @Test
    void observationNamesAndTheMetersTheyMakeDifferFromEveryListenerMeter() throws Exception {
        Set<String> listenerMeters = new HashSet<>();
        for (var field : MeterNames.class.getFields()) {
            String value = String.valueOf(field.get(null));
            if (value.startsWith("pals.") && !field.getName().startsWith("OBSERVATION") && !field.getName().startsWith("KEY")) {
                listenerMeters.add(value);
            }
        }
        assertThat(listenerMeters).hasSize(10);
        Set<String> observationMeters = List.of(MeterNames.OBSERVATION_ACQUIRE, MeterNames.OBSERVATION_HOLD).stream()
                .flatMap(name -> List.of(name, name + ".active").stream()).collect(Collectors.toSet());
        assertThat(observationMeters).doesNotContainAnyElementsOf(listenerMeters);
    }
}
