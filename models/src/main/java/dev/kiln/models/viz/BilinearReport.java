package dev.kiln.models.viz;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Module;
import dev.kiln.layers.bilinear.BilinearDecomposition;
import dev.kiln.models.data.TensorDataset;
import dev.kiln.models.io.AtomicFiles;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The eigendecomposition report of a bilinear classifier (spec bilinear.md, after Pearce et al.):
 * how exactly the eigendecompositions reproduce the logits, test accuracy when each class keeps
 * only its top-k eigenvectors (by |λ|), the eigenvalue spectra, and the top positive and negative
 * eigenvectors of each class drawn as images. Files in {@code dir}: report.md, topk.csv,
 * topk.png, eigenvalues.csv, eigenvectors.png.
 */
public final class BilinearReport {
    /** What the report found. */
    public record Result(double maxLogitError, double maxLogit, int[] ks, double[] accuracy, Path dir) {
    }

    private BilinearReport() {
    }

    /**
     * Row {@code i} of the eigenvectors, its sign chosen so the pixels sum to >= 0: an eigenvector's
     * sign is arbitrary (λ(v·x)² does not see it), and this way the shape reads as red on white.
     */
    static float[] signed(float[] rows, int i, int inputs) {
        float[] v = java.util.Arrays.copyOfRange(rows, i * inputs, (i + 1) * inputs);
        double sum = 0;
        for (float f : v) {
            sum += f;
        }
        if (sum < 0) {
            for (int k = 0; k < v.length; k++) {
                v[k] = -v[k];
            }
        }
        return v;
    }

    /**
     * @param model the trained model (for the logits check), {@code dec} its decomposition,
     *              {@code test} the held-out images [N, height·width], {@code perClass} eigenvectors drawn per sign
     */
    public static Result write(Module model, BilinearDecomposition dec, TensorDataset test, Path dir, int height, int width,
            int perClass) throws IOException {
        Files.createDirectories(dir);
        System.setProperty("java.awt.headless", "true");
        Tensor x = test.features();
        Tensor y = test.targets();
        // 1. the decomposition reproduces the model's logits
        int n = Math.min(1000, x.size(0));
        Tensor xs = x.narrow(0, 0, n);
        double err;
        double maxLogit;
        try (NoGrad ignored = NoGrad.enter()) {
            boolean was = model.isTraining();
            model.eval();
            Tensor direct = model.forward(xs).to(DType.F64);
            model.train(was);
            Tensor eig = dec.logits(xs);
            err = direct.sub(eig).abs().max().item();
            maxLogit = direct.abs().max().item();
        }
        // 2. accuracy with the top-k eigenvectors per class
        int d = dec.dimension();
        List<Integer> kl = new ArrayList<>();
        for (int k : new int[] {0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 50, 100, 200}) {
            if (k < d) {
                kl.add(k);
            }
        }
        kl.add(d);
        int[] ks = kl.stream().mapToInt(Integer::intValue).toArray();
        double[] acc = dec.topKAccuracy(x, y, ks);
        StringBuilder csv = new StringBuilder("k,accuracy\n");
        for (int i = 0; i < ks.length; i++) {
            csv.append(ks[i]).append(',').append(String.format(Locale.ROOT, "%.6f", acc[i])).append('\n');
        }
        AtomicFiles.write(dir.resolve("topk.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
        XYChart chart = new XYChartBuilder().width(800).height(450).title("test accuracy keeping the top-k eigenvectors per class")
                .xAxisTitle("k (eigenvectors per class, by |eigenvalue|)").yAxisTitle("accuracy").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendVisible(false);
        double[] kx = new double[ks.length - 1];
        double[] ky = new double[ks.length - 1];
        for (int i = 1; i < ks.length; i++) { // k = 0 cannot sit on a log axis
            kx[i - 1] = ks[i];
            ky[i - 1] = acc[i];
        }
        chart.getStyler().setXAxisLogarithmic(true);
        chart.addSeries("accuracy", kx, ky).setMarker(SeriesMarkers.CIRCLE);
        AtomicFiles.writeStream(dir.resolve("topk.png"), os -> BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG));
        // 3. spectra and 4. eigenvectors as images
        List<BilinearDecomposition.Eigen> all = dec.decomposeAll();
        StringBuilder spectra = new StringBuilder("class,rank,eigenvalue\n");
        List<ImageGrid.Panel> panels = new ArrayList<>();
        for (int c = 0; c < all.size(); c++) {
            BilinearDecomposition.Eigen e = all.get(c);
            double[] lambda = e.eigenvalues().toDoubleArray(); // ascending
            for (int i = 0; i < lambda.length; i++) {
                spectra.append(c).append(',').append(i).append(',')
                        .append(String.format(Locale.ROOT, "%.8g", lambda[lambda.length - 1 - i])).append('\n');
            }
            float[] images = e.inputSpaceEigenvectors().to(DType.F32).contiguous().toFloatArray(); // [m, inputs]
            int inputs = height * width;
            int m = lambda.length;
            for (int j = 0; j < perClass; j++) {
                int pos = m - 1 - j;
                panels.add(new ImageGrid.Panel(signed(images, pos, inputs), String.format(Locale.ROOT, "%d: +%.2f", c, lambda[pos])));
            }
            for (int j = 0; j < perClass; j++) {
                panels.add(new ImageGrid.Panel(signed(images, j, inputs), String.format(Locale.ROOT, "%d: %.2f", c, lambda[j])));
            }
        }
        AtomicFiles.write(dir.resolve("eigenvalues.csv"), spectra.toString().getBytes(StandardCharsets.UTF_8));
        ImageGrid.write(dir.resolve("eigenvectors.png"), panels, height, width, 2 * perClass, 3);
        StringBuilder md = new StringBuilder("# Bilinear eigendecomposition report\n\n");
        md.append(String.format(Locale.ROOT, "- logits from the eigendecompositions vs the model's (first %d test images): "
                + "max |difference| %.3g (largest |logit| %.3g)%n", n, err, maxLogit));
        md.append(String.format(Locale.ROOT, "- interaction matrices: %d × %d per class, %d classes%n", d, d, all.size()));
        md.append("\n| top-k eigenvectors per class | test accuracy |\n|---|---|\n");
        for (int i = 0; i < ks.length; i++) {
            md.append(String.format(Locale.ROOT, "| %d | %.2f%% |%n", ks[i], 100 * acc[i]));
        }
        md.append("\n![top-k accuracy](topk.png)\n\nEach class's top ").append(perClass)
                .append(" positive (left) and negative (right) eigenvectors in input space; red positive, blue negative:\n\n")
                .append("![eigenvectors](eigenvectors.png)\n");
        AtomicFiles.write(dir.resolve("report.md"), md.toString().getBytes(StandardCharsets.UTF_8));
        return new Result(err, maxLogit, ks, acc, dir);
    }
}
