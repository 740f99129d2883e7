package dev.pals.spring.boot.autoconfigure;

import dev.pals.Locker;
import dev.pals.spring.actuate.PalsHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code pals} health indicator, with Spring Boot's health support on the classpath (Actuator brings
 * it) and one Locker. Off with {@code management.health.pals.enabled=false}.
 */
@AutoConfiguration(after = PalsAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "pals.enabled", matchIfMissing = true)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnSingleCandidate(Locker.class)
@ConditionalOnEnabledHealthIndicator("pals")
public final class PalsHealthContributorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = {"palsHealthIndicator", "palsHealthContributor"})
    PalsHealthIndicator palsHealthIndicator(Locker locker) {
        return new PalsHealthIndicator(locker);
    }
}
