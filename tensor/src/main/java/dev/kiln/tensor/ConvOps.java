package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import java.util.Arrays;

/**
 * PyTorch's {@code conv1d} and {@code conv2d}: checks, the output size, and the kernels of the
 * backend. conv1d is conv2d over a height of 1 (the same kernels, a view on each side).
 *
 * <p>Output size per spatial dim, as PyTorch: out = ⌊(in + padTotal − dilation·(k − 1) − 1) / stride⌋ + 1.
 * The backward kernels are public because autograd's rules (another module) call them.
 */
public final class ConvOps {
    private ConvOps() {
    }

    /** conv1d with explicit padding: input [N, C, L] (or unbatched [C, L]), weight [O, C/groups, k]. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation,
                                int groups) {
        return conv1d(input, weight, bias, stride, new int[] {padding}, null, dilation, groups);
    }

    /** conv1d with padding "same" or "valid" (PyTorch's string forms). */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, String padding, int dilation,
                                int groups) {
        return conv1d(input, weight, bias, stride, null, padding, dilation, groups);
    }

    private static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, int[] pad, String padMode,
                                 int dilation, int groups) {
        String op = "conv1d";
        checkRanks(op, input, weight, 1, "[N, C, L]", "[out, in/groups, k]");
        boolean batched = input.dim() == 3;
        Tensor x = (batched ? input : input.unsqueeze(0)).unsqueeze(2);
        int[] padding = pad == null ? null : new int[] {0, pad[0]};
        Tensor y = conv(op, x, weight.unsqueeze(2), bias, new int[] {1, stride}, padding, padMode,
                new int[] {1, dilation}, groups, input, weight);
        y = y.squeeze(2);
        return batched ? y : y.squeeze(0);
    }

    /**
     * PyTorch's {@code F.conv2d}: input [N, C, H, W] (or unbatched [C, H, W]), weight
     * [O, C/groups, kH, kW], bias [O] or null. stride, padding and dilation take one value for both
     * dims or two (height, width).
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        return conv2d(input, weight, bias, stride, padding, null, dilation, groups);
    }

    /**
     * conv2d with padding "valid" (none) or "same" (the output keeps the input's size; stride 1
     * only, as PyTorch; an odd total padding puts the extra row/column at the bottom/right, as PyTorch).
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation,
                                int groups) {
        return conv2d(input, weight, bias, stride, null, padding, dilation, groups);
    }

    private static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] pad, String padMode,
                                 int[] dilation, int groups) {
        String op = "conv2d";
        checkRanks(op, input, weight, 2, "[N, C, H, W]", "[out, in/groups, kH, kW]");
        boolean batched = input.dim() == 4;
        Tensor y = conv(op, batched ? input : input.unsqueeze(0), weight, bias, pair(op, "stride", stride),
                pad == null ? null : pair(op, "padding", pad), padMode, pair(op, "dilation", dilation), groups, input,
                weight);
        return batched ? y : y.squeeze(0);
    }

    /**
     * The checks every convolution starts with: a float input of {@code spatial} dims, unbatched or
     * batched, and a weight of {@code spatial + 2} dims; the layouts name the dims in the messages.
     */
    private static void checkRanks(String op, Tensor input, Tensor weight, int spatial, String inputLayout,
                                   String weightLayout) {
        Dispatch.requireFloat(op, input);
        if (input.dim() != spatial + 1 && input.dim() != spatial + 2) {
            throw new IllegalArgumentException(op + ": expected a " + (spatial + 1) + "-D (unbatched) or " + (spatial + 2)
                    + "-D (batched) input " + inputLayout + ", got " + Shapes.str(input.shape()));
        }
        if (weight.dim() != spatial + 2) {
            throw new IllegalArgumentException(op + ": weight must be " + (spatial + 2) + "-D " + weightLayout + ", got "
                    + Shapes.str(weight.shape()));
        }
    }

    /** The shared path: x 4-D; original input and weight only for the messages. */
    private static Tensor conv(String op, Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding,
                               String padMode, int[] dilation, int groups, Tensor userInput, Tensor userWeight) {
        ConvShape s = shape(op, x, weight, bias, stride, padding, padMode, dilation, groups, userInput, userWeight);
        Tensor[] inputs = bias == null ? new Tensor[] {x, weight} : new Tensor[] {x, weight, bias};
        Backend b = Dispatch.backend(op, inputs);
        Tensor out = Dispatch.uninitialized(b, x.dtype(), new int[] {s.n(), s.cOut(), s.outH(), s.outW()}, x.device());
        if (out.numel() > 0) {
            b.conv2d(out, x.contiguous().detach(), weight.contiguous().detach(),
                    bias == null ? null : bias.contiguous().detach(), s);
        }
        return Dispatch.record(new Op.Conv2d(s, bias != null), out, inputs);
    }

    /** Checks everything once and resolves the geometry. */
    private static ConvShape shape(String op, Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                   String padMode, int[] dilation, int groups, Tensor userInput, Tensor userWeight) {
        Dispatch.sameDType(op, x, weight);
        String shapes = "input " + Shapes.str(userInput.shape()) + ", weight " + Shapes.str(userWeight.shape());
        if (groups < 1) {
            throw new IllegalArgumentException(op + ": groups must be >= 1, got " + groups);
        }
        int n = x.size(0);
        int cIn = x.size(1);
        int cOut = weight.size(0);
        if (cOut % groups != 0) {
            throw new IllegalArgumentException(op + ": out channels " + cOut + " (weight dim 0) must be divisible by groups "
                    + groups + " (" + shapes + ")");
        }
        if (cOut == 0) {
            throw new IllegalArgumentException(op + ": weight has 0 out channels (" + shapes + ")");
        }
        if ((long) weight.size(1) * groups != cIn) {
            throw new IllegalArgumentException(op + ": expected the input to have weight.size(1) x groups = "
                    + weight.size(1) + " x " + groups + " = " + (long) weight.size(1) * groups + " channels, got " + cIn
                    + " (" + shapes + ")");
        }
        for (int i = 0; i < 2; i++) {
            if (stride[i] < 1) {
                throw new IllegalArgumentException(op + ": stride must be >= 1, got " + Arrays.toString(stride));
            }
            if (dilation[i] < 1) {
                throw new IllegalArgumentException(op + ": dilation must be >= 1, got " + Arrays.toString(dilation));
            }
            if (weight.size(2 + i) < 1) {
                throw new IllegalArgumentException(op + ": the kernel must have a non-zero size (" + shapes + ")");
            }
        }
        if (bias != null) {
            Dispatch.sameDType(op, x, bias);
            Dispatch.device(op, x, bias);
            if (bias.dim() != 1 || bias.size(0) != cOut) {
                throw new IllegalArgumentException(op + ": bias must be [" + cOut + "] (one per out channel), got "
                        + Shapes.str(bias.shape()) + " (" + shapes + ")");
            }
        }
        int[] k = {weight.size(2), weight.size(3)};
        int[] in = {x.size(2), x.size(3)};
        int[] before = new int[2];
        int[] total = new int[2];
        if (padMode != null) {
            switch (padMode) {
                case "valid" -> {
                }
                case "same" -> {
                    if (stride[0] != 1 || stride[1] != 1) {
                        throw new IllegalArgumentException(op + ": padding \"same\" is not supported for strided "
                                + "convolutions (stride " + Arrays.toString(stride) + "), as PyTorch");
                    }
                    for (int i = 0; i < 2; i++) {
                        total[i] = Math.toIntExact((long) dilation[i] * (k[i] - 1));
                        before[i] = total[i] / 2;
                    }
                }
                default -> throw new IllegalArgumentException(op + ": padding must be \"same\", \"valid\" or numbers, got \""
                        + padMode + "\"");
            }
        } else {
            for (int i = 0; i < 2; i++) {
                if (padding[i] < 0) {
                    throw new IllegalArgumentException(op + ": padding must be >= 0, got " + Arrays.toString(padding));
                }
                before[i] = padding[i];
                total[i] = Math.toIntExact(2L * padding[i]);
            }
        }
        int[] out = new int[2];
        for (int i = 0; i < 2; i++) {
            long padded = (long) in[i] + total[i];
            long span = (long) dilation[i] * (k[i] - 1) + 1;
            if (span > padded) {
                throw new IllegalArgumentException(op + ": the kernel (dilated size " + span + ") is bigger than the padded "
                        + "input (size " + padded + ") in spatial dim " + i + " (" + shapes + ", padding "
                        + (padMode != null ? "\"" + padMode + "\"" : Arrays.toString(padding)) + ", dilation "
                        + Arrays.toString(dilation) + ")");
            }
            out[i] = Math.toIntExact((padded - span) / stride[i] + 1);
        }
        Shapes.numel(new int[] {n, cOut, out[0], out[1]});
        return new ConvShape(n, cIn, in[0], in[1], cOut, k[0], k[1], stride[0], stride[1], before[0], before[1],
                dilation[0], dilation[1], groups, out[0], out[1]);
    }

    /** One value for both spatial dims, or two. */
    static int[] pair(String op, String what, int[] v) {
        if (v == null || (v.length != 1 && v.length != 2)) {
            throw new IllegalArgumentException(op + ": " + what + " must have 1 or 2 values, got "
                    + (v == null ? "null" : Arrays.toString(v)));
        }
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }

    /**
     * conv2d of a 4-D x with a resolved geometry and no bias, not recorded: convTranspose2d's input
     * gradient (its output size is the geometry's, which outputPadding may make smaller than the
     * usual formula's).
     */
    public static Tensor conv2dAt(Tensor x, Tensor weight, ConvShape s) {
        String name = "conv2dAt";
        Dispatch.notRecorded(name, x, weight);
        Backend b = Dispatch.backend(name, x, weight);
        Tensor out = Dispatch.uninitialized(b, x.dtype(), new int[] {s.n(), s.cOut(), s.outH(), s.outW()}, x.device());
        if (out.numel() > 0) {
            b.conv2d(out, x.contiguous(), weight.contiguous(), null, s);
        }
        return out;
    }

    /** The gradient of conv2d with respect to its 4-D input. */
    public static Tensor conv2dBackwardInput(Tensor dy, Tensor weight, ConvShape s) {
        String name = "conv2dBackwardInput";
        Dispatch.notRecorded(name, dy, weight);
        Backend b = Dispatch.backend(name, dy, weight);
        Tensor dx = Dispatch.uninitialized(b, dy.dtype(), new int[] {s.n(), s.cIn(), s.h(), s.w()}, dy.device());
        if (dx.numel() > 0) {
            b.conv2dBackwardInput(dx, dy.contiguous(), weight.contiguous(), s);
        }
        return dx;
    }

    /** The gradient of conv2d with respect to its weight. */
    public static Tensor conv2dBackwardWeight(Tensor dy, Tensor x, ConvShape s) {
        String name = "conv2dBackwardWeight";
        Dispatch.notRecorded(name, dy, x);
        Backend b = Dispatch.backend(name, dy, x);
        Tensor dw = Dispatch.uninitialized(b, dy.dtype(), new int[] {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()}, dy.device());
        if (s.n() > 0) {
            b.conv2dBackwardWeight(dw, dy.contiguous(), x.contiguous(), s);
        }
        return dw;
    }

    /**
     * PyTorch's {@code F.conv3d}: input [N, C, D, H, W] (or unbatched [C, D, H, W]), weight
     * [O, C/groups, kD, kH, kW]; stride, padding and dilation take one value or three. Computed as a
     * composition: output depth slice od is the sum over kernel depths kd of conv2d(input depth
     * od·sD − pD + kd·dD, weight depth kd), so it runs (and differentiates) through conv2d's kernels,
     * with outD·kD conv2d calls: correct, not fast.
     */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        return conv3d(input, weight, bias, stride, padding, null, dilation, groups);
    }

    /** conv3d with padding "same" (stride 1) or "valid". */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation,
                                int groups) {
        return conv3d(input, weight, bias, stride, null, padding, dilation, groups);
    }

    private static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] pad, String padMode,
                                 int[] dilation, int groups) {
        String op = "conv3d";
        checkRanks(op, input, weight, 3, "[N, C, D, H, W]", "[out, in/groups, kD, kH, kW]");
        boolean batched = input.dim() == 5;
        Tensor x = batched ? input : input.unsqueeze(0);
        int[] s = triple(op, "stride", stride);
        int[] d = triple(op, "dilation", dilation);
        int[] p = pad == null ? null : triple(op, "padding", pad);
        int depth = x.size(2);
        int k = weight.size(2);
        // the depth dim's geometry, checked as conv2d checks the others (a [depth, 1] plane through
        // the same resolver gives the same messages)
        ConvShape dShape = shape(op, Tensor.zeros(x.dtype(), 1, 1, depth, 1), Tensor.zeros(x.dtype(), 1, 1, k, 1), null,
                new int[] {s[0], 1}, p == null ? null : new int[] {p[0], 0}, padMode, new int[] {d[0], 1}, 1, input,
                weight);
        int[] s2 = {s[1], s[2]};
        int[] d2 = {d[1], d[2]};
        int[] p2 = p == null ? null : new int[] {p[1], p[2]};
        java.util.List<Tensor> slices = new java.util.ArrayList<>();
        Tensor zeroSlice = null;
        for (int od = 0; od < dShape.outH(); od++) {
            Tensor acc = null;
            for (int kd = 0; kd < k; kd++) {
                int id = od * s[0] - dShape.padH() + kd * d[0];
                if (id < 0 || id >= depth) {
                    continue;
                }
                Tensor term = padMode != null
                        ? conv2d(x.select(2, id), weight.select(2, kd), null, s2, padMode, d2, groups)
                        : conv2d(x.select(2, id), weight.select(2, kd), null, s2, p2, d2, groups);
                acc = acc == null ? term : acc.add(term);
            }
            if (acc == null) {
                // a depth slice whose taps all fall in the padding: only the bias
                if (zeroSlice == null) {
                    Tensor probe = padMode != null
                            ? conv2d(x.select(2, 0).detach(), weight.select(2, 0).detach(), null, s2, padMode, d2, groups)
                            : conv2d(x.select(2, 0).detach(), weight.select(2, 0).detach(), null, s2, p2, d2, groups);
                    zeroSlice = Tensor.zerosLike(probe);
                }
                acc = zeroSlice;
            }
            slices.add(acc);
        }
        Tensor y = Tensor.stack(slices, 2);
        if (bias != null) {
            if (bias.dim() != 1 || bias.size(0) != weight.size(0)) {
                throw new IllegalArgumentException(op + ": bias must be [" + weight.size(0) + "] (one per out channel), got "
                        + Shapes.str(bias.shape()));
            }
            y = y.add(bias.reshape(1, weight.size(0), 1, 1, 1));
        }
        return batched ? y : y.squeeze(0);
    }

    private static int[] triple(String op, String what, int[] v) {
        if (v == null || (v.length != 1 && v.length != 3)) {
            throw new IllegalArgumentException(op + ": " + what + " must have 1 or 3 values, got "
                    + (v == null ? "null" : Arrays.toString(v)));
        }
        return v.length == 1 ? new int[] {v[0], v[0], v[0]} : v.clone();
    }

    /**
     * PyTorch's {@code F.conv_transpose2d(input, weight, bias, stride, padding, outputPadding, groups,
     * dilation)}: input [N, C, H, W] (or unbatched [C, H, W]), weight [C, O/groups, kH, kW], bias [O]
     * or null. It is the input gradient of the conv2d that maps the output back to the input:
     * out = (in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1 per spatial dim,
     * with outputPadding smaller than stride or dilation (as PyTorch).
     */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        String op = "convTranspose2d";
        checkRanks(op, input, weight, 2, "[N, C, H, W]", "[in, out/groups, kH, kW]");
        boolean batched = input.dim() == 4;
        Tensor x = batched ? input : input.unsqueeze(0);
        ConvShape s = transposedShape(op, x, weight, bias, pair(op, "stride", stride), pair(op, "padding", padding),
                pair(op, "outputPadding", outputPadding), groups, pair(op, "dilation", dilation), input);
        Tensor[] inputs = bias == null ? new Tensor[] {x, weight} : new Tensor[] {x, weight, bias};
        Backend b = Dispatch.backend(op, inputs);
        Tensor out = Dispatch.uninitialized(b, x.dtype(), new int[] {s.n(), s.cIn(), s.h(), s.w()}, x.device());
        if (out.numel() > 0) {
            b.conv2dBackwardInput(out, x.contiguous().detach(), weight.contiguous().detach(), s);
            if (bias != null) {
                // the bias in place on the fresh output, before autograd sees it
                out.add_(bias.detach().reshape(1, s.cIn(), 1, 1));
            }
        }
        Tensor y = Dispatch.record(new Op.ConvTranspose2d(s, bias != null), out, inputs);
        return batched ? y : y.squeeze(0);
    }

    /**
     * PyTorch's {@code F.conv_transpose3d(input, weight, bias, stride, padding, outputPadding, groups,
     * dilation)}: input [N, C, D, H, W] (or unbatched [C, D, H, W]), weight [C, O/groups, kD, kH, kW];
     * stride, padding, outputPadding and dilation take one value or three. A composition, as conv3d:
     * input depth id through kernel depth kd lands on output depth id·sD − pD + kd·dD, so each output
     * depth slice is a sum of convTranspose2d calls (D·kD of them): correct, not fast.
     */
    public static Tensor convTranspose3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        String op = "convTranspose3d";
        checkRanks(op, input, weight, 3, "[N, C, D, H, W]", "[in, out/groups, kD, kH, kW]");
        boolean batched = input.dim() == 5;
        Tensor x = batched ? input : input.unsqueeze(0);
        int[] s = triple(op, "stride", stride);
        int[] p = triple(op, "padding", padding);
        int[] o = triple(op, "outputPadding", outputPadding);
        int[] d = triple(op, "dilation", dilation);
        String shapes = "input " + Shapes.str(input.shape()) + ", weight " + Shapes.str(weight.shape());
        if (groups < 1 || x.size(1) % groups != 0 || weight.size(0) != x.size(1)) {
            throw new IllegalArgumentException(op + ": expected weight.size(0) = input channels, divisible by groups "
                    + groups + " (" + shapes + ")");
        }
        if (s[0] < 1 || d[0] < 1 || p[0] < 0 || o[0] < 0 || (o[0] >= s[0] && o[0] >= d[0])) {
            throw new IllegalArgumentException(op + ": depth stride " + s[0] + " and dilation " + d[0] + " must be >= 1, "
                    + "padding " + p[0] + " >= 0, outputPadding " + o[0] + " >= 0 and smaller than stride or dilation ("
                    + shapes + ")");
        }
        int depth = x.size(2);
        int k = weight.size(2);
        long outD = (long) (depth - 1) * s[0] - 2L * p[0] + (long) d[0] * (k - 1) + o[0] + 1;
        if (outD <= 0 || outD > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": the output depth " + outD + " is not positive (" + shapes
                    + ", stride " + Arrays.toString(s) + ", padding " + Arrays.toString(p) + ")");
        }
        int[] s2 = {s[1], s[2]};
        int[] p2 = {p[1], p[2]};
        int[] o2 = {o[1], o[2]};
        int[] d2 = {d[1], d[2]};
        Tensor[] slices = new Tensor[(int) outD];
        for (int id = 0; id < depth; id++) {
            for (int kd = 0; kd < k; kd++) {
                long od = (long) id * s[0] - p[0] + (long) kd * d[0];
                if (od < 0 || od >= outD) {
                    continue;
                }
                Tensor term = convTranspose2d(x.select(2, id), weight.select(2, kd), null, s2, p2, o2, groups, d2);
                slices[(int) od] = slices[(int) od] == null ? term : slices[(int) od].add(term);
            }
        }
        Tensor zero = null;
        for (int od = 0; od < slices.length; od++) {
            if (slices[od] == null) {
                // an output depth no tap reaches (outputPadding, or stride beyond the kernel): zeros, then the bias
                if (zero == null) {
                    zero = Tensor.zerosLike(convTranspose2d(x.select(2, 0).detach(), weight.select(2, 0).detach(), null,
                            s2, p2, o2, groups, d2));
                }
                slices[od] = zero;
            }
        }
        Tensor y = Tensor.stack(Arrays.asList(slices), 2);
        if (bias != null) {
            int out = weight.size(1) * groups;
            if (bias.dim() != 1 || bias.size(0) != out) {
                throw new IllegalArgumentException(op + ": bias must be [" + out + "] (one per out channel), got "
                        + Shapes.str(bias.shape()));
            }
            y = y.add(bias.reshape(1, out, 1, 1, 1));
        }
        return batched ? y : y.squeeze(0);
    }

    /** conv_transpose1d: convTranspose2d over a height of 1. */
    public static Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding,
                                         int outputPadding, int groups, int dilation) {
        String op = "convTranspose1d";
        checkRanks(op, input, weight, 1, "[N, C, L]", "[in, out/groups, k]");
        Tensor y = convTranspose2d(input.unsqueeze(-2), weight.unsqueeze(2), bias, new int[] {1, stride},
                new int[] {0, padding}, new int[] {0, outputPadding}, groups, new int[] {1, dilation});
        return y.squeeze(-2);
    }

    /**
     * The geometry of the conv2d whose input gradient convTranspose2d is: that conv maps the
     * transposed output [N, O, outH, outW] to the transposed input [N, C, H, W] with weight
     * [C, O/groups, kH, kW] (its out channels are C).
     */
    private static ConvShape transposedShape(String op, Tensor x, Tensor weight, Tensor bias, int[] stride,
                                             int[] padding, int[] outputPadding, int groups, int[] dilation,
                                             Tensor userInput) {
        Dispatch.sameDType(op, x, weight);
        String shapes = "input " + Shapes.str(userInput.shape()) + ", weight " + Shapes.str(weight.shape());
        if (groups < 1) {
            throw new IllegalArgumentException(op + ": groups must be >= 1, got " + groups);
        }
        int cIn = x.size(1);
        if (weight.size(0) != cIn) {
            throw new IllegalArgumentException(op + ": expected the input to have weight.size(0) = " + weight.size(0)
                    + " channels, got " + cIn + " (" + shapes + ")");
        }
        if (cIn % groups != 0) {
            throw new IllegalArgumentException(op + ": in channels " + cIn + " must be divisible by groups " + groups
                    + " (" + shapes + ")");
        }
        int cOut = Math.toIntExact((long) weight.size(1) * groups);
        if (cOut == 0 || cIn == 0) {
            throw new IllegalArgumentException(op + ": no channels (" + shapes + ")");
        }
        if (bias != null) {
            Dispatch.sameDType(op, x, bias);
            Dispatch.device(op, x, bias);
            if (bias.dim() != 1 || bias.size(0) != cOut) {
                throw new IllegalArgumentException(op + ": bias must be [" + cOut + "] (one per out channel), got "
                        + Shapes.str(bias.shape()) + " (" + shapes + ")");
            }
        }
        int[] out = new int[2];
        for (int i = 0; i < 2; i++) {
            int k = weight.size(2 + i);
            if (stride[i] < 1 || dilation[i] < 1 || padding[i] < 0 || k < 1) {
                throw new IllegalArgumentException(op + ": stride and dilation must be >= 1, padding >= 0 and the kernel "
                        + "non-empty, got stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding)
                        + ", dilation " + Arrays.toString(dilation) + " (" + shapes + ")");
            }
            if (outputPadding[i] < 0 || outputPadding[i] >= Math.max(stride[i], dilation[i])) {
                throw new IllegalArgumentException(op + ": outputPadding " + Arrays.toString(outputPadding)
                        + " must be >= 0 and smaller than stride " + Arrays.toString(stride) + " or dilation "
                        + Arrays.toString(dilation));
            }
            long size = (long) (x.size(2 + i) - 1) * stride[i] - 2L * padding[i] + (long) dilation[i] * (k - 1)
                    + outputPadding[i] + 1;
            if (size < 1 || size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(op + ": the output size " + size + " in spatial dim " + i
                        + " is not positive (" + shapes + ", stride " + Arrays.toString(stride) + ", padding "
                        + Arrays.toString(padding) + ")");
            }
            out[i] = (int) size;
        }
        Shapes.numel(new int[] {x.size(0), cOut, out[0], out[1]});
        // the conv's in channels are our out channels; its out channels (the weight's dim 0) are our in channels
        return new ConvShape(x.size(0), cOut, out[0], out[1], cIn, weight.size(2), weight.size(3), stride[0], stride[1],
                padding[0], padding[1], dilation[0], dilation[1], groups, x.size(2), x.size(3));
    }

    /**
     * PyTorch's {@code F.unfold} (im2col): x [N, C, H, W] to [N, C·kH·kW, L], row (c, i, j) holding
     * for each of the L = outH·outW output positions the input that tap reads (zero in the padding).
     * Computed exactly as a depthwise conv2d with one-hot kernels, so its gradient is {@link #fold}.
     */
    public static Tensor unfold(Tensor input, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        String op = "unfold";
        Dispatch.requireFloat(op, input);
        if (input.dim() != 4) {
            throw new IllegalArgumentException(op + ": expected a 4-D input [N, C, H, W], got " + Shapes.str(input.shape()));
        }
        int[] k = pair(op, "kernelSize", kernelSize);
        int c = input.size(1);
        Tensor y = conv2d(input, oneHotKernels(op, input, c, k), null, stride, padding, dilation, Math.max(c, 1));
        return y.reshape(input.size(0), c * k[0] * k[1], y.size(2) * y.size(3));
    }

    /**
     * PyTorch's {@code F.fold} (col2im), the adjoint of {@link #unfold}: cols [N, C·kH·kW, L] summed
     * into [N, C, outputSize] at the positions each column was read from. L must be the number of
     * windows that unfold takes from outputSize.
     */
    public static Tensor fold(Tensor input, int[] outputSize, int[] kernelSize, int[] dilation, int[] padding,
                              int[] stride) {
        String op = "fold";
        Dispatch.requireFloat(op, input);
        if (input.dim() != 3) {
            throw new IllegalArgumentException(op + ": expected a 3-D input [N, C·kH·kW, L], got "
                    + Shapes.str(input.shape()));
        }
        int[] size = pair(op, "outputSize", outputSize);
        int[] k = pair(op, "kernelSize", kernelSize);
        int[] d = pair(op, "dilation", dilation);
        int[] p = pair(op, "padding", padding);
        int[] s = pair(op, "stride", stride);
        long kk = (long) k[0] * k[1];
        if (k[0] < 1 || k[1] < 1 || input.size(1) % kk != 0) {
            throw new IllegalArgumentException(op + ": input dim 1 (" + input.size(1) + ") must be a multiple of the kernel "
                    + "size " + Arrays.toString(k) + " (" + kk + ")");
        }
        int[] blocks = new int[2];
        for (int i = 0; i < 2; i++) {
            if (s[i] < 1 || d[i] < 1 || p[i] < 0) {
                throw new IllegalArgumentException(op + ": stride and dilation must be >= 1 and padding >= 0, got stride "
                        + Arrays.toString(s) + ", dilation " + Arrays.toString(d) + ", padding " + Arrays.toString(p));
            }
            long span = (long) d[i] * (k[i] - 1) + 1;
            long b = ((long) size[i] + 2L * p[i] - span) / s[i] + 1;
            blocks[i] = (int) Math.max(0, Math.min(Integer.MAX_VALUE, (long) size[i] + 2L * p[i] >= span ? b : 0));
        }
        if ((long) blocks[0] * blocks[1] != input.size(2) || blocks[0] == 0) {
            throw new IllegalArgumentException(op + ": expected L = " + blocks[0] + " x " + blocks[1] + " = "
                    + (long) blocks[0] * blocks[1] + " blocks for outputSize " + Arrays.toString(size) + ", got input "
                    + Shapes.str(input.shape()));
        }
        int c = (int) (input.size(1) / kk);
        Tensor cols = input.reshape(input.size(0), input.size(1), blocks[0], blocks[1]);
        int[] outPad = new int[2];
        for (int i = 0; i < 2; i++) {
            // what the transposed conv's size formula leaves short of outputSize (rows no window reaches)
            long formula = (long) (blocks[i] - 1) * s[i] - 2L * p[i] + (long) d[i] * (k[i] - 1) + 1;
            outPad[i] = (int) (size[i] - formula);
        }
        return convTranspose2d(cols, oneHotKernels(op, input, c, k), null, s, p, outPad, Math.max(c, 1), d);
    }

    /** weight [C·kH·kW, 1, kH, kW] with a single 1 at tap (i, j) of row (c, i, j). */
    private static Tensor oneHotKernels(String op, Tensor like, int c, int[] k) {
        if (k[0] < 1 || k[1] < 1) {
            throw new IllegalArgumentException(op + ": kernelSize must be >= 1, got " + Arrays.toString(k));
        }
        int kk = k[0] * k[1];
        double[] w = new double[c * kk * kk];
        for (int r = 0; r < c * kk; r++) {
            w[r * kk + r % kk] = 1;
        }
        return Tensor.of(w, c * kk, 1, k[0], k[1]).to(like.dtype()).to(like.device());
    }
}
