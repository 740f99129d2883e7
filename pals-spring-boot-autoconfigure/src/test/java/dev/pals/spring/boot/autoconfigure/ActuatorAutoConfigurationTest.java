package dev.pals.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.HeldLock;
import dev.pals.Locker;
import dev.pals.LockMode;
import dev.pals.spring.actuate.PalsEndpoint;
import dev.pals.spring.actuate.PalsHealthIndicator;
import dev.pals.testing.ServerView;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The {@code pals} health indicator and endpoint: when they exist, and what they say. */
class ActuatorAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PalsAutoConfiguration.class,
                    PalsHealthContributorAutoConfiguration.class, PalsEndpointAutoConfiguration.class))
            .withPropertyValues(TestDb.pals());

    @Test
    void theHealthIndicatorIsUpWithTheLockersCounts() {
        runner.withPropertyValues("pals.app-name=healthy").run(context -> {
            assertThat(context).hasSingleBean(PalsHealthIndicator.class).hasBean("palsHealthIndicator");
            Locker locker = context.getBean(Locker.class);
            try (HeldLock held = locker.lock("job").hold()) {
                Health health = context.getBean(PalsHealthIndicator.class).health();
                assertThat(health.getStatus()).isEqualTo(Status.UP);
                assertThat(health.getDetails()).containsEntry("application", "healthy").containsEntry("locksHeld", 1)
                        .containsEntry("locksLost", 0L).containsEntry("connectionsMax", 8).containsEntry("maxLocksPerConnection", 1).containsKey("ping");
            }
        });
    }

    @Test
    void theHealthIndicatorIsDownWhenTheServerCannotBeReached() {
        runner.withPropertyValues("pals.url=jdbc:postgresql://127.0.0.1:1/nowhere", "pals.network-timeout=2s")
                .run(context -> {
                    Health health = context.getBean(PalsHealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(health.getDetails().get("error").toString()).contains("127.0.0.1:1");
                    assertThat(health.getDetails()).containsEntry("locksHeld", 0);
                });
    }

    @Test
    void theHealthIndicatorIsDownOnceTheLockerIsClosed() {
        runner.run(context -> {
            context.getBean(Locker.class).close();
            assertThat(context.getBean(PalsHealthIndicator.class).health().getStatus()).isEqualTo(Status.DOWN);
        });
    }

    @Test
    void theHealthIndicatorCanBeSwitchedOffOrReplaced() {
        runner.withPropertyValues("management.health.pals.enabled=false")
                .run(context -> assertThat(context).hasSingleBean(Locker.class).doesNotHaveBean(PalsHealthIndicator.class));
        runner.withPropertyValues("management.health.defaults.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(PalsHealthIndicator.class));
        runner.withUserConfiguration(OwnHealth.class).run(context -> {
            assertThat(context).doesNotHaveBean(PalsHealthIndicator.class);
            assertThat(context.getBean("palsHealthIndicator", HealthIndicator.class).health().getStatus())
                    .isEqualTo(Status.OUT_OF_SERVICE);
        });
    }

    @Test
    void withoutSpringBootHealthThereIsNoIndicatorAndTheLockerStillWorks() {
        runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Locker.class)
                        .doesNotHaveBean(PalsHealthIndicator.class));
    }

    @Test
    void theEndpointListsTheLocksThisInstanceHolds() {
        runner.withPropertyValues("pals.app-name=listed", "management.endpoints.web.exposure.include=pals").run(context -> {
            assertThat(context).hasSingleBean(PalsEndpoint.class);
            Locker locker = context.getBean(Locker.class);
            try (HeldLock first = locker.lock("first").hold();
                    HeldLock second = locker.lock("second", LockMode.SHARED).hold()) {
                PalsEndpoint.PalsLocks locks = context.getBean(PalsEndpoint.class).locks();
                assertThat(locks.application()).isEqualTo("listed");
                assertThat(locks.locksHeld()).isEqualTo(2);
                assertThat(locks.locks()).extracting(PalsEndpoint.HeldLockDescriptor::name)
                        .containsExactly("listed.first", "listed.second");
                PalsEndpoint.HeldLockDescriptor shared = locks.locks().get(1);
                assertThat(shared.mode()).isEqualTo("shared");
                assertThat(shared.key()).isEqualTo(locker.key("second").displayNumber());
                assertThat(ServerView.holders(locker.key("second"))).containsExactly(shared.backendPid());
            }
            assertThat(context.getBean(PalsEndpoint.class).locks().locks()).isEmpty();
        });
    }

    @Test
    void theEndpointExistsOnlyWhenExposed() {
        runner.run(context -> assertThat(context).hasSingleBean(Locker.class).doesNotHaveBean(PalsEndpoint.class));
        runner.withPropertyValues("management.endpoints.web.exposure.include=*", "management.endpoint.pals.access=NONE")
                .run(context -> assertThat(context).doesNotHaveBean(PalsEndpoint.class));
    }

    @Test
    void twoLockersAndNoneOfThemPrimaryGetNeitherIndicatorNorEndpoint() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=pals").withUserConfiguration(TwoLockers.class)
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(PalsHealthIndicator.class)
                        .doesNotHaveBean(PalsEndpoint.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnHealth {
        @Bean
        HealthIndicator palsHealthIndicator() {
            return () -> Health.outOfService().build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoLockers {
        @Bean(destroyMethod = "close")
        Locker one() {
            return TestDb.locker("one").build();
        }

        @Bean(destroyMethod = "close")
        Locker two() {
            return TestDb.locker("two").build();
        }
    }
}
