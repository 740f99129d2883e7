package dev.pals.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.HeldLock;
import dev.pals.LockInfo;
import dev.pals.LockListener;
import dev.pals.Locker;
import dev.pals.jooq.JooqLocker;
import dev.pals.jooq.JooqLockerSettings;
import dev.pals.spring.actuate.PalsEndpoint;
import dev.pals.spring.actuate.PalsHealthIndicator;
import dev.pals.spring.aop.WithLockAdvisor;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Locker bean: where its connection settings come from, every {@code pals.*} property, bad values
 * failing startup with the property's name, the user's own beans, and {@code pals.enabled}.
 */
class PalsAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PalsAutoConfiguration.class));

    private static JooqLockerSettings settings(Locker locker) {
        return ((JooqLocker) locker).settings();
    }

    @Test
    void aLockerFromSpringDatasourceAloneTakesRealLocksAndLeavesNoBackendBehind() {
        String app = TestDb.uniqueApp("from-datasource");
        runner.withPropertyValues(TestDb.springDatasource()).withPropertyValues("spring.application.name=" + app)
                .run(context -> {
                    assertThat(context).hasSingleBean(Locker.class);
                    Locker locker = context.getBean(Locker.class);
                    assertThat(locker.appName()).contains(app);
                    assertThat(settings(locker).url()).contains(TestDb.DB.url());
                    assertThat(settings(locker).dataSource()).isEmpty();
                    try (HeldLock held = locker.lock("job").hold()) {
                        assertThat(ServerView.holders(locker.key("job"))).hasSize(1);
                        assertThat(ServerView.backends("pals:" + app)).isEqualTo(1);
                    }
                });
        await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.backends("pals:" + app) == 0);
    }

    @Test
    void theApplicationsConnectionDetailsAreUsedWhenSpringBootJdbcIsThere() {
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .withPropertyValues(TestDb.springDatasource())
                .run(context -> {
                    Locker locker = context.getBean(Locker.class);
                    assertThat(settings(locker).url()).contains(TestDb.DB.url());
                    assertThat(settings(locker).user()).isEqualTo(java.util.Optional.ofNullable(TestDb.DB.user()));
                    // its own pool, not the application's DataSource
                    assertThat(settings(locker).dataSource()).isEmpty();
                    assertThat(locker.lock("x").acquire()).isTrue();
                });
    }

    @Test
    void aServiceConnectionIsUsedWithoutAnySpringDatasourceProperty() {
        // Docker Compose and Testcontainers service connections appear as a JdbcConnectionDetails bean.
        runner.withBean(JdbcConnectionDetails.class, () -> new JdbcConnectionDetails() {
            @Override
            public String getUsername() {
                return TestDb.DB.user();
            }

            @Override
            public String getPassword() {
                return TestDb.DB.password();
            }

            @Override
            public String getJdbcUrl() {
                return TestDb.DB.url();
            }
        }).run(context -> {
            Locker locker = context.getBean(Locker.class);
            assertThat(settings(locker).url()).contains(TestDb.DB.url());
            assertThat(locker.lock("x").acquire()).isTrue();
        });
    }

    @Test
    void palsUrlWinsOverTheApplicationsDatabase() {
        runner.withPropertyValues("spring.datasource.url=jdbc:postgresql://127.0.0.1:1/nowhere",
                "spring.datasource.username=nobody").withPropertyValues(TestDb.pals())
                .run(context -> {
                    Locker locker = context.getBean(Locker.class);
                    assertThat(settings(locker).url()).contains(TestDb.DB.url());
                    assertThat(settings(locker).user()).isEqualTo(java.util.Optional.ofNullable(TestDb.DB.user()));
                    assertThat(locker.lock("x").acquire()).isTrue();
                });
    }

    @Test
    void palsUserAndPasswordOverrideTheApplicationsWhileTheUrlFallsBack() {
        runner.withPropertyValues(TestDb.springDatasource())
                .withPropertyValues("pals.user=locks_role", "pals.password=locks-secret")
                .run(context -> {
                    JooqLockerSettings settings = settings(context.getBean(Locker.class));
                    assertThat(settings.url()).contains(TestDb.DB.url());
                    assertThat(settings.user()).contains("locks_role");
                    assertThat(settings.hasPassword()).isTrue();
                    assertThat(settings.toString()).doesNotContain("locks-secret");
                });
    }

    @Test
    void everyPropertyReachesTheLocker() {
        runner.withPropertyValues(TestDb.pals()).withPropertyValues("pals.app-name=billing",
                "spring.application.name=ignored", "pals.max-pool-size=3", "pals.blocking=false",
                "pals.acquire-timeout=2500ms", "pals.network-timeout=4s", "pals.lock-check-interval=1s",
                "pals.keepalive-interval=20s")
                .run(context -> {
                    Locker locker = context.getBean(Locker.class);
                    JooqLockerSettings settings = settings(locker);
                    assertThat(locker.appName()).contains("billing");
                    assertThat(settings.maxPoolSize()).isEqualTo(3);
                    assertThat(settings.blocking()).isFalse();
                    assertThat(settings.acquireTimeout()).isEqualTo(Duration.ofMillis(2500));
                    assertThat(settings.networkTimeout()).isEqualTo(Duration.ofSeconds(4));
                    assertThat(settings.lockCheckInterval()).isEqualTo(Duration.ofSeconds(1));
                    assertThat(settings.keepaliveInterval()).isEqualTo(Duration.ofSeconds(20));
                    assertThat(locker.stats().connectionsMax()).isEqualTo(3);
                });
    }

    @Test
    void theDefaultsAreTheLibrarys() {
        runner.withPropertyValues(TestDb.pals()).run(context -> {
            Locker locker = context.getBean(Locker.class);
            JooqLockerSettings settings = settings(locker);
            JooqLockerSettings library = TestDb.locker(null).settings();
            assertThat(locker.appName()).isEmpty(); // no pals.app-name, no spring.application.name: bare names
            assertThat(settings.maxPoolSize()).isEqualTo(library.maxPoolSize()).isEqualTo(8);
            assertThat(settings.multiplexing()).isEqualTo(library.multiplexing()).isTrue();
            assertThat(settings.blocking()).isEqualTo(library.blocking()).isTrue();
            assertThat(settings.acquireTimeout()).isEqualTo(library.acquireTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(settings.networkTimeout()).isEqualTo(library.networkTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(settings.lockCheckInterval()).isEqualTo(library.lockCheckInterval()).isZero();
            assertThat(settings.keepaliveInterval()).isEqualTo(library.keepaliveInterval()).isZero();
        });
    }

    @Test
    void theAppNameComesFromSpringApplicationNameAndAnEmptyOneMeansBareNames() {
        runner.withPropertyValues(TestDb.pals()).withPropertyValues("spring.application.name=orders")
                .run(context -> assertThat(context.getBean(Locker.class).appName()).contains("orders"));
        runner.withPropertyValues(TestDb.pals()).withPropertyValues("spring.application.name=orders", "pals.app-name=")
                .run(context -> {
                    Locker locker = context.getBean(Locker.class);
                    assertThat(locker.appName()).isEmpty();
                    assertThat(locker.lock("job").name()).isEqualTo("job");
                });
    }

    @Test
    void useApplicationDatasourceBorrowsTheApplicationsPool() {
        String app = TestDb.uniqueApp("borrowing");
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .withPropertyValues(TestDb.springDatasource())
                .withPropertyValues("pals.use-application-datasource=true", "pals.app-name=" + app,
                        "spring.datasource.hikari.pool-name=app-pool")
                .run(context -> {
                    Locker locker = context.getBean(Locker.class);
                    assertThat(settings(locker).dataSource()).containsSame(context.getBean(DataSource.class));
                    assertThat(settings(locker).url()).isEmpty();
                    try (HeldLock held = locker.lock("job").hold()) {
                        assertThat(ServerView.holders(locker.key("job"))).hasSize(1);
                        assertThat(ServerView.backends("pals:" + app)).isZero(); // no pool of its own
                    }
                });
    }

    @Test
    void aLockerBeanOfTheApplicationReplacesTheAutoConfiguredOne() {
        runner.withPropertyValues(TestDb.pals()).withUserConfiguration(OwnLocker.class).run(context -> {
            assertThat(context).hasSingleBean(Locker.class);
            assertThat(context.getBean(Locker.class).appName()).contains("own");
            assertThat(context).doesNotHaveBean("palsLocker");
        });
    }

    @Test
    void listenerBeansHearTheLockerAndCustomizersRunLast() {
        runner.withPropertyValues(TestDb.pals()).withPropertyValues("pals.max-pool-size=7")
                .withUserConfiguration(ListenerAndCustomizer.class).run(context -> {
                    Locker locker = context.getBean(Locker.class);
                    assertThat(locker.lock("heard").acquire()).isTrue();
                    assertThat(context.getBean(RecordingListener.class).acquired).containsExactly(locker.lock("heard").name());
                    JooqLockerSettings settings = settings(locker);
                    assertThat(settings.maxPoolSize()).isEqualTo(2); // the customizer's, not pals.max-pool-size
                    assertThat(settings.onLockLost()).isPresent();
                });
    }

    @Test
    void palsEnabledFalseConfiguresNothing() {
        runner.withPropertyValues(TestDb.pals()).withPropertyValues("pals.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(Locker.class));
        // not even around a Locker of the application's own
        runner.withConfiguration(AutoConfigurations.of(WithLockAutoConfiguration.class,
                        PalsHealthContributorAutoConfiguration.class, PalsEndpointAutoConfiguration.class))
                .withUserConfiguration(OwnLocker.class)
                .withPropertyValues("pals.enabled=false", "management.endpoints.web.exposure.include=pals")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Locker.class)
                        .doesNotHaveBean(WithLockAdvisor.class).doesNotHaveBean(PalsHealthIndicator.class)
                        .doesNotHaveBean(PalsEndpoint.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnLocker {
        @Bean(destroyMethod = "close")
        Locker ownLocker() {
            return TestDb.locker("own").build();
        }
    }

    static class RecordingListener implements LockListener {
        final List<String> acquired = new CopyOnWriteArrayList<>();

        @Override
        public void acquired(LockInfo lock, Duration waited) {
            acquired.add(lock.name());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ListenerAndCustomizer {
        @Bean
        RecordingListener recordingListener() {
            return new RecordingListener();
        }

        @Bean
        PalsLockerCustomizer smallPool() {
            return builder -> builder.maxPoolSize(2).onLockLost(lost -> { });
        }
    }
}
