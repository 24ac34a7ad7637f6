package dev.kiln.layers.attention;

import dev.kiln.layers.Module;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Rotary position embedding (Su et al., RoFormer, 2021): the feature pairs (x₂ᵢ, x₂ᵢ₊₁) of the token
 * at position p are rotated by the angle p·θᵢ with θᵢ = base^(−2i/D), base 10000 by default. The
 * pairs are adjacent features, as in the paper and its official code (some ports pair feature i
 * with i + D/2 instead, a permutation of the same map).
 *
 * <p>Written as a composition of elementwise ops (two products, a difference and a sum per half,
 * then a stack) rather than as a fused op: it is O(T·D) memory-bound work beside attention's
 * O(T²·D), it runs on every backend, and its gradient comes from the ops' rules. The cos and sin
 * tables are computed in double and kept (not in the state dict, like PyTorch's non-persistent
 * buffers), grown as longer positions are asked for.
 */
public final class RotaryEmbedding extends Module {
    private final int headDim;
    private final double base;
    private final Map<String, Tensor[]> tables = new HashMap<>();
    private int capacity;

    /** Base 10000. */
    public RotaryEmbedding(int headDim) {
        this(headDim, 10000);
    }

    public RotaryEmbedding(int headDim, double base) {
        Heads.require(headDim > 0 && headDim % 2 == 0, "RotaryEmbedding: headDim must be positive and even "
                + "(features are rotated in pairs), got " + headDim);
        Heads.require(base > 0 && Double.isFinite(base), "RotaryEmbedding: base must be positive, got " + base);
        this.headDim = headDim;
        this.base = base;
    }

    /** Rotates x [..., T, headDim] as positions 0..T−1. */
    @Override
    public Tensor forward(Tensor x) {
        return apply(x, 0);
    }

    /** Rotates x [..., T, headDim] as positions offset..offset+T−1 (offset: tokens already in a KV cache). */
    public Tensor apply(Tensor x, int positionOffset) {
        Heads.require(x.dim() >= 2 && x.size(-1) == headDim && x.dtype().isFloatingPoint(),
                "RotaryEmbedding.apply: expected a floating-point [..., T, " + headDim + "] input, got " + x.dtype()
                        + " " + Shapes.str(x.shape()));
        Heads.require(positionOffset >= 0, "RotaryEmbedding.apply: positionOffset must be >= 0, got " + positionOffset);
        int[] shape = x.shape();
        int t = shape[shape.length - 2];
        Tensor[] cs = tables(positionOffset + t, x.dtype(), x.device());
        Tensor cos = cs[0].narrow(0, positionOffset, t);
        Tensor sin = cs[1].narrow(0, positionOffset, t);
        int[] pairShape = java.util.Arrays.copyOf(shape, shape.length + 1);
        pairShape[shape.length - 1] = headDim / 2;
        pairShape[shape.length] = 2;
        Tensor pairs = x.reshape(pairShape);
        Tensor even = pairs.select(-1, 0);
        Tensor odd = pairs.select(-1, 1);
        Tensor rotatedEven = even.mul(cos).sub(odd.mul(sin));
        Tensor rotatedOdd = even.mul(sin).add(odd.mul(cos));
        return Tensor.stack(-1, rotatedEven, rotatedOdd).reshape(shape);
    }

    /** cos and sin [capacity, headDim/2] in the dtype and on the device asked for, grown by doubling. */
    private Tensor[] tables(int positions, DType dtype, Device device) {
        if (positions > capacity) {
            capacity = Math.max(positions, Math.max(64, 2 * capacity));
            tables.clear();
        }
        return tables.computeIfAbsent(dtype + "@" + device, key -> {
            int half = headDim / 2;
            double[] c = new double[capacity * half];
            double[] s = new double[capacity * half];
            for (int i = 0; i < half; i++) {
                double theta = Math.pow(base, -2.0 * i / headDim);
                for (int p = 0; p < capacity; p++) {
                    c[p * half + i] = Math.cos(p * theta);
                    s[p * half + i] = Math.sin(p * theta);
                }
            }
            return new Tensor[] {Tensor.of(c, capacity, half).to(dtype).to(device),
                Tensor.of(s, capacity, half).to(dtype).to(device)};
        });
    }

    public int headDim() {
        return headDim;
    }

    public double base() {
        return base;
    }

    @Override
    protected String extraRepr() {
        return "headDim=" + headDim + ", base=" + base;
    }
}
