package dev.pals.micrometer;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYItemRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws what the Grafana dashboard ({@code dashboards/pals.json}) shows, from scrapes taken during a
 * workload: the same panels, computed as its queries compute them (rates and {@code histogram_quantile}
 * over a sliding window of scrapes).
 */
final class DashboardPicture {
    /** A scrape and when it was taken, in seconds since the first. */
    record Sample(double seconds, Scrape scrape) {
    }

    private static final Color[] COLORS = {new Color(0x73BF69), new Color(0xF2495C), new Color(0x5794F2),
        new Color(0xFF9830), new Color(0xB877D9), new Color(0xFADE2A), new Color(0x8AB8FF), new Color(0x96D98D),
        new Color(0xFF7383), new Color(0xCA95E5)};
    private static final int PANEL_WIDTH = 640;
    private static final int PANEL_HEIGHT = 300;
    private static final int HEADER = 56;

    private final List<Sample> samples;
    private final String application;
    private final int window;

    /**
     * @param window how many scrapes back a rate looks (as {@code [$__rate_interval]})
     * @param application the {@code application} tag value the panels are filtered on
     */
    DashboardPicture(List<Sample> samples, String application, int window) {
        this.samples = samples;
        this.application = application;
        this.window = window;
    }

    private Predicate<Scrape.Series> app() {
        return s -> application.equals(s.label("application"));
    }

