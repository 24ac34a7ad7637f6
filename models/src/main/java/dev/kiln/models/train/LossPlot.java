package dev.kiln.models.train;

import dev.kiln.models.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Draws the run's curves from its {@link MetricsCsv} files into a PNG (with XChart): the training
 * loss per step (raw, and smoothed by an exponential moving average) with the evaluation loss on
 * top, and, when the evaluations report accuracy, a second panel for it. As a callback it redraws
 * at the end of training, so a resumed run's plot covers the whole trajectory.
 */
public final class LossPlot implements TrainCallback {
    public static final String FILE = "loss.png";
    private final Path dir;
    private final String title;

    public LossPlot(Path dir, String title) {
        this.dir = dir;
        this.title = title;
    }

    @Override
    public void onEnd(Trainer trainer) {
        try {
            draw(dir, title);
        } catch (IOException e) {
            throw new UncheckedIOException("LossPlot: cannot draw " + dir.resolve(FILE), e);
        }
    }

    /** Draws {@code dir/loss.png} from {@code dir/train.csv} (and {@code eval.csv} when present); returns the PNG's path. */
    public static Path draw(Path dir, String title) throws IOException {
        // a plot needs no display: keep AWT headless even when a DISPLAY is set
        System.setProperty("java.awt.headless", "true");
        Map<String, double[]> train = MetricsCsv.read(dir.resolve(MetricsCsv.TRAIN));
        Path evalCsv = dir.resolve(MetricsCsv.EVAL);
        Map<String, double[]> eval = Files.exists(evalCsv) ? MetricsCsv.read(evalCsv) : Map.of();
        double[] steps = train.getOrDefault("step", new double[0]);
        double[] loss = train.getOrDefault("loss", new double[0]);
        if (steps.length == 0) {
            throw new IOException("LossPlot: " + dir.resolve(MetricsCsv.TRAIN) + " has no rows to plot");
        }
        XYChart chart = new XYChartBuilder().width(900).height(420).title(title).xAxisTitle("step").yAxisTitle("loss").build();
        chart.getStyler().setMarkerSize(6);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        XYSeries raw = chart.addSeries("train loss", steps, loss);
        raw.setMarker(SeriesMarkers.NONE);
        raw.setLineColor(new Color(150, 180, 230));
        if (steps.length > 20) {
            XYSeries smooth = chart.addSeries("train loss (EMA)", steps, ema(loss, Math.min(0.2, 20.0 / steps.length)));
            smooth.setMarker(SeriesMarkers.NONE);
            smooth.setLineColor(new Color(20, 60, 160));
        }
        List<XYChart> charts = new ArrayList<>();
        charts.add(chart);
        if (eval.containsKey("loss") && eval.get("step").length > 0) {
            XYSeries ev = chart.addSeries("eval loss", eval.get("step"), eval.get("loss"));
            ev.setMarker(SeriesMarkers.CIRCLE);
            ev.setLineColor(new Color(200, 60, 30));
            ev.setMarkerColor(new Color(200, 60, 30));
        }
        if (eval.containsKey("accuracy") && eval.get("step").length > 0) {
            XYChart acc = new XYChartBuilder().width(900).height(420).title("eval accuracy").xAxisTitle("step")
                    .yAxisTitle("accuracy").build();
            acc.getStyler().setChartBackgroundColor(Color.WHITE);
            acc.getStyler().setMarkerSize(6);
            acc.getStyler().setLegendVisible(false);
            XYSeries a = acc.addSeries("accuracy", eval.get("step"), eval.get("accuracy"));
            a.setMarker(SeriesMarkers.CIRCLE);
            charts.add(acc);
        }
        Path out = dir.resolve(FILE);
        if (charts.size() == 1) {
            AtomicFiles.writeStream(out, os -> BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG));
        } else {
            AtomicFiles.writeStream(out, os -> BitmapEncoder.saveBitmap(charts, charts.size(), 1, os,
                    BitmapEncoder.BitmapFormat.PNG));
        }
        return out;
    }

    /** Exponential moving average with bias correction (so the first values are not pulled to 0). */
    static double[] ema(double[] v, double alpha) {
        double[] out = new double[v.length];
        double m = 0;
        double w = 0;
        for (int i = 0; i < v.length; i++) {
            m = (1 - alpha) * m + alpha * v[i];
            w = (1 - alpha) * w + alpha;
            out[i] = m / w;
        }
        return out;
    }
}
