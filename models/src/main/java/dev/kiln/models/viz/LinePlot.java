package dev.kiln.models.viz;

import dev.kiln.models.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Several named curves on one chart (one or more panels side by side), saved as PNG with XChart. */
public final class LinePlot {
    private static final Color[] PALETTE = {new Color(20, 60, 160), new Color(200, 60, 30), new Color(30, 140, 60),
        new Color(140, 60, 160), new Color(200, 140, 20), new Color(90, 90, 90)};

    private final List<XYChart> panels = new ArrayList<>();

    /** Starts a new panel; later {@link #series} calls draw into it. */
    public LinePlot panel(String title, String xTitle, String yTitle, boolean logY) {
        XYChart c = new XYChartBuilder().width(800).height(450).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setYAxisLogarithmic(logY);
        c.getStyler().setMarkerSize(6);
        c.getStyler().setXAxisTickMarkSpacingHint(90);
        c.getStyler().setXAxisDecimalPattern("#");
        panels.add(c);
        return this;
    }

    /** A curve in the current panel: colour by index, dashed when asked, markers when asked. */
    public LinePlot series(String name, double[] x, double[] y, int colour, boolean dashed, boolean markers) {
        if (panels.isEmpty()) {
            throw new IllegalStateException("LinePlot.series: call panel(...) first");
        }
        XYSeries s = panels.get(panels.size() - 1).addSeries(name, x, y);
        Color c = PALETTE[Math.floorMod(colour, PALETTE.length)];
        s.setLineColor(c);
        s.setMarkerColor(c);
        s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        if (dashed) {
            s.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        }
        return this;
    }

    public Path save(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (panels.size() == 1) {
            AtomicFiles.writeStream(file, os -> BitmapEncoder.saveBitmap(panels.get(0), os, BitmapEncoder.BitmapFormat.PNG));
        } else {
            AtomicFiles.writeStream(file, os -> BitmapEncoder.saveBitmap(panels, 1, panels.size(), os, BitmapEncoder.BitmapFormat.PNG));
        }
        return file;
    }

    /** Exponential moving average with bias correction, for noisy per-step losses. */
    public static double[] ema(double[] v, double alpha) {
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
