package dev.kiln.models.experiments;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Flatten;
import dev.kiln.layers.Init;
import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.layers.Sequential;
import dev.kiln.layers.activation.PReLU;
import dev.kiln.layers.conv.Conv2d;
import dev.kiln.layers.conv.MaxPool2d;
import dev.kiln.models.data.Batch;
import dev.kiln.models.data.DataLoader;
import dev.kiln.models.data.TensorDataset;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Sgd;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The learned PReLU slopes of a deep plain convnet (He et al. 2015, "Delving Deep into Rectifiers",
 * §2.1 and Table 1; docs/formulas/activations.md). The paper trained its 14-layer ImageNet model
 * with channel-shared and with channel-wise slopes and read the learned values per layer: the
 * first conv layer's slopes are well above 0 (0.68 shared, 0.60 channel-wise mean), and in the
 * channel-wise model deeper conv layers in general have smaller slopes. This is the same
 * measurement at Fashion-MNIST scale: VGG-style 3×3 conv layers without BatchNorm (stages of
 * {@code convsPerStage} convs, 2×2 max pooling after each stage), one hidden fully connected layer
 * and a linear classifier; every conv and the hidden fc are followed by PReLU with slopes
 * initialised to 0.25; weights He-initialised for that slope (std √(2 / ((1 + 0.25²)·fan_in))),
 * biases 0; SGD with momentum, weight decay on the weights only (the slopes are exempt, as the
 * paper: decay would push them toward ReLU). Both arms start from the same seed and see the same
 * batches.
 */
public final class PReluConvExperiment {
    /** Input standardisation and image side of the data (28×28, one channel). */
    private static final int SIDE = 28;

