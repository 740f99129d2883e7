package dev.pals.chaos;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Cycles per second over a run, and below it each fault as it happened (JFreeChart, headless PNG). */
final class Plot {
    private static final Color[] COLORS = {new Color(0xd62728), new Color(0xff7f0e), new Color(0x8c564b),
        new Color(0x1f77b4), new Color(0x17becf), new Color(0x2ca02c), new Color(0x9467bd)};
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    private Plot() {
    }

    static String fileName(Result result) {
        return "chaos-" + result.mode.replace(' ', '-') + ".png";
    }

    static void write(Result result, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeries rate = new XYSeries("cycles/s");
        for (int second = 0; second < result.cyclesPerSecond.length; second++) {
            rate.add(second + 0.5, result.cyclesPerSecond[second]);
        }
        NumberAxis cycles = new NumberAxis("acquire/release cycles per second");
        cycles.setLabelFont(LABEL);
        cycles.setTickLabelFont(LABEL);
        XYLineAndShapeRenderer line = new XYLineAndShapeRenderer(true, false);
        line.setSeriesPaint(0, new Color(0x333333));
        line.setSeriesStroke(0, new BasicStroke(1.0f));
        XYPlot top = new XYPlot(new XYSeriesCollection(rate), null, cycles, line);
        top.setBackgroundPaint(Color.WHITE);
        top.setRangeGridlinePaint(Color.LIGHT_GRAY);
        top.setDomainGridlinePaint(Color.LIGHT_GRAY);

        FaultKind[] kinds = FaultKind.values();
        XYIntervalSeriesCollection faults = new XYIntervalSeriesCollection();
        XYIntervalSeries[] series = new XYIntervalSeries[kinds.length];
        for (FaultKind kind : kinds) {
            series[kind.ordinal()] = new XYIntervalSeries(kind.label());
            faults.addSeries(series[kind.ordinal()]);
        }
        for (Object[] fault : result.timeline) {
            FaultKind kind = (FaultKind) fault[0];
            double start = (double) fault[1];
            double end = Math.max((double) fault[2], start + 0.6);
            int y = kind.ordinal();
            series[y].add(start, start, end, y, y - 0.35, y + 0.35);
        }
        String[] names = new String[kinds.length];
        for (FaultKind kind : kinds) {
            names[kind.ordinal()] = kind.label();
        }
        SymbolAxis which = new SymbolAxis(null, names);
        which.setTickLabelFont(LABEL);
        which.setGridBandsVisible(false);
        XYBarRenderer bars = new XYBarRenderer();
        bars.setUseYInterval(true);
        bars.setBarPainter(new StandardXYBarPainter());
        bars.setShadowVisible(false);
        bars.setDrawBarOutline(false);
        for (FaultKind kind : kinds) {
            bars.setSeriesPaint(kind.ordinal(), COLORS[kind.ordinal() % COLORS.length]);
        }
        XYPlot bottom = new XYPlot(faults, null, which, bars);
        bottom.setBackgroundPaint(Color.WHITE);
        bottom.setDomainGridlinePaint(Color.LIGHT_GRAY);

        NumberAxis time = new NumberAxis("seconds into the run");
        time.setLabelFont(LABEL);
        time.setTickLabelFont(LABEL);
        time.setRange(0, Math.max(1, result.cyclesPerSecond.length));
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(time);
        plot.setGap(8);
        plot.add(top, 3);
        plot.add(bottom, 2);
        JFreeChart chart = new JFreeChart("Chaos run, " + result.mode + ": cycles per second, and the faults",
                TITLE, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(new TextTitle(String.format(Locale.ROOT,
                "%,d cycles in %.0f s, %d workers × %d threads on %d keys; %,d faults; %d violations; seed %d",
                result.cycles, result.seconds, result.workers, result.threads, result.keys,
                result.faults.values().stream().mapToInt(Integer::intValue).sum(), result.violations, result.seed), LABEL));
        Files.createDirectories(png.toAbsolutePath().getParent());
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1200, 620);
    }
}
