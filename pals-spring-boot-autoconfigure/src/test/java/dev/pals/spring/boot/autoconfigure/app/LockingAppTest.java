package dev.pals.spring.boot.autoconfigure.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.HeldLock;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import dev.pals.testing.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.Ordered;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestExecutionListener;
import org.springframework.test.context.TestExecutionListeners;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole application on a real server, configured by {@code spring.datasource.*} alone (plus
 * Actuator's exposure): requests take locks, {@code /actuator/prometheus}, {@code /actuator/health} and
 * {@code /actuator/pals} show them, and closing the application leaves no backend of its Locker behind.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.endpoints.web.exposure.include=health,prometheus,pals",
    "management.endpoint.health.show-details=always"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DirtiesContext
@TestExecutionListeners(listeners = LockingAppTest.NoBackendLeftBehind.class,
        mergeMode = TestExecutionListeners.MergeMode.MERGE_WITH_DEFAULTS)
class LockingAppTest {
    private static final String APP = "boot-app-" + UUID.randomUUID().toString().substring(0, 8);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase db = TestDatabase.get();
        registry.add("spring.datasource.url", db::url);
        if (db.user() != null) {
            registry.add("spring.datasource.username", db::user);
        }
        if (db.password() != null) {
            registry.add("spring.datasource.password", db::password);
        }
        registry.add("spring.application.name", () -> APP);
    }

    @LocalServerPort
    int port;

    @Autowired
    Locker locker;

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    @Test
    @Order(1)
    void aRequestRunsUnderItsLock() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/reports/2026-12-04")).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("report 2026-12-04");
        assertThat(ServerView.freeElsewhere(locker.key("report-2026-12-04"))).isTrue();
    }

    @Test
    @Order(2)
    void prometheusShowsTheLockersMetersAndObservations() throws Exception {
        try (HeldLock held = locker.lock("scraped").hold()) {
            String scrape = get("/actuator/prometheus");
            String app = "application=\"" + APP + "\"";
            assertThat(scrape).containsPattern("pals_lock_acquire_seconds_count\\{" + app
                    + ",mode=\"exclusive\",outcome=\"acquired\"} [2-9]");
            assertThat(scrape).contains("pals_connections_max{" + app + "} 8");
            assertThat(scrape).containsPattern("pals_lock_held_active_seconds_count\\{" + app
                    + ",mode=\"exclusive\"} 1");
            assertThat(scrape).contains("pals_lock_wait_seconds_count{"); // the acquires' observations
        }
    }

    @Test
    @Order(3)
    void healthIsUpWithTheLocksHeld() throws Exception {
        try (HeldLock held = locker.lock("healthy").hold()) {
            JsonNode health = JSON.readTree(get("/actuator/health"));
            assertThat(health.path("status").asString()).isEqualTo("UP");
            JsonNode pals = health.path("components").path("pals");
            assertThat(pals.path("status").asString()).isEqualTo("UP");
            assertThat(pals.path("details").path("locksHeld").asInt()).isEqualTo(1);
            assertThat(pals.path("details").path("locksLost").asInt()).isZero();
            assertThat(pals.path("details").path("application").asString()).isEqualTo(APP);
        }
    }

    @Test
    @Order(4)
    void theEndpointListsTheLocksHeld() throws Exception {
        try (HeldLock held = locker.lock("listed").hold()) {
            JsonNode pals = JSON.readTree(get("/actuator/pals"));
            assertThat(pals.path("locksHeld").asInt()).isEqualTo(1);
            JsonNode lock = pals.path("locks").get(0);
            assertThat(lock.path("name").asString()).isEqualTo(APP + ".listed");
            assertThat(lock.path("mode").asString()).isEqualTo("exclusive");
            assertThat(lock.path("heldSince").asString()).isNotEmpty();
            assertThat(lock.path("backendPid").asInt())
                    .isEqualTo(ServerView.holders(locker.key("listed")).get(0));
        }
    }

    @Test
    @Order(5)
    void aLockIsStillHeldWhenTheApplicationStops() {
        heldAtShutdown = locker.lock("held-at-shutdown").hold(); // never released by the test
        assertThat(ServerView.holders(heldAtShutdown.lock().key())).hasSize(1);
        assertThat(ServerView.backends("pals:" + APP)).isPositive();
        // NoBackendLeftBehind checks, after the test framework has closed the application
    }

    private static HeldLock heldAtShutdown;

    /**
     * Runs after {@code @DirtiesContext} closed the application (listeners' after-class callbacks run in
     * reverse order, and this one comes first): nothing of its Locker is left on the server.
     */
    static final class NoBackendLeftBehind implements TestExecutionListener, Ordered {
        @Override
        public int getOrder() {
            return 0; // before DirtiesContextTestExecutionListener (3000), so after it on the way out
        }

        @Override
        public void afterTestClass(TestContext testContext) {
            assertThat(testContext.hasApplicationContext()).as("the application is closed").isFalse();
            await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.backends("pals:" + APP) == 0);
            if (heldAtShutdown != null) {
                assertThat(ServerView.freeElsewhere(heldAtShutdown.lock().key())).isTrue();
                assertThat(heldAtShutdown.lock().release()).isFalse(); // the Locker closed: nothing to release
            }
        }
    }
}