    /**
     * widths: output channels of each stage; convsPerStage conv layers per stage; fc: hidden fc
     * width; probeEvery: steps between two readings of the slopes.
     */
    public record Settings(int[] widths, int convsPerStage, int fc, int batch, int steps, double lr, double momentum,
                           double weightDecay, int probeEvery, long seed) {
        public Settings {
            widths = widths.clone();
        }

        @Override
        public int[] widths() {
            return widths.clone();
        }

        /** The PReLU layers' names in order: conv1, conv2, ..., fc1. */
        public List<String> layerNames() {
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= widths.length * convsPerStage; i++) {
                names.add("conv" + i);
            }
            names.add("fc1");
            return names;
        }
    }

    /**
     * One arm: channel-shared or channel-wise slopes. Per PReLU layer the learned slope (mean, min
     * and max over its channels; equal for a shared slope), the slopes' mean per layer at every
     * probe step, the training loss per step and the test accuracy.
     */
    public record Arm(String name, boolean channelWise, double[] mean, double[] min, double[] max, long[] probeSteps,
                      double[][] meanAtProbe, double[] trainLoss, double testAccuracy, double seconds) {
    }

    private PReluConvExperiment() {
    }

    public static List<Arm> run(Settings s, TensorDataset train, TensorDataset test, Consumer<String> progress) {
        check(s, train, test);
        // standardise with the training set's pixel mean and std, as one does for an image net
        double mean = train.features().mean().item();
        double std = Math.sqrt(train.features().sub(mean).square().mean().item());
        List<Arm> arms = new ArrayList<>();
        for (boolean channelWise : new boolean[] {false, true}) {
            String name = channelWise ? "channel-wise" : "channel-shared";
            Generator rng = new Generator(s.seed());
            List<PReLU> prelus = new ArrayList<>();
            Sequential model = build(s, channelWise, train.numClasses(), prelus, rng);
            Optimizer opt = Sgd.builder(model.parameters()).lr(s.lr()).momentum(s.momentum()).weightDecay(s.weightDecay()).build();
            DataLoader loader = new DataLoader(train, s.batch(), s.seed());
            double[] losses = new double[s.steps()];
            int probes = s.steps() / s.probeEvery() + 1;
            long[] probeSteps = new long[probes];
            double[][] atProbe = new double[probes][];
            int p = 0;
            probeSteps[p] = 0;
            atProbe[p++] = slopes(prelus)[0];
            long t0 = System.nanoTime();
            model.train();
            for (int t = 0; t < s.steps(); t++) {
                Batch b = loader.batch(t);
                Tensor loss = model.forward(images(b.input(), mean, std)).crossEntropy(b.target());
                opt.zeroGrad();
                loss.backward();
                opt.step();
                losses[t] = loss.item();
                if (!Double.isFinite(losses[t])) {
                    throw new IllegalStateException("experiment prelu-conv: the " + name + " run diverged at step " + (t + 1)
                            + " (loss " + losses[t] + "); lower --lr");
                }
                if ((t + 1) % s.probeEvery() == 0 && p < probes) {
                    probeSteps[p] = t + 1;
                    atProbe[p++] = slopes(prelus)[0];
                }
                if (progress != null && ((t + 1) % Math.max(1, s.steps() / 20) == 0 || t + 1 == s.steps())) {
                    double[] m = slopes(prelus)[0];
                    progress.accept(String.format(Locale.ROOT, "%s: step %d/%d loss %.4f  slopes %s  %.0f s", name, t + 1,
                            s.steps(), losses[t], fmt(m), (System.nanoTime() - t0) * 1e-9));
                }
            }
            double seconds = (System.nanoTime() - t0) * 1e-9;
            double acc = accuracy(model, test, mean, std);
            double[][] st = slopes(prelus);
            if (progress != null) {
                progress.accept(String.format(Locale.ROOT, "%s: test accuracy %.2f%%", name, 100 * acc));
            }
            arms.add(new Arm(name, channelWise, st[0], st[1], st[2], java.util.Arrays.copyOf(probeSteps, p),
                    java.util.Arrays.copyOf(atProbe, p), losses, acc, seconds));
        }
        return arms;
    }

    private static void check(Settings s, TensorDataset train, TensorDataset test) {
        if (s.widths().length < 1 || s.widths().length > 4 || s.convsPerStage() < 1 || s.fc() < 1 || s.batch() < 1
                || s.steps() < 1 || s.probeEvery() < 1) {
            throw new IllegalArgumentException("experiment prelu-conv: needs 1 to 4 stages (28 / 2^4 = 1), convs per stage, "
                    + "fc width, batch, steps and probe interval >= 1; got " + java.util.Arrays.toString(s.widths()) + ", "
                    + s.convsPerStage() + ", " + s.fc() + ", " + s.batch() + ", " + s.steps() + ", " + s.probeEvery());
        }
        for (int w : s.widths()) {
            if (w < 1) {
                throw new IllegalArgumentException("experiment prelu-conv: stage widths must be >= 1, got "
                        + java.util.Arrays.toString(s.widths()));
            }
        }
        for (TensorDataset d : new TensorDataset[] {train, test}) {
            if (d.features().dim() != 2 || d.features().size(1) != SIDE * SIDE) {
                throw new IllegalArgumentException("experiment prelu-conv: expected 28x28 images as [N, 784], got "
                        + dev.kiln.tensor.Shapes.str(d.features().shape()));
            }
        }
    }

    /** The convnet; its PReLUs are appended to prelus in order. */
    static Sequential build(Settings s, boolean channelWise, int classes, List<PReLU> prelus, Generator rng) {
        List<Module> layers = new ArrayList<>();
        int in = 1;
        int side = SIDE;
        for (int w : s.widths()) {
            for (int c = 0; c < s.convsPerStage(); c++) {
                Conv2d conv = new Conv2d(in, w, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, 1, true, rng);
                heInit(conv.weight().tensor(), conv.bias().tensor(), rng);
                PReLU a = channelWise ? new PReLU(w) : new PReLU();
                prelus.add(a);
                layers.add(conv);
                layers.add(a);
                in = w;
            }
            layers.add(new MaxPool2d(2));
            side /= 2;
        }
        layers.add(new Flatten());
        Linear fc = new Linear(in * side * side, s.fc(), rng);
        heInit(fc.weight().tensor(), fc.bias().tensor(), rng);
        PReLU a = channelWise ? new PReLU(s.fc()) : new PReLU();
        prelus.add(a);
        Linear head = new Linear(s.fc(), classes, rng);
        try (NoGrad ignored = NoGrad.enter()) {
            // the classifier sees no PReLU after it: plain fan-in scaling (gain 1)
            Init.kaimingNormal_(head.weight().tensor(), 1, Init.FanMode.FAN_IN, "leaky_relu", rng);
            Init.zeros_(head.bias().tensor());
        }
        layers.add(fc);
        layers.add(a);
        layers.add(head);
        return new Sequential(layers);
    }

    /** He et al.'s init for a rectifier of slope 0.25: N(0, 2 / ((1 + 0.25²)·fan_in)), bias 0. */
    private static void heInit(Tensor w, Tensor b, Generator rng) {
        try (NoGrad ignored = NoGrad.enter()) {
            Init.kaimingNormal_(w, 0.25, Init.FanMode.FAN_IN, "leaky_relu", rng);
            Init.zeros_(b);
        }
    }

    private static Tensor images(Tensor flat, double mean, double std) {
        return flat.sub(mean).div(std).reshape(-1, 1, SIDE, SIDE);
    }

    /** Per PReLU layer: the mean, min and max of its slopes. */
    static double[][] slopes(List<PReLU> prelus) {
        double[][] r = new double[3][prelus.size()];
        for (int i = 0; i < prelus.size(); i++) {
            float[] a = prelus.get(i).weight().tensor().toFloatArray();
            double sum = 0;
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (float v : a) {
                sum += v;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            r[0][i] = sum / a.length;
            r[1][i] = lo;
            r[2][i] = hi;
        }
        return r;
    }

    /** Test accuracy in eval mode, in chunks so the conv activations of the whole set are never held at once. */
    static double accuracy(Module model, TensorDataset test, double mean, double std) {
        model.eval();
        try (NoGrad ignored = NoGrad.enter()) {
            int n = test.size();
            double correct = 0;
            for (int from = 0; from < n; from += 500) {
                int len = Math.min(500, n - from);
                Tensor x = images(test.features().narrow(0, from, len), mean, std);
                Tensor pred = model.forward(x).argmax(1, false);
                correct += pred.eq(test.targets().narrow(0, from, len)).to(DType.F32).sum().item();
            }
            return correct / n;
        } finally {
            model.train();
        }
    }

    /**
     * A small generated image set for quick runs without Fashion-MNIST: class c is a sinusoidal
     * grating at orientation c·18° with a random phase and frequency, over Gaussian noise, pixels
     * clamped to [0, 1] as the IDX loader gives them. Edges at a given orientation are what the
     * first conv layer must detect, as in natural images.
     */
    public static TensorDataset gratings(int n, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("experiment prelu-conv: the generated set needs >= 1 image, got " + n);
        }
        Generator rng = new Generator(seed);
        float[] x = new float[n * SIDE * SIDE];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(10);
            y[i] = c;
            double theta = Math.PI * c / 10;
            double freq = 0.25 + 0.25 * rng.nextDouble();
            double phase = 2 * Math.PI * rng.nextDouble();
            double ct = Math.cos(theta);
            double sn = Math.sin(theta);
            for (int r = 0; r < SIDE; r++) {
                for (int q = 0; q < SIDE; q++) {
                    double v = 0.5 + 0.3 * Math.sin(freq * (q * ct + r * sn) + phase) + 0.2 * rng.nextGaussian();
                    x[(i * SIDE + r) * SIDE + q] = (float) Math.min(1, Math.max(0, v));
                }
            }
        }
        return new TensorDataset(Tensor.of(x, n, SIDE * SIDE), Tensor.of(y, n));
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", v[i]));
        }
        return b.append(']').toString();
    }
}
