package dev.pals.spring.boot.autoconfigure;

import dev.pals.Locker;
import dev.pals.spring.actuate.PalsEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * The {@code pals} actuator endpoint, the locks this instance holds, when it is available: exposed like
 * any endpoint ({@code management.endpoints.web.exposure.include=pals} for {@code /actuator/pals}).
 */
@AutoConfiguration(after = PalsAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "pals.enabled", matchIfMissing = true)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnSingleCandidate(Locker.class)
@ConditionalOnAvailableEndpoint(PalsEndpoint.class)
public final class PalsEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PalsEndpoint palsEndpoint(Locker locker) {
        return new PalsEndpoint(locker);
    }
}
