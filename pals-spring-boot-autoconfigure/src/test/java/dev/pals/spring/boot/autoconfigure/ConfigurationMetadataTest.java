package dev.pals.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The configuration metadata the build generates (what IDEs complete {@code pals.*} from): every
 * property with a description, and the defaults an IDE shows.
 */
class ConfigurationMetadataTest {

    private static Map<String, JsonNode> properties() throws IOException {
        try (InputStream in = ConfigurationMetadataTest.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("META-INF/spring-configuration-metadata.json on the classpath").isNotNull();
            Map<String, JsonNode> properties = new HashMap<>();
            for (JsonNode property : JsonMapper.builder().build().readTree(in).path("properties")) {
                properties.put(property.path("name").asString(), property);
            }
            return properties;
        }
    }

    @Test
    void everyPropertyHasADescription() throws IOException {
        Map<String, JsonNode> properties = properties();
        assertThat(properties).containsKeys("pals.enabled", "pals.url", "pals.user", "pals.password", "pals.app-name",
                "pals.max-pool-size", "pals.multiplexing", "pals.blocking", "pals.acquire-timeout", "pals.network-timeout",
                "pals.lock-check-interval", "pals.keepalive-interval", "pals.use-application-datasource",
                "pals.metrics.enabled", "pals.metrics.lock-name-tag", "pals.metrics.observations",
                "pals.metrics.observe-holds", "pals.with-lock.enabled", "management.health.pals.enabled");
        properties.forEach((name, property) -> assertThat(property.path("description").asString())
                .as("description of " + name).hasSizeGreaterThan(20));
    }

    @Test
    void defaultsAreTheLibrarys() throws IOException {
        Map<String, JsonNode> properties = properties();
        Map<String, String> defaults = Map.ofEntries(Map.entry("pals.enabled", "true"), Map.entry("pals.max-pool-size", "8"),
                Map.entry("pals.multiplexing", "true"),
                Map.entry("pals.blocking", "true"), Map.entry("pals.acquire-timeout", "30s"),
                Map.entry("pals.network-timeout", "10s"), Map.entry("pals.lock-check-interval", "0ms"),
                Map.entry("pals.keepalive-interval", "0ms"), Map.entry("pals.use-application-datasource", "false"),
                Map.entry("pals.metrics.enabled", "true"), Map.entry("pals.metrics.lock-name-tag", "0"),
                Map.entry("pals.metrics.observations", "true"), Map.entry("pals.metrics.observe-holds", "false"),
                Map.entry("pals.with-lock.enabled", "true"), Map.entry("management.health.pals.enabled", "true"));
        defaults.forEach((name, value) -> assertThat(properties.get(name).path("defaultValue").asString())
                .as("default of " + name).isEqualTo(value));
    }
}
