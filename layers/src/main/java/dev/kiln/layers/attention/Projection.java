package dev.kiln.layers.attention;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * y = x·Wᵀ + b with weight [out, in] and bias [out] under PyTorch's key names, initialised as
 * {@code torch.nn.Linear} (U(±1/√in), weight then bias, row-major). A stand-in for the layers
 * module's {@code Linear}, which lands in another branch; it is the same map and the same init, so
 * swapping it in changes no number.
 */
final class Projection extends Module {
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;

    Projection(int in, int out, boolean bias, DType dtype, Generator rng) {
        this.in = in;
        this.out = out;
        double bound = in > 0 ? 1.0 / Math.sqrt(in) : 0.0;
        this.weight = registerParameter("weight", new Parameter(uniform(rng, bound, dtype, out, in)));
        this.bias = bias ? registerParameter("bias", new Parameter(uniform(rng, bound, dtype, out))) : null;
    }

    /** U(−bound, bound) in row-major order from rng, as the layers module's Init.uniform_. */
    static Tensor uniform(Generator rng, double bound, DType dtype, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = -bound + 2 * bound * rng.nextDouble();
        }
        try (NoGrad ignored = NoGrad.enter()) {
            return Tensor.of(v, shape).to(dtype);
        }
    }

    /** x [..., in] → [..., out]; the caller has checked x's features and dtype. */
    @Override
    public Tensor forward(Tensor x) {
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        Tensor y = x.reshape(-1, in).matmul(weight.tensor().t()).reshape(shape);
        return bias == null ? y : y.add(bias.tensor());
    }

    Parameter weight() {
        return weight;
    }

    @Override
    protected String extraRepr() {
        return "inFeatures=" + in + ", outFeatures=" + out + ", bias=" + (bias != null);
    }
}