    /** Renders the panels into one PNG at {@code file}. */
    void write(Path file, String caption) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<JFreeChart> charts = List.of(
                chart("Lock wait by outcome (p50, p99)", "seconds", quantiles("pals_lock_acquire_seconds_bucket", "outcome"), false),
                chart("Acquires per second by outcome", "per second", rates("pals_lock_acquire_seconds_count", s -> true, "outcome"), false),
                chart("Timeouts per second", "per second",
                        rates("pals_lock_acquire_seconds_count", s -> "timeout".equals(s.label("outcome")), "mode"), false),
                chart("Hot locks: time spent waiting per second (top 5)", "seconds per second", topLocks(5), false),
                chart("Hold time (p50, p99)", "seconds", quantiles("pals_lock_held_seconds_bucket", "mode"), false),
                chart("Locks held now", "locks", gauges("pals_lock_held_active_seconds_count", "mode"), false),
                chart("Longest current hold", "seconds", gauges("pals_lock_held_active_seconds_max", "application"), false),
                chart("Lost locks", "per interval", increases("pals_lock_lost_total", "mode"), true),
                chart("Connections and waiters", "connections", connections(), false),
                chart("Connection resets per second", "per second", rates("pals_connections_reset_total", s -> true, "outcome"), false));
        int columns = 2;
        int rows = (charts.size() + columns - 1) / columns;
        BufferedImage image = new BufferedImage(columns * PANEL_WIDTH, HEADER + rows * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(new Color(0x202226));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
        g.drawString("PALs locks (dashboards/pals.json)", 16, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(caption, 16, 48);
        for (int i = 0; i < charts.size(); i++) {
            int x = (i % columns) * PANEL_WIDTH;
            int y = HEADER + (i / columns) * PANEL_HEIGHT;
            charts.get(i).draw(g, new Rectangle2D.Double(x + 4, y + 4, PANEL_WIDTH - 8, PANEL_HEIGHT - 8));
        }
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    private JFreeChart chart(String title, String unit, Map<String, XYSeries> series, boolean bars) {
        XYSeriesCollection dataset = new XYSeriesCollection();
        series.values().forEach(dataset::addSeries);
        JFreeChart chart = bars
                ? ChartFactory.createXYBarChart(title, "seconds into the run", false, unit, dataset, PlotOrientation.VERTICAL, true, false, false)
                : ChartFactory.createXYLineChart(title, "seconds into the run", unit, dataset, PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        chart.getTitle().setHorizontalAlignment(org.jfree.chart.ui.HorizontalAlignment.LEFT);
        LegendTitle legend = chart.getLegend();
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        legend.setFrame(org.jfree.chart.block.BlockBorder.NONE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(new Color(0xF7F8FA));
        plot.setDomainGridlinePaint(new Color(0xD8D9DA));
        plot.setRangeGridlinePaint(new Color(0xD8D9DA));
        plot.setOutlineVisible(false);
        NumberAxis range = (NumberAxis) plot.getRangeAxis();
        range.setAutoRangeIncludesZero(true);
        range.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        plot.getDomainAxis().setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        if (samples.size() > 1) {
            plot.getDomainAxis().setRange(0, Math.max(1, samples.get(samples.size() - 1).seconds()));
        }
        XYItemRenderer renderer = plot.getRenderer();
        if (renderer instanceof XYBarRenderer) {
            ((XYBarRenderer) renderer).setShadowVisible(false);
            ((XYBarRenderer) renderer).setBarPainter(new org.jfree.chart.renderer.xy.StandardXYBarPainter());
        }
        for (int i = 0; i < dataset.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        if (dataset.getSeriesCount() == 0) {
            chart.addSubtitle(new org.jfree.chart.title.TextTitle("no data"));
        }
        return chart;
    }

    private XYSeries series(Map<String, XYSeries> all, String key) {
        return all.computeIfAbsent(key, k -> new XYSeries(k, true, true));
    }

    /** {@code sum by (group) (rate(metric[window]))}. */
    private Map<String, XYSeries> rates(String metric, Predicate<Scrape.Series> filter, String group) {
        Map<String, XYSeries> out = new TreeMap<>();
        for (int i = window; i < samples.size(); i++) {
            Sample now = samples.get(i);
            Sample then = samples.get(i - window);
            double seconds = now.seconds() - then.seconds();
            Map<String, Double> a = sums(now.scrape(), metric, filter, s -> s.label(group));
            Map<String, Double> b = sums(then.scrape(), metric, filter, s -> s.label(group));
            for (Map.Entry<String, Double> entry : a.entrySet()) {
                double delta = entry.getValue() - b.getOrDefault(entry.getKey(), 0.0);
                series(out, entry.getKey()).add(now.seconds(), delta / seconds);
            }
        }
        return out;
    }

    /** {@code sum by (group) (increase(metric[window]))}, one bar per window. */
    private Map<String, XYSeries> increases(String metric, String group) {
        Map<String, XYSeries> out = new TreeMap<>();
        for (int i = window; i < samples.size(); i += window) {
            Map<String, Double> a = sums(samples.get(i).scrape(), metric, s -> true, s -> s.label(group));
            Map<String, Double> b = sums(samples.get(i - window).scrape(), metric, s -> true, s -> s.label(group));
            for (Map.Entry<String, Double> entry : a.entrySet()) {
                series(out, entry.getKey()).add(samples.get(i).seconds(), entry.getValue() - b.getOrDefault(entry.getKey(), 0.0));
            }
        }
        return out;
    }

    /** {@code topk(k, sum by (lock) (rate(pals_lock_acquire_seconds_sum[window])))}, k by total over the run. */
    private Map<String, XYSeries> topLocks(int k) {
        Map<String, XYSeries> all = rates("pals_lock_acquire_seconds_sum", s -> true, "lock");
        Map<String, XYSeries> top = new LinkedHashMap<>();
        all.values().stream()
                .sorted(Comparator.comparingDouble((XYSeries s) -> -total(s)))
                .limit(k)
                .forEach(s -> top.put((String) s.getKey(), s));
        return top;
    }

    private static double total(XYSeries series) {
        double sum = 0;
        for (int i = 0; i < series.getItemCount(); i++) {
            sum += series.getY(i).doubleValue();
        }
        return sum;
    }

    /** {@code sum by (group) (metric)} for a gauge. */
    private Map<String, XYSeries> gauges(String metric, String group) {
        Map<String, XYSeries> out = new TreeMap<>();
        for (Sample sample : samples) {
            sums(sample.scrape(), metric, s -> true, s -> s.label(group))
                    .forEach((key, value) -> series(out, key).add(sample.seconds(), value));
        }
        return out;
    }

    private Map<String, XYSeries> connections() {
        Map<String, XYSeries> out = new LinkedHashMap<>();
        String[][] lines = {{"pals_connections_active", "in use"}, {"pals_connections_max", "max"},
            {"pals_connections_pending", "waiting for a connection"}, {"pals_lock_pending", "waiting for a lock"}};
        for (Sample sample : samples) {
            for (String[] line : lines) {
                series(out, line[1]).add(sample.seconds(), sample.scrape().sum(line[0], app()));
            }
        }
        return out;
    }

    /** {@code histogram_quantile(q, sum by (le, group) (rate(bucket[window])))} for p50 and p99. */
    private Map<String, XYSeries> quantiles(String bucket, String group) {
        Map<String, XYSeries> out = new TreeMap<>();
        for (int i = window; i < samples.size(); i++) {
            Map<String, TreeMap<Double, Double>> now = buckets(samples.get(i).scrape(), bucket, group);
            Map<String, TreeMap<Double, Double>> then = buckets(samples.get(i - window).scrape(), bucket, group);
            for (Map.Entry<String, TreeMap<Double, Double>> entry : now.entrySet()) {
                TreeMap<Double, Double> delta = new TreeMap<>();
                TreeMap<Double, Double> before = then.getOrDefault(entry.getKey(), new TreeMap<>());
                entry.getValue().forEach((le, count) -> delta.put(le, count - before.getOrDefault(le, 0.0)));
                for (double q : new double[] {0.99, 0.5}) {
                    double value = histogramQuantile(q, delta);
                    if (!Double.isNaN(value)) {
                        series(out, (q == 0.5 ? "p50 " : "p99 ") + entry.getKey()).add(samples.get(i).seconds(), value);
                    }
                }
            }
        }
        return out;
    }

    /** Prometheus' histogram_quantile: linear interpolation within the bucket the rank falls in. */
    static double histogramQuantile(double q, TreeMap<Double, Double> cumulative) {
        if (cumulative.isEmpty()) {
            return Double.NaN;
        }
        double total = cumulative.lastEntry().getValue();
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
            if (bucket.getValue() >= rank) {
                if (bucket.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = bucket.getValue() - lowerCount;
                return inBucket <= 0 ? bucket.getKey()
                        : lowerBound + (bucket.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = bucket.getKey();
            lowerCount = bucket.getValue();
        }
        return lowerBound;
    }

    private Map<String, TreeMap<Double, Double>> buckets(Scrape scrape, String metric, String group) {
        Map<String, TreeMap<Double, Double>> out = new TreeMap<>();
        for (Scrape.Series s : scrape.series(metric, app())) {
            String le = s.label("le");
            double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
            out.computeIfAbsent(s.label(group), k -> new TreeMap<>()).merge(bound, s.value(), Double::sum);
        }
        return out;
    }

    private Map<String, Double> sums(Scrape scrape, String metric, Predicate<Scrape.Series> filter,
            Function<Scrape.Series, String> key) {
        Map<String, Double> out = new TreeMap<>();
        for (Scrape.Series s : scrape.series(metric, app().and(filter))) {
            String k = key.apply(s);
            out.merge(k == null ? "" : k, s.value(), Double::sum);
        }
        return out;
    }
}
