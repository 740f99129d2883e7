package dev.pals.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Bad values fail startup, and the failure names the property as the user wrote it (never a builder
 * setting they did not write), without printing a password.
 */
class BadConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PalsAutoConfiguration.class));

    /** The messages of the startup failure and all its causes. */
    private static String failure(Throwable startupFailure) {
        assertThat(startupFailure).as("startup failure").isNotNull();
        List<String> messages = new ArrayList<>();
        for (Throwable t = startupFailure; t != null; t = t.getCause()) {
            messages.add(t.getClass().getSimpleName() + ": " + t.getMessage());
        }
        return String.join("\n  caused by ", messages);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "pals.network-timeout   | 0s",
        "pals.network-timeout   | -5s",
        "pals.acquire-timeout   | -1s",
        "pals.acquire-timeout   | 9999999999ms",
        "pals.max-pool-size     | 0",
        "pals.lock-check-interval | -1s",
        "pals.keepalive-interval  | -2s",
        "pals.acquire-timeout   | soon",
        "pals.max-pool-size     | ten",
        "pals.blocking          | perhaps",
        "pals.url               | jdbc:mysql://db.example.com/orders",
        "pals.metrics.lock-name-tag | -1",
    })
    void aBadValueFailsStartupNamingTheProperty(String property, String value) {
        runner.withPropertyValues(TestDb.pals()).withPropertyValues(property + "=" + value)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> assertThat(failure(context.getStartupFailure())).contains(property));
    }

    @Test
    void aNonPostgresqlApplicationDatabaseIsNamedAsSpringDatasourceUrl() {
        runner.withPropertyValues("spring.datasource.url=jdbc:h2:mem:orders").run(context -> {
            String failure = failure(context.getStartupFailure());
            assertThat(failure).contains("spring.datasource.url").contains("PostgreSQL");
        });
    }

    @Test
    void noDatabaseAtAllNamesWhatToSet() {
        runner.run(context -> assertThat(failure(context.getStartupFailure()))
                .contains("pals.url").contains("spring.datasource.url").contains("pals.use-application-datasource"));
    }

    @Test
    void aPasswordIsNeverPrinted() {
        runner.withPropertyValues("pals.url=jdbc:mysql://admin:hunter2@db.example.com/orders?password=hunter2")
                .run(context -> assertThat(failure(context.getStartupFailure()))
                        .contains("pals.url").doesNotContain("hunter2"));
        runner.withPropertyValues(
                "spring.datasource.url=jdbc:oracle:thin:scott/hunter2@db.example.com:1521/orders?password=hunter2",
                "spring.datasource.password=hunter2")
                .run(context -> assertThat(failure(context.getStartupFailure()))
                        .contains("spring.datasource.url").doesNotContain("hunter2"));
    }

    @Test
    void useApplicationDatasourceWithoutADataSourceFails() {
        runner.withPropertyValues("pals.use-application-datasource=true").run(context -> assertThat(
                failure(context.getStartupFailure())).contains("pals.use-application-datasource").contains("DataSource"));
    }

    @Test
    void useApplicationDatasourceAndPalsUrlTogetherFailNamingBoth() {
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .withPropertyValues(TestDb.springDatasource()).withPropertyValues(TestDb.pals())
                .withPropertyValues("pals.use-application-datasource=true")
                .run(context -> assertThat(failure(context.getStartupFailure()))
                        .contains("pals.use-application-datasource").contains("pals.url"));
    }

    @Test
    void observeHoldsWithoutObservationsFails() {
        runner.withPropertyValues(TestDb.pals()).withPropertyValues("pals.metrics.observe-holds=true")
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> assertThat(failure(context.getStartupFailure())).contains("pals.metrics.observe-holds"));
    }
}
