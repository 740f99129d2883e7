package dev.pals.micrometer;

import static dev.pals.micrometer.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.Locker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shipped Grafana dashboard against a real workload on a real PostgreSQL, scraped by Prometheus'
 * own registry: every series its queries use must be there. Also draws the dashboard's panels from
 * that workload ({@code target/dashboard.png}).
 *
 * <p>Regenerate the README's picture (a longer run):
 * {@code ./mvnw -q -pl pals-metrics -am verify -Dtest=DashboardTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dpals.dashboard.seconds=60 -Dpals.dashboard.picture=../docs/dashboard.png}
 */
@Timeout(300)
class DashboardTest {
    private static final Path DASHBOARD = Path.of("dashboards", "pals.json");

    private static JSONObject dashboard() throws Exception {
        return new JSONObject(Files.readString(DASHBOARD));
    }

    @Test
    void everySeriesTheDashboardQueriesExistsAfterARealWorkload() throws Exception {
        long seed = Workload.seed();
        System.out.println("DashboardTest seed " + seed + " (replay: -Dpals.seed=" + seed + ")");
        Duration length = Duration.ofSeconds(Long.getLong("pals.dashboard.seconds", 12));
        Duration every = Duration.ofMillis(Math.max(250, Math.min(1000, length.toMillis() / 48)));
        int window = (int) Math.max(4, Math.round(2500.0 / every.toMillis()));

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PalsMetrics metrics = PalsMetrics.builder(registry).lockNameTag(8).build();
        String app = "shop"; // no other test uses it; a readable name for the picture's legends
        List<DashboardPicture.Sample> samples;
        try (Locker locker = locker(app).maxPoolSize(6).listener(metrics).build();
                Locker otherInstance = locker(app).maxPoolSize(2).build()) {
            metrics.bindTo(locker);
            long start = System.nanoTime();
            samples = Workload.sampled(every,
                    () -> new DashboardPicture.Sample((System.nanoTime() - start) / 1e9, Scrape.parse(registry.scrape())),
                    new Workload(locker, otherInstance, length, seed));
        }
        Scrape scrape = samples.get(samples.size() - 1).scrape();

        List<String> problems = DashboardCheck.problems(dashboard(), scrape);
        assertThat(problems).as("seed %d; scraped: %s", seed, scrape.names()).isEmpty();
        assertThat(DashboardCheck.queries(dashboard())).hasSizeGreaterThanOrEqualTo(15);

        // The same check fails on the same scrape when a query asks for what is not there.
        String broken = Files.readString(DASHBOARD)
                .replace("rate(pals_lock_acquire_seconds_count{application=~\\\"$application\\\"}[$__rate_interval])",
                        "rate(pals_lock_acquire_secondz_count{application=~\\\"$application\\\"}[$__rate_interval])")
                .replace("sum by (le, mode) (rate(pals_lock_held_seconds_bucket", "sum by (le, reason) (rate(pals_lock_held_seconds_bucket")
                .replace("histogram_quantile(0.5, sum by (le, outcome) (rate(pals_lock_acquire_seconds_bucket",
                        "histogram_quantile(0.5, sum by (le, outcome) (rate(pals_lock_acquire_seconds_count")
                .replace("outcome=\\\"timeout\\\"", "outcome=\\\"deadlock\\\"")
                .replace("label_values(pals_connections_active, application)", "label_values(pals_connections_active, app)");
        assertThat(String.join("\n", DashboardCheck.problems(new JSONObject(broken), scrape)))
                .contains("no series pals_lock_acquire_secondz_count")
                .contains("no series pals_lock_held_seconds_bucket has label reason (grouped by)")
                .contains("histogram_quantile over pals_lock_acquire_seconds_count, not a _bucket series")
                .contains("no series pals_lock_acquire_seconds_count matches {application=~\"$application\", outcome=\"deadlock\"}")
                .contains("variable $application: no series pals_connections_active has label app");

        Path picture = Path.of(System.getProperty("pals.dashboard.picture", "target/dashboard.png"));
        new DashboardPicture(samples, app, window).write(picture, String.format(
                "Drawn from a %d s test workload on PostgreSQL: 4 workers, a second instance holding the hot lock now and then,"
                        + " long jobs (35-50%%), a stuck holder (55-85%%), two lost locks. Seed %d.", length.toSeconds(), seed));
        assertThat(Files.size(picture)).isGreaterThan(10_000);
    }

    @Test
    void histogramQuantileInterpolatesAsPrometheusDoes() {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        buckets.put(0.1, 50.0);
        buckets.put(0.2, 90.0);
        buckets.put(Double.POSITIVE_INFINITY, 100.0);
        assertThat(DashboardPicture.histogramQuantile(0.5, buckets)).isEqualTo(0.1);
        assertThat(DashboardPicture.histogramQuantile(0.7, buckets)).isCloseTo(0.15, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(DashboardPicture.histogramQuantile(0.99, buckets)).isEqualTo(0.2); // in +Inf: the last finite bound
        assertThat(DashboardPicture.histogramQuantile(0.5, new TreeMap<>())).isNaN();
    }
}
