package dev.pals.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ChartFactory;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The PNG plots of a run (JFreeChart, headless). */
final class Charts {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0x9467bd), new Color(0xd62728)};
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);

    private Charts() {
    }

    /** One bar per variant in each group ("blocking, 1 thread", ...). */
    record Bar(String group, String series, double value) {
    }

    /** One stacked bar: a variant's CPU per cycle, client and server, in a group ("1 thread"). */
    record Stack(String variant, String group, double clientMicros, double serverMicros) {
    }

    /** CPU per cycle, client and server stacked, one bar per variant and thread count. */
    static void cpu(List<Stack> stacks, String subtitle, Path png) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Stack stack : stacks) {
            String column = stack.variant() + " (" + stack.group() + ")";
            data.addValue(stack.clientMicros(), "client (benchmark JVM)", column);
            data.addValue(stack.serverMicros(), "server (PostgreSQL backends)", column);
        }
        JFreeChart chart = ChartFactory.createStackedBarChart(
                "CPU per uncontended blocking acquire + release (lower is better)", null, "µs of CPU per cycle", data,
                PlotOrientation.HORIZONTAL, true, false, false);
        chart.addSubtitle(new org.jfree.chart.title.TextTitle(subtitle, LABEL));
        style(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setSeriesPaint(0, COLORS[0]);
        renderer.setSeriesPaint(1, COLORS[1]);
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}",
                new java.text.DecimalFormat("0.0")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        renderer.setDefaultItemLabelPaint(Color.WHITE);
        plot.getDomainAxis().setTickLabelFont(LABEL);
        plot.getRangeAxis().setTickLabelFont(LABEL);
        save(chart, png, 1000, 100 + 44 * Math.max(1, data.getColumnCount()));
    }

    /** Server sessions against locks held, one line per series, log-log; a marker at PostgreSQL's default max_connections. */
    static void sessions(Map<String, List<double[]>> series, String subtitle, Path png) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, List<double[]>> entry : series.entrySet()) {
            XYSeries line = new XYSeries(entry.getKey());
            for (double[] point : entry.getValue()) {
                line.add(point[0], point[1]);
            }
            data.addSeries(line);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Server sessions for the locks one Locker holds (lower is better)",
                "locks held", "server sessions (pg_stat_activity)", data, PlotOrientation.VERTICAL, true, false, false);
        chart.addSubtitle(new org.jfree.chart.title.TextTitle(subtitle, LABEL));
        style(chart);
        XYPlot plot = chart.getXYPlot();
        plot.setDomainAxis(logAxis("locks held (log scale)"));
        plot.setRangeAxis(logAxis("server sessions (log scale)"));
        org.jfree.chart.plot.ValueMarker marker = new org.jfree.chart.plot.ValueMarker(100, Color.GRAY,
                new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        marker.setLabel("PostgreSQL's default max_connections (100)");
        marker.setLabelFont(LABEL);
        marker.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_LEFT);
        marker.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.BOTTOM_LEFT);
        plot.addRangeMarker(marker);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2.2f));
        }
        plot.setRenderer(renderer);
        save(chart, png, 1000, 560);
    }

    private static LogAxis logAxis(String label) {
        LogAxis log = new LogAxis(label);
        log.setBase(10);
        log.setSmallestValue(0.5);
        log.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1));
        log.setNumberFormatOverride(new java.text.DecimalFormat("#,##0"));
        log.setTickLabelFont(LABEL);
        log.setLabelFont(LABEL);
        return log;
    }

    static void throughput(List<Bar> bars, String subtitle, Path png) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Bar bar : bars) {
            data.addValue(bar.value(), bar.series(), bar.group());
        }
        JFreeChart chart = ChartFactory.createBarChart("Uncontended acquire + release cycles/s (higher is better)",
                null, "cycles/s", data, PlotOrientation.VERTICAL, true, false, false);
        chart.addSubtitle(new org.jfree.chart.title.TextTitle(subtitle, LABEL));
        style(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
        }
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}",
                new java.text.DecimalFormat("#,##0")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        plot.getDomainAxis().setTickLabelFont(LABEL);
        plot.getDomainAxis().setMaximumCategoryLabelLines(2);
        plot.getRangeAxis().setTickLabelFont(LABEL);
        ((NumberAxis) plot.getRangeAxis()).setUpperMargin(0.12);
        save(chart, png, 1000, 560);
    }

    /** Latency by percentile, one line per variant, log scale. */
    static void latency(String title, Map<String, Samples> byVariant, String subtitle, Path png) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, Samples> entry : byVariant.entrySet()) {
            long[] sorted = entry.getValue().sorted();
            XYSeries series = new XYSeries(entry.getKey() + " (n=" + sorted.length + ")");
            for (int i = 0; i < sorted.length; i++) {
                series.add(100.0 * (i + 1) / sorted.length, Math.max(sorted[i], 1_000) / 1e6);
            }
            data.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "percentile", "ms", data,
                PlotOrientation.VERTICAL, true, false, false);
        chart.addSubtitle(new org.jfree.chart.title.TextTitle(subtitle, LABEL));
        style(chart);
        XYPlot plot = chart.getXYPlot();
        LogAxis log = new LogAxis("ms (log scale)");
        log.setBase(2);
        log.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1)); // 0.125, 0.25, 0.5, 1, 2, 4 ...
        log.setSmallestValue(0.01);
        log.setTickLabelFont(LABEL);
        log.setLabelFont(LABEL);
        log.setNumberFormatOverride(new java.text.DecimalFormat("0.###"));
        plot.setRangeAxis(log);
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setRange(0, 100);
        x.setTickLabelFont(LABEL);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2.2f));
        }
        plot.setRenderer(renderer);
        save(chart, png, 1000, 560);
    }

    private static void style(JFreeChart chart) {
        chart.getTitle().setFont(TITLE);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getPlot().setBackgroundPaint(Color.WHITE);
        if (chart.getPlot() instanceof CategoryPlot) {
            ((CategoryPlot) chart.getPlot()).setRangeGridlinePaint(Color.LIGHT_GRAY);
        } else if (chart.getPlot() instanceof XYPlot) {
            ((XYPlot) chart.getPlot()).setRangeGridlinePaint(Color.LIGHT_GRAY);
            ((XYPlot) chart.getPlot()).setDomainGridlinePaint(Color.LIGHT_GRAY);
        }
        if (chart.getLegend() != null) {
            chart.getLegend().setItemFont(LABEL);
        }
    }

    private static void save(JFreeChart chart, Path png, int width, int height) throws IOException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        ChartUtils.saveChartAsPNG(png.toFile(), chart, width, height);
    }
}
