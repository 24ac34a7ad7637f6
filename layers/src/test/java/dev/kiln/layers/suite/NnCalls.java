package dev.kiln.layers.suite;

import dev.kiln.layers.Functional;
import dev.kiln.tensor.PoolOps;
import dev.kiln.tensor.Tensor;

import java.util.List;

import static dev.kiln.layers.suite.TorchCalls.reg;

/** torch.nn.functional: activations, softmax, losses, convolution, pooling, pad, interpolate. */
final class NnCalls {
    private NnCalls() {
    }

    private static void act(String name, java.util.function.Function<Tensor, Tensor> f) {
        reg("F." + name + "|torch." + name + "|torch._C._nn." + name, "input", c -> f.apply(c.t("input")));
    }

    static void register() {
        act("relu6", Tensor::relu6);
        act("selu", Tensor::selu);
        act("silu", Tensor::silu);
        act("mish", Tensor::mish);
        act("softsign", Tensor::softsign);
        act("hardsigmoid", Tensor::hardsigmoid);
        act("hardswish", Tensor::hardswish);
        act("tanhshrink", Tensor::tanhshrink);
        act("log_sigmoid", Tensor::logsigmoid);
        act("logsigmoid", Tensor::logsigmoid);
        reg("F.relu", "input", c -> c.t("input").relu());
        reg("F.elu|torch._C._nn.elu", "input alpha=", c -> c.t("input").elu(c.d("alpha", 1)));
        reg("F.celu|torch.celu", "input alpha=", c -> c.t("input").celu(c.d("alpha", 1)));
        reg("F.hardtanh|torch._C._nn.hardtanh", "input min_val= max_val=", c -> c.t("input").hardtanh(
                c.d("min_val", -1), c.d("max_val", 1)));
        reg("F.leaky_relu|torch._C._nn.leaky_relu", "input negative_slope=", c -> c.t("input").leakyRelu(
                c.d("negative_slope", 0.01)));
        reg("F.gelu|torch._C._nn.gelu", "input approximate=", c -> c.t("input").gelu(c.s("approximate", "none")));
        reg("F.softplus|torch._C._nn.softplus", "input beta= threshold=", c -> c.t("input").softplus(
                c.d("beta", 1), c.d("threshold", 20)));
        reg("F.softshrink|torch._C._nn.softshrink", "input lambd=", c -> c.t("input").softshrink(c.d("lambd", 0.5)));
        reg("F.hardshrink|Tensor.hardshrink", "input lambd=", c -> c.t("input").hardshrink(c.d("lambd", 0.5)));
        reg("F.glu", "input dim=", c -> c.t("input").glu(c.i("dim", -1)));
        reg("F.softmax|Tensor.softmax|torch.softmax", "input dim= _stacklevel= dtype=", c -> {
            noDtype(c);
            return c.t("input").softmax(dim(c));
        });
        reg("F.log_softmax|Tensor.log_softmax|torch.log_softmax", "input dim= _stacklevel= dtype=", c -> {
            noDtype(c);
            return c.t("input").logSoftmax(dim(c));
        });
        reg("F.normalize", "input p= dim= eps=", c -> Functional.normalize(c.t("input"), c.d("p", 2),
                c.i("dim", 1), c.d("eps", 1e-12)));
        reg("F.softmin", "input dim= _stacklevel= dtype=", c -> {
            noDtype(c);
            return Functional.softmin(c.t("input"), dim(c));
        });
        reg("torch._C._nn.one_hot|F.one_hot", "input num_classes=", c -> c.t("input").oneHot(c.i("num_classes", -1)));

        reg("F.scaled_dot_product_attention", "query key value attn_mask= dropout_p= is_causal= scale= "
                + "enable_gqa=", c -> {
            if (c.d("dropout_p", 0) != 0) {
                throw new Unsupported(c.fn + " with dropout (torch's random stream)");
            }
            return Tensor.scaledDotProductAttention(c.t("query"), c.t("key"), c.t("value"), c.tOrNull("attn_mask"), 0,
                    c.b("is_causal", false), c.d("scale", Double.NaN), null);
        });

        // ---- losses
        reg("F.cross_entropy", "input target weight= size_average= ignore_index= reduce= reduction= "
                + "label_smoothing=", c -> Functional.crossEntropy(c.t("input"), c.t("target"), c.tOrNull("weight"),
                c.i("ignore_index", -100), c.s("reduction", "mean"), c.d("label_smoothing", 0)));
        reg("F.nll_loss", "input target weight= size_average= ignore_index= reduce= reduction=",
                c -> Functional.nllLoss(c.t("input"), c.t("target"), c.tOrNull("weight"), c.i("ignore_index", -100),
                        c.s("reduction", "mean")));
        reg("F.binary_cross_entropy", "input target weight= size_average= reduce= reduction=",
                c -> Functional.binaryCrossEntropy(c.t("input"), c.t("target"), c.tOrNull("weight"),
                        c.s("reduction", "mean")));
        reg("F.binary_cross_entropy_with_logits", "input target weight= size_average= reduce= reduction= "
                + "pos_weight=", c -> Functional.binaryCrossEntropyWithLogits(c.t("input"), c.t("target"),
                c.tOrNull("weight"), c.s("reduction", "mean"), c.tOrNull("pos_weight")));

        // ---- convolution and pooling
        reg("torch.conv1d|F.conv1d", "input weight bias= stride= padding= dilation= groups=", c -> {
            Tensor x = c.t("input");
            int stride = c.intsOr("stride", new int[] {1})[0];
            int dilation = c.intsOr("dilation", new int[] {1})[0];
            int groups = c.i("groups", 1);
            if (c.o("padding") instanceof String p) {
                return Functional.conv1d(x, c.t("weight"), c.tOrNull("bias"), stride, p, dilation, groups);
            }
            return Functional.conv1d(x, c.t("weight"), c.tOrNull("bias"), stride, c.intsOr("padding", new int[] {0})[0],
                    dilation, groups);
        });
        reg("torch.conv2d|F.conv2d", "input weight bias= stride= padding= dilation= groups=", c -> {
            int[] stride = c.intsOr("stride", new int[] {1});
            int[] dilation = c.intsOr("dilation", new int[] {1});
            if (c.o("padding") instanceof String p) {
                return Functional.conv2d(c.t("input"), c.t("weight"), c.tOrNull("bias"), stride, p, dilation, c.i("groups", 1));
            }
            return Functional.conv2d(c.t("input"), c.t("weight"), c.tOrNull("bias"), stride,
                    c.intsOr("padding", new int[] {0}), dilation, c.i("groups", 1));
        });
        reg("torch.conv3d|F.conv3d", "input weight bias= stride= padding= dilation= groups=", c -> {
            int[] stride = c.intsOr("stride", new int[] {1});
            int[] dilation = c.intsOr("dilation", new int[] {1});
            if (c.o("padding") instanceof String p) {
                return Functional.conv3d(c.t("input"), c.t("weight"), c.tOrNull("bias"), stride, p, dilation, c.i("groups", 1));
            }
            return Functional.conv3d(c.t("input"), c.t("weight"), c.tOrNull("bias"), stride,
                    c.intsOr("padding", new int[] {0}), dilation, c.i("groups", 1));
        });
        reg("torch.conv_transpose1d|F.conv_transpose1d", "input weight bias= stride= padding= output_padding= "
                + "groups= dilation=", c -> Functional.convTranspose1d(c.t("input"), c.t("weight"), c.tOrNull("bias"),
                c.intsOr("stride", new int[] {1})[0], c.intsOr("padding", new int[] {0})[0],
                c.intsOr("output_padding", new int[] {0})[0], c.i("groups", 1), c.intsOr("dilation", new int[] {1})[0]));
        reg("torch.conv_transpose2d|F.conv_transpose2d", "input weight bias= stride= padding= output_padding= "
                + "groups= dilation=", c -> Functional.convTranspose2d(c.t("input"), c.t("weight"), c.tOrNull("bias"),
                c.intsOr("stride", new int[] {1}), c.intsOr("padding", new int[] {0}),
                c.intsOr("output_padding", new int[] {0}), c.i("groups", 1), c.intsOr("dilation", new int[] {1})));
        reg("torch.conv_transpose3d|F.conv_transpose3d", "input weight bias= stride= padding= output_padding= "
                + "groups= dilation=", c -> Functional.convTranspose3d(c.t("input"), c.t("weight"), c.tOrNull("bias"),
                c.intsOr("stride", new int[] {1}), c.intsOr("padding", new int[] {0}),
                c.intsOr("output_padding", new int[] {0}), c.i("groups", 1), c.intsOr("dilation", new int[] {1})));
        reg("F.max_pool2d|torch.max_pool2d", "input kernel_size stride= padding= dilation= ceil_mode= "
                + "return_indices=", c -> {
            Tensor x = c.t("input");
            int[] k = c.ints("kernel_size");
            int[] stride = c.intsOr("stride", null);
            int[] pad = c.intsOr("padding", new int[] {0});
            int[] dil = c.intsOr("dilation", new int[] {1});
            boolean ceil = c.b("ceil_mode", false);
            if (c.b("return_indices", false)) {
                PoolOps.MaxPoolResult r = Functional.maxPool2dWithIndices(x, k, stride, pad, dil, ceil);
                return List.of(r.values(), r.indices());
            }
            return Functional.maxPool2d(x, k, stride, pad, dil, ceil);
        });
        reg("F.max_pool2d_with_indices", "input kernel_size stride= padding= dilation= ceil_mode= "
                + "return_indices=", c -> {
            PoolOps.MaxPoolResult r = Functional.maxPool2dWithIndices(c.t("input"), c.ints("kernel_size"),
                    c.intsOr("stride", null), c.intsOr("padding", new int[] {0}), c.intsOr("dilation", new int[] {1}),
                    c.b("ceil_mode", false));
            return List.of(r.values(), r.indices());
        });
        reg("F.max_unpool2d", "input indices kernel_size stride= padding= output_size=",
                c -> Functional.maxUnpool2d(c.t("input"), c.t("indices"), c.ints("kernel_size"), c.intsOr("stride", null),
                        c.intsOr("padding", new int[] {0}), c.intsOr("output_size", null)));
        reg("torch._C._nn.avg_pool2d|F.avg_pool2d", "input kernel_size stride= padding= ceil_mode= "
                + "count_include_pad= divisor_override=", c -> Functional.avgPool2d(c.t("input"), c.ints("kernel_size"),
                c.intsOr("stride", null), c.intsOr("padding", new int[] {0}), c.b("ceil_mode", false),
                c.b("count_include_pad", true), c.has("divisor_override") ? c.i("divisor_override") : null));
        reg("torch._C._nn.avg_pool3d|F.avg_pool3d", "input kernel_size stride= padding= ceil_mode= "
                + "count_include_pad= divisor_override=", c -> Functional.avgPool3d(c.t("input"), c.ints("kernel_size"),
                c.intsOr("stride", null), c.intsOr("padding", new int[] {0}), c.b("ceil_mode", false),
                c.b("count_include_pad", true), c.has("divisor_override") ? c.i("divisor_override") : null));
        reg("F.pad", "input pad mode= value=", c -> Functional.pad(c.t("input"), c.ints("pad"),
                c.s("mode", "constant"), c.d("value", 0)));
        reg("F.interpolate", "input size= scale_factor= mode= align_corners= recompute_scale_factor= "
                + "antialias=", c -> {
            double[] scale = null;
            if (c.has("scale_factor")) {
                Object s = c.o("scale_factor");
                List<?> l = s instanceof List<?> ls ? ls : List.of(s);
                scale = new double[l.size()];
                for (int k = 0; k < scale.length; k++) {
                    scale[k] = Call.toDouble(c.fn, "scale_factor", l.get(k));
                }
            }
            Object ac = c.o("align_corners");
            return Functional.interpolate(c.t("input"), c.intsOr("size", null), scale, c.s("mode", "nearest"),
                    ac == null ? null : (Boolean) ac);
        });
    }

    private static int dim(Call c) {
        if (!c.has("dim")) {
            throw new Unsupported(c.fn + " without dim (implicit dim)");
        }
        return c.i("dim");
    }

    private static void noDtype(Call c) {
        if (c.has("dtype")) {
            throw new Unsupported(c.fn + "(dtype=...)");
        }
    }
}
