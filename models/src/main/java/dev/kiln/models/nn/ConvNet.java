package dev.kiln.models.nn;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.layers.Sequential;
import dev.kiln.layers.activation.ReLU;
import dev.kiln.layers.conv.AdaptiveAvgPool2d;
import dev.kiln.layers.conv.Conv2d;
import dev.kiln.layers.conv.MaxPool2d;
import dev.kiln.layers.norm.BatchNorm2d;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The image classifiers of {@code kiln train cnn}: a small ResNet (He et al. 2016, the CIFAR
 * variant: a 3×3 stem, stages of basic blocks whose first block halves the resolution from the
 * second stage on, with a 1×1 projection where the shape changes, global average pooling and a
 * linear head) or a VGG-style net (stages of conv-BN-ReLU pairs, each stage but the last
 * followed by 2×2 max pooling, then the same pooling and head). Convolutions have no bias (BN
 * follows each one). Inputs are [N, C, H, W] or flat [N, C·H·W] rows, as the image data sets
 * store them, so {@code kiln eval} feeds it like the MLP. The module names match
 * tools/torch_cnn_step.py's PyTorch model, so the state dicts correspond key for key.
 */
public final class ConvNet extends Module {
    /** The architectures by name. */
    public static final List<String> ARCHS = List.of("resnet", "vgg");

    /**
     * arch "resnet" or "vgg"; one width per stage; blocks per stage (basic blocks for the ResNet,
     * conv-BN-ReLU layers for VGG); images of channels × size × size; classes outputs.
     */
    public record Config(String arch, int[] widths, int blocks, int channels, int size, int classes) {
        public Config {
            if (arch == null || !ARCHS.contains(arch)) {
                throw new IllegalArgumentException("ConvNet: arch must be one of " + ARCHS + ", got " + arch);
            }
            if (widths == null || widths.length == 0 || Arrays.stream(widths).anyMatch(w -> w < 1) || blocks < 1
                    || channels < 1 || size < 1 || classes < 1) {
                throw new IllegalArgumentException("ConvNet: widths (at least one) and blocks, channels, size, classes must "
                        + "be >= 1, got widths " + Arrays.toString(widths) + ", blocks " + blocks + ", channels " + channels
                        + ", size " + size + ", classes " + classes);
            }
            widths = widths.clone();
        }

        @Override
        public int[] widths() {
            return widths.clone();
        }

        /** "resnet 16-32-64 x2". */
        public String describe() {
            StringBuilder sb = new StringBuilder(arch).append(' ');
            for (int i = 0; i < widths.length; i++) {
                sb.append(i == 0 ? "" : "-").append(widths[i]);
            }
            return sb.append(" x").append(blocks).toString();
        }
    }

    private final Config config;
    private final Sequential features;
    private final Linear fc;

    public ConvNet(Config c, Generator rng) {
        this.config = c;
        int[] w = c.widths();
        List<Module> layers = new ArrayList<>();
        if (c.arch().equals("resnet")) {
            layers.add(conv(c.channels(), w[0], 3, 1, rng));
            layers.add(new BatchNorm2d(w[0]));
            layers.add(new ReLU());
            int in = w[0];
            for (int s = 0; s < w.length; s++) {
                List<Module> stage = new ArrayList<>();
                for (int b = 0; b < c.blocks(); b++) {
                    stage.add(new BasicBlock(in, w[s], b == 0 && s > 0 ? 2 : 1, rng));
                    in = w[s];
                }
                layers.add(new Sequential(stage));
            }
        } else {
            int in = c.channels();
            for (int s = 0; s < w.length; s++) {
                for (int b = 0; b < c.blocks(); b++) {
                    layers.add(conv(in, w[s], 3, 1, rng));
                    layers.add(new BatchNorm2d(w[s]));
                    layers.add(new ReLU());
                    in = w[s];
                }
                if (s < w.length - 1) {
                    layers.add(new MaxPool2d(2));
                }
            }
        }
        layers.add(new AdaptiveAvgPool2d(1));
        this.features = registerModule("features", new Sequential(layers));
        this.fc = registerModule("fc", new Linear(w[w.length - 1], c.classes(), rng));
    }

    /** A 3×3 (padding 1) or 1×1 (no padding) convolution without bias. */
    static Conv2d conv(int in, int out, int kernel, int stride, Generator rng) {
        return new Conv2d(in, out, new int[] {kernel}, new int[] {stride}, new int[] {kernel / 2}, new int[] {1}, 1, false, rng);
    }

    public Config config() {
        return config;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        int n = x.dim() > 0 ? x.size(0) : 0;
        int flat = config.channels() * config.size() * config.size();
        if (x.dim() == 2 && x.size(1) == flat) {
            x = x.reshape(n, config.channels(), config.size(), config.size());
        } else if (x.dim() != 4 || x.size(1) != config.channels()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "ConvNet: input must be [N, %d, H, W] or [N, %d], "
                    + "got %s", config.channels(), flat, Arrays.toString(x.shape())));
        }
        Tensor f = features.forward(x);
        return fc.forward(f.reshape(f.size(0), f.size(1)));
    }

    @Override
    protected String extraRepr() {
        return config.describe();
    }

    /**
     * conv3×3(stride) → BN → ReLU → conv3×3 → BN, plus the input (through a 1×1 conv and BN
     * where the stride or width changes), then ReLU.
     */
    static final class BasicBlock extends Module {
        private final Conv2d conv1;
        private final BatchNorm2d bn1;
        private final Conv2d conv2;
        private final BatchNorm2d bn2;
        private final Sequential shortcut;

        BasicBlock(int in, int out, int stride, Generator rng) {
            conv1 = registerModule("conv1", conv(in, out, 3, stride, rng));
            bn1 = registerModule("bn1", new BatchNorm2d(out));
            conv2 = registerModule("conv2", conv(out, out, 3, 1, rng));
            bn2 = registerModule("bn2", new BatchNorm2d(out));
            shortcut = stride != 1 || in != out
                    ? registerModule("shortcut", new Sequential(conv(in, out, 1, stride, rng), new BatchNorm2d(out)))
                    : null;
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor y = bn2.forward(conv2.forward(bn1.forwardRelu(conv1.forward(x))));
            return y.addRelu(shortcut != null ? shortcut.forward(x) : x);
        }
    }
}
