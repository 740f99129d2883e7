package dev.pals.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.Locker;
import dev.pals.jooq.JooqLocker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The example as a user runs it: a metered Locker from spring.datasource alone, @WithLock, Actuator. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "report.every=PT0.1S")
class ExampleAppTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", Postgres::url);
    }

    @LocalServerPort
    int port;

    @Autowired
    Locker locker;

    @Autowired
    NightlyReport report;

    private HttpResponse<String> send(HttpRequest.Builder request, String path) throws Exception {
        return HTTP.send(request.uri(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theLockerUsesItsOwnPoolOnTheApplicationsDatabase() {
        JooqLocker jooq = (JooqLocker) locker;
        assertThat(jooq.settings().url()).contains(Postgres.url());
        assertThat(jooq.settings().dataSource()).isEmpty();
        assertThat(locker.appName()).contains("billing");
    }

    @Test
    void sendingAnInvoiceHoldsItsLock() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.noBody()),
                "/invoices/7/send");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("sent invoice 7 holding billing.invoice-7");
    }

    @Test
    void theScheduledReportRuns() {
        await().atMost(Duration.ofSeconds(30)).until(() -> report.runs() >= 2);
    }

    @Test
    void actuatorShowsThePalsMetersAndHealth() throws Exception {
        String scrape = send(HttpRequest.newBuilder().GET(), "/actuator/prometheus").body();
        assertThat(scrape).contains("pals_connections_max{application=\"billing\"} 8");
        await().atMost(Duration.ofSeconds(30)).until(() -> send(HttpRequest.newBuilder().GET(), "/actuator/prometheus")
                .body().contains("pals_lock_acquire_seconds_count{application=\"billing\",mode=\"exclusive\",outcome=\"acquired\"}"));
        JsonNode health = JSON.readTree(send(HttpRequest.newBuilder().GET(), "/actuator/health").body());
        assertThat(health.path("components").path("pals").path("status").asString()).isEqualTo("UP");
        HttpResponse<String> pals = send(HttpRequest.newBuilder().GET(), "/actuator/pals");
        assertThat(pals.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(pals.body()).path("application").asString()).isEqualTo("billing");
    }
}
