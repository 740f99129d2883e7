package dev.pals.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.Locker;
import dev.pals.micrometer.MeterNames;
import dev.pals.micrometer.PalsMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** When PALs meters and observations are bound, and to what. */
class MetricsAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PalsAutoConfiguration.class))
            .withPropertyValues(TestDb.pals());

    private static double connectionsMax(MeterRegistry registry, String application) {
        return registry.get(MeterNames.CONNECTIONS_MAX).tag(MeterNames.TAG_APPLICATION, application).gauge().value();
    }

    @Test
    void springBootsMeterRegistryGetsTheLockersMetersTaggedWithTheApplication() {
        runner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                        CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
                .withPropertyValues("spring.application.name=metered", "pals.max-pool-size=4")
                .run(context -> {
                    assertThat(context).hasSingleBean(PalsMetrics.class);
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    Locker locker = context.getBean(Locker.class);
                    assertThat(connectionsMax(registry, "metered")).isEqualTo(4);
                    assertThat(locker.lock("job").acquire()).isTrue();
                    assertThat(registry.get(MeterNames.ACQUIRE).tag(MeterNames.TAG_OUTCOME, MeterNames.ACQUIRED)
                            .timer().count()).isEqualTo(1);
                });
    }

    @Test
    void theApplicationTagOfSpringBootsMetricsIsKept() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("spring.application.name=orders", "management.metrics.tags.application=orders-eu")
                .run(context -> assertThat(connectionsMax(context.getBean(MeterRegistry.class), "orders-eu")).isEqualTo(8));
    }

    @Test
    void lockNameTagIsApplied() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("pals.app-name=tagged", "pals.metrics.lock-name-tag=5")
                .run(context -> {
                    assertThat(context.getBean(Locker.class).lock("report").acquire()).isTrue();
                    assertThat(context.getBean(MeterRegistry.class).get(MeterNames.ACQUIRE)
                            .tag(MeterNames.TAG_LOCK, "tagged.report").timer().count()).isEqualTo(1);
                });
    }

    @Test
    void noMeterRegistryNoMetrics() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(Locker.class).doesNotHaveBean(PalsMetrics.class);
            assertThat(context.getBean(Locker.class).lock("x").acquire()).isTrue();
        });
    }

    @Test
    void metricsEnabledFalseBindsNothing() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).withPropertyValues("pals.metrics.enabled=false")
                .run(context -> {
                    assertThat(context).hasSingleBean(Locker.class).doesNotHaveBean(PalsMetrics.class);
                    assertThat(context.getBean(MeterRegistry.class).find(MeterNames.CONNECTIONS_MAX).gauge()).isNull();
                });
    }

    @Test
    void withoutPalsMetricsOnTheClasspathTheLockerStillWorks() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withClassLoader(new FilteredClassLoader(PalsMetrics.class))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Locker.class).doesNotHaveBean(PalsMetrics.class);
                    assertThat(context.getBean(Locker.class).lock("x").acquire()).isTrue();
                });
    }

    @Test
    void aPalsMetricsBeanOfTheApplicationIsTheOneBound() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).withUserConfiguration(OwnMetrics.class)
                .run(context -> {
                    assertThat(context).hasSingleBean(PalsMetrics.class);
                    assertThat(context.getBean(MeterRegistry.class).get(MeterNames.CONNECTIONS_MAX)
                            .tag("locker", "own").gauge().value()).isEqualTo(8);
                });
    }

    @Test
    void acquiresAreObservedWithAnObservationRegistry() {
        Recorder recorder = new Recorder();
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withBean(ObservationRegistry.class, () -> recorder.registry())
                .withPropertyValues("pals.metrics.observe-holds=true")
                .run(context -> {
                    var held = context.getBean(Locker.class).lock("observed").hold();
                    held.close();
                    assertThat(recorder.stopped).containsExactlyInAnyOrder(MeterNames.OBSERVATION_ACQUIRE, MeterNames.OBSERVATION_HOLD);
                });
    }

    @Test
    void observationsFalseObservesNothing() {
        Recorder recorder = new Recorder();
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withBean(ObservationRegistry.class, () -> recorder.registry())
                .withPropertyValues("pals.metrics.observations=false")
                .run(context -> {
                    assertThat(context.getBean(Locker.class).lock("unobserved").acquire()).isTrue();
                    assertThat(recorder.stopped).isEmpty();
                    assertThat(context.getBean(MeterRegistry.class).get(MeterNames.ACQUIRE).timer().count()).isEqualTo(1);
                });
    }

    /** An ObservationRegistry that records the names of the observations stopped. */
    static final class Recorder {
        final List<String> stopped = new CopyOnWriteArrayList<>();

        ObservationRegistry registry() {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new ObservationHandler<Observation.Context>() {
                @Override
                public boolean supportsContext(Observation.Context context) {
                    return true;
                }

                @Override
                public void onStop(Observation.Context context) {
                    stopped.add(context.getName());
                }
            });
            return registry;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnMetrics {
        @Bean
        PalsMetrics ownMetrics(MeterRegistry registry) {
            return PalsMetrics.builder(registry).tags("locker", "own").build();
        }
    }
}
