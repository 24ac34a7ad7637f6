package dev.kiln.layers.attention;

import dev.kiln.layers.Init;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * A depthwise 1-D convolution over tokens, as torch.nn.Conv1d(C, C, K, groups=C): weight [C, 1, K],
 * bias [C], initialised U(±1/√K) as PyTorch does. The input is [..., T, C] (features last); the
 * output has its shape. Centred (padding (K−1)/2 each side, K odd) or causal (K−1 zeros on the
 * left, so token t sees tokens t−K+1..t). A composition of K shifted products: O(T·C·K).
 */
final class DepthwiseConv1d extends Module {
    private final int channels;
    private final int kernel;
    private final Parameter weight;
    private final Parameter bias;

    DepthwiseConv1d(int channels, int kernel, Generator rng) {
        this.channels = channels;
        this.kernel = kernel;
        double bound = 1.0 / Math.sqrt(kernel); // fan_in = (C / groups)·K = K
        this.weight = registerParameter("weight",
                new Parameter(Init.uniform_(Tensor.zeros(channels, 1, kernel), -bound, bound, rng)));
        this.bias = registerParameter("bias", new Parameter(Init.uniform_(Tensor.zeros(channels), -bound, bound, rng)));
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, false);
    }

    /** x [..., T, C] → [..., T, C]. */
    Tensor forward(Tensor x, boolean causal) {
        int tdim = x.dim() - 2;
        int t = x.size(tdim);
        int left = causal ? kernel - 1 : (kernel - 1) / 2;
        int right = kernel - 1 - left;
        int[] padShape = x.shape();
        padShape[tdim] = left;
        Tensor leftPad = Tensor.full(0, x.dtype(), x.device(), padShape);
        padShape[tdim] = right;
        Tensor rightPad = Tensor.full(0, x.dtype(), x.device(), padShape);
        Tensor padded = Tensor.cat(tdim, leftPad, x, rightPad);
        Tensor w = weight.tensor().reshape(channels, kernel);
        Tensor y = bias.tensor();
        for (int m = 0; m < kernel; m++) {
            // cross-correlation, as PyTorch: y[t] = Σ_m w[m]·padded[t + m]
            y = y.add(padded.narrow(tdim, m, t).mul(w.select(1, m)));
        }
        return y;
    }

    @Override
    protected String extraRepr() {
        return "channels=" + channels + ", kernel=" + kernel;
    }
}
