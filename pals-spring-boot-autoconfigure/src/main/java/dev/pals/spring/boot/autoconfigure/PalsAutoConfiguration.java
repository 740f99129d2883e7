package dev.pals.spring.boot.autoconfigure;

import dev.pals.LockListener;
import dev.pals.Locker;
import dev.pals.jooq.JooqLocker;
import dev.pals.micrometer.PalsMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * A PALs {@link Locker} bean from the {@code pals.*} properties, falling back to the application's
 * database settings, closed with the context; with a Micrometer {@code MeterRegistry}, its meters (and,
 * with an {@code ObservationRegistry}, observations of its acquires).
 *
 * <p>Every {@link LockListener} bean is a listener of the Locker; every {@link PalsMetrics} bean is bound
 * to it; {@link PalsLockerCustomizer} beans change its builder last. A {@link Locker} bean of the
 * application's own replaces the auto-configured one (and its metrics).
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"})
@ConditionalOnClass({Locker.class, JooqLocker.class})
@ConditionalOnBooleanProperty(name = "pals.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PalsProperties.class)
public final class PalsAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(Locker.class)
    static class LockerConfiguration {

        @Bean(destroyMethod = "close")
        JooqLocker palsLocker(PalsProperties properties, Environment environment, ListableBeanFactory beanFactory,
                ObjectProvider<LockListener> listeners, ObjectProvider<PalsLockerCustomizer> customizers) {
            JooqLocker locker = new LockerFactory(properties, environment, beanFactory)
                    .build(listeners.orderedStream().toList(), customizers.orderedStream().toList());
            if (MetricsBinding.PRESENT) {
                try {
                    MetricsBinding.bind(beanFactory, locker);
                } catch (RuntimeException e) {
                    locker.close();
                    throw e;
                }
            }
            return locker;
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass({PalsMetrics.class, MeterRegistry.class})
        @ConditionalOnBean(MeterRegistry.class)
        @ConditionalOnBooleanProperty(name = "pals.metrics.enabled", matchIfMissing = true)
        static class MetricsConfiguration {

            @Bean
            @ConditionalOnMissingBean
            PalsMetrics palsMetrics(MeterRegistry registry, ObjectProvider<ObservationRegistry> observationRegistry,
                    PalsProperties properties, Environment environment) {
                PalsProperties.Metrics settings = properties.getMetrics();
                PalsMetrics.Builder builder = PalsMetrics.builder(registry);
                // The application's own tag, so that PALs meters carry what all its other meters carry.
                String application = environment.getProperty("management.metrics.tags.application");
                if (application != null && !application.isEmpty()) {
                    builder.application(application);
                }
                if (settings.getLockNameTag() < 0) {
                    throw new InvalidConfigurationPropertyValueException("pals.metrics.lock-name-tag",
                            settings.getLockNameTag(), "It is how many lock names to tag meters with: 0 for none,"
                                    + " or a positive number.");
                }
                if (settings.getLockNameTag() > 0) {
                    builder.lockNameTag(settings.getLockNameTag());
                }
                ObservationRegistry observations = settings.isObservations() ? observationRegistry.getIfUnique() : null;
                if (observations != null && !observations.isNoop()) {
                    builder.observations(observations);
                }
                if (settings.isObserveHolds()) {
                    if (observations == null || observations.isNoop()) {
                        throw new InvalidConfigurationPropertyValueException("pals.metrics.observe-holds", true,
                                "Holds are observations: this needs pals.metrics.observations=true and an"
                                        + " ObservationRegistry bean (Spring Boot makes one with"
                                        + " spring-boot-micrometer-observation, which Actuator brings).");
                    }
                    builder.observeHolds(true);
                }
                return builder.build();
            }
        }
    }
}
