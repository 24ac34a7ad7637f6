package dev.kiln.layers.kan;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.layers.ModuleList;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A stack of {@link KANLinear} layers of the given widths, e.g. [2, 1, 1] or [784, 64, 10]
 * (efficient-kan's KAN; keys "layers.0.base_weight", ...). Grid updates, refinement and the
 * regulariser work layer by layer, each layer seeing what the layers before it produce.
 *
 * <pre>{@code
 * KAN model = KAN.builder(2, 1, 1).gridSize(3).build(rng);
 * // ... train (L-BFGS) ...
 * model = model.refine(10, trainX);          // G = 3 → 10, fitted on the training inputs
 * var out = model.forwardWithRegularization(x, 1, 2);
 * Tensor loss = out.output().mseLoss(y).add(out.regularization().mul(lambda));
 * }</pre>
 */
public final class KAN extends Module {
    private final int[] widths;
    private final ModuleList<KANLinear> layers;

    /** Default layers (efficient-kan's options) of the given widths, at least two. */
    public KAN(int[] widths, Generator rng) {
        this(builder(widths).buildLayers(rng), widths);
    }

    private KAN(List<KANLinear> layers, int[] widths) {
        this.widths = widths.clone();
        this.layers = registerModule("layers", new ModuleList<>(layers));
    }

    /** Options for every layer, with {@link KANLinear.Builder}'s names and defaults. */
    public static Builder builder(int... widths) {
        return new Builder(widths);
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(describe(), x);
        for (KANLinear layer : layers) {
            x = layer.forward(x);
        }
        return x;
    }

    /** The output and the summed per-layer regulariser of one pass. */
    public record Regularized(Tensor output, Tensor regularization) {
    }

    /**
     * One forward pass that also returns Σ over layers of {@link KANLinear#regularization} with the
     * given weights (pykan's defaults are λ_l1 = 1, λ_entropy = 2): each layer's output is the sum of
     * its edge activations, so they are computed once. x is [N, in].
     */
    public Regularized forwardWithRegularization(Tensor x, double lambL1, double lambEntropy) {
        Inputs.requireFloat(describe(), x);
        Tensor reg = null;
        for (KANLinear layer : layers) {
            Tensor acts = layer.edgeActivations(x); // [N, out, in]
            Tensor r = KANLinear.regularization(acts.abs().mean(0), lambL1, lambEntropy);
            reg = reg == null ? r : reg.add(r);
            x = acts.sum(-1);
        }
        return new Regularized(x, reg);
    }

    /** The regulariser alone (λ_l1 = 1, λ_entropy = 2) on a batch x [N, in]. */
    public Tensor regularizationLoss(Tensor x) {
        return forwardWithRegularization(x, 1, 2).regularization();
    }

    /**
     * Updates every layer's grid to the data it sees (efficient-kan's forward(update_grid=True)):
     * layer l is updated on the outputs of the already updated layers before it. In place.
     */
    public void updateGrid(Tensor x) {
        try (NoGrad ignored = NoGrad.enter()) {
            for (KANLinear layer : layers) {
                layer.updateGrid(x);
                x = layer.forward(x);
            }
        }
    }

    /**
     * A new model with every layer refined to G′ = newGridSize (grid extension), each layer fitted on
     * what it receives from this model's layers on x (pykan's refine on its cached training inputs);
     * see {@link KANLinear#refine(int, Tensor)}. Build the optimizer anew for the returned model.
     */
    public KAN refine(int newGridSize, Tensor x) {
        Inputs.requireFloat(describe() + ".refine", x);
        List<KANLinear> refined = new ArrayList<>();
        try (NoGrad ignored = NoGrad.enter()) {
            for (KANLinear layer : layers) {
                refined.add(layer.refine(newGridSize, x));
                x = layer.forward(x);
            }
        }
        return new KAN(refined, widths);
    }

    /** As {@link #refine(int, Tensor)}, each layer fitted on dense points over its own grid. */
    public KAN refine(int newGridSize) {
        List<KANLinear> refined = new ArrayList<>();
        for (KANLinear layer : layers) {
            refined.add(layer.refine(newGridSize));
        }
        return new KAN(refined, widths);
    }

    /** Layer l (0-based). */
    public KANLinear layer(int l) {
        return layers.get(l);
    }

    public List<KANLinear> layers() {
        List<KANLinear> out = new ArrayList<>();
        layers.forEach(out::add);
        return out;
    }

    public int[] widths() {
        return widths.clone();
    }

    @Override
    protected String extraRepr() {
        return "widths=" + Arrays.toString(widths);
    }

    /** Options applied to every layer; see {@link KANLinear.Builder}. */
    public static final class Builder {
        private final int[] widths;
        private final List<Consumer<KANLinear.Builder>> options = new ArrayList<>();

        private Builder(int[] widths) {
            if (widths == null || widths.length < 2) {
                throw new IllegalArgumentException("KAN: at least two widths (inputs and outputs) are needed, got "
                        + Arrays.toString(widths));
            }
            for (int w : widths) {
                if (w < 1) {
                    throw new IllegalArgumentException("KAN: widths must be >= 1, got " + Arrays.toString(widths));
                }
            }
            this.widths = widths.clone();
        }

        private Builder with(Consumer<KANLinear.Builder> option) {
            options.add(option);
            return this;
        }

        public Builder gridSize(int g) {
            return with(b -> b.gridSize(g));
        }

        public Builder splineOrder(int k) {
            return with(b -> b.splineOrder(k));
        }

        public Builder gridRange(double lo, double hi) {
            return with(b -> b.gridRange(lo, hi));
        }

        public Builder basis(Basis basis) {
            return with(b -> b.basis(basis));
        }

        public Builder scaleNoise(double s) {
            return with(b -> b.scaleNoise(s));
        }

        public Builder scaleBase(double s) {
            return with(b -> b.scaleBase(s));
        }

        public Builder scaleSpline(double s) {
            return with(b -> b.scaleSpline(s));
        }

        public Builder enableStandaloneScaleSpline(boolean on) {
            return with(b -> b.enableStandaloneScaleSpline(on));
        }

        public Builder baseActivation(java.util.function.Supplier<Module> factory) {
            return with(b -> b.baseActivation(factory));
        }

        public Builder gridEps(double eps) {
            return with(b -> b.gridEps(eps));
        }

        public Builder dtype(DType dtype) {
            return with(b -> b.dtype(dtype));
        }

        private List<KANLinear> buildLayers(Generator rng) {
            List<KANLinear> layers = new ArrayList<>();
            for (int l = 0; l + 1 < widths.length; l++) {
                KANLinear.Builder b = KANLinear.builder(widths[l], widths[l + 1]);
                options.forEach(o -> o.accept(b));
                layers.add(b.build(rng));
            }
            return layers;
        }

        public KAN build(Generator rng) {
            return new KAN(buildLayers(rng), widths);
        }
    }
}
