package dev.kiln.layers.conv;

import dev.kiln.layers.Fixtures;
import dev.kiln.layers.Functional;
import dev.kiln.layers.norm.BatchNorm;
import dev.kiln.layers.norm.BatchNorm1d;
import dev.kiln.layers.norm.BatchNorm2d;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.PoolOps;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Convolution, pooling (2-d, and 3-d from pool3d.json) and the channel norms against PyTorch 1.13
 * (tools/make_conv_fixtures.py):
 * forward values, max-pool indices and the gradients of sum(out ⊙ w) for every floating input, in
 * F64 (to 1e-10) and F32 (to float rounding); the BatchNorm modules' running statistics after
 * several training steps and their output in eval mode.
 */
class ConvFixturesTest {
    private static final Map<String, Fixtures.Case> CASES = load("conv.json", "pool3d.json");
    /** Tensors of a case that are expected results or fixed inputs, not differentiated inputs. */
    private static final Set<String> NOT_INPUTS = Set.of("out", "w", "indices", "running_mean", "running_var");

    private static Map<String, Fixtures.Case> load(String... files) {
        Map<String, Fixtures.Case> all = new LinkedHashMap<>();
        for (String f : files) {
            all.putAll(Fixtures.load(f));
        }
        return all;
    }

    @Test
    void fixturesAreLoaded() {
        assertThat(CASES).hasSizeGreaterThan(55);
        assertThat(CASES.keySet().stream().filter(n -> n.startsWith("conv2d_"))).hasSizeGreaterThan(15);
        assertThat(CASES.keySet().stream().filter(n -> n.startsWith("max_pool3d_"))).hasSizeGreaterThan(5);
        assertThat(CASES.keySet().stream().filter(n -> n.startsWith("avg_pool3d_"))).hasSizeGreaterThan(8);
    }

    @TestFactory
    Stream<DynamicTest> float64() {
        return functional().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c, DType.F64, 1e-10, 1e-12)));
    }

    @TestFactory
    Stream<DynamicTest> float32() {
        return functional().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c, DType.F32, 1e-4, 3e-5)));
    }

    @TestFactory
    Stream<DynamicTest> batchNormModules() {
        return CASES.values().stream().filter(c -> c.name().startsWith("bn"))
                .flatMap(c -> Stream.of(DType.F64, DType.F32).map(t -> DynamicTest.dynamicTest(c.name() + " " + t,
                        () -> runModule(c, t, t == DType.F64 ? 1e-10 : 1e-4, t == DType.F64 ? 1e-12 : 3e-5))));
    }

    private static Stream<Fixtures.Case> functional() {
        return CASES.values().stream().filter(c -> !c.name().startsWith("bn"));
    }

    private static void run(Fixtures.Case c, DType dtype, double rtol, double atol) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        c.tensors().forEach((k, t) -> {
            if (!NOT_INPUTS.contains(k) && !k.startsWith("grad_")) {
                in.put(k, t.dtype().isFloatingPoint() ? t.to(dtype).detach().requiresGrad(true) : t);
            }
        });
        Tensor[] indices = new Tensor[1];
        Tensor out = compute(c, in, dtype, indices);
        assertThat(out.dtype()).isEqualTo(dtype);
        assertClose(c.name() + " out", out, c.tensor("out"), rtol, atol);
        if (c.has("indices")) {
            assertThat(indices[0].toDoubleArray()).as(c.name() + " indices").containsExactly(
                    c.tensor("indices").toDoubleArray());
        }
        out.mul(c.tensor("w").to(dtype)).sum().backward();
        for (var e : in.entrySet()) {
            if (!e.getValue().dtype().isFloatingPoint()) {
                continue;
            }
            Tensor g = e.getValue().grad();
            Tensor expected = c.tensor("grad_" + e.getKey());
            assertClose(c.name() + " grad_" + e.getKey(), g == null ? Tensor.zerosLike(expected) : g, expected, rtol,
                    atol);
        }
    }

    private static Tensor compute(Fixtures.Case c, Map<String, Tensor> in, DType dtype, Tensor[] indices) {
        String n = c.name();
        Tensor x = in.get("x");
        if (n.startsWith("unfold_")) {
            return Functional.unfold(x, ints(c, "kernel"), ints(c, "dilation"), ints(c, "padding"), ints(c, "stride"));
        }
        if (n.startsWith("fold_")) {
            return Functional.fold(x, ints(c, "output_size"), ints(c, "kernel"), ints(c, "dilation"), ints(c, "padding"),
                    ints(c, "stride"));
        }
        if (n.startsWith("interpolate_")) {
            String scale = c.arg("scale");
            String align = c.arg("align_corners");
            return Functional.interpolate(x, c.arg("size").equals("None") ? null : ints(c, "size"),
                    scale.equals("None") ? null : Arrays.stream(scale.split(",")).mapToDouble(Double::parseDouble).toArray(),
                    c.arg("mode"), align.equals("None") ? null : bool(c, "align_corners"));
        }
        if (n.startsWith("max_unpool2d_")) {
            return Functional.maxUnpool2d(x, in.get("unpool_indices"), ints(c, "kernel"), ints(c, "stride"),
                    ints(c, "padding"), null);
        }
        if (n.startsWith("local_response_norm_")) {
            return Functional.localResponseNorm(x, Integer.parseInt(c.arg("size")), c.doubleArg("alpha"),
                    c.doubleArg("beta"), c.doubleArg("k"));
        }
        if (n.startsWith("conv3d_")) {
            String pad = c.arg("padding");
            int groups = Integer.parseInt(c.arg("groups"));
            return Character.isDigit(pad.charAt(0))
                    ? Functional.conv3d(x, in.get("weight"), in.get("bias"), ints(c, "stride"), ints(c, "padding"),
                    ints(c, "dilation"), groups)
                    : Functional.conv3d(x, in.get("weight"), in.get("bias"), ints(c, "stride"), pad, ints(c, "dilation"),
                    groups);
        }
        if (n.startsWith("conv_transpose2d_")) {
            return Functional.convTranspose2d(x, in.get("weight"), in.get("bias"), ints(c, "stride"), ints(c, "padding"),
                    ints(c, "output_padding"), Integer.parseInt(c.arg("groups")), ints(c, "dilation"));
        }
        if (n.equals("conv_transpose1d")) {
            return Functional.convTranspose1d(x, in.get("weight"), in.get("bias"), 2, 1, 1, 1, 1);
        }
        if (n.startsWith("conv2d_") || n.startsWith("conv1d_")) {
            String pad = c.arg("padding");
            int groups = Integer.parseInt(c.arg("groups"));
            if (n.startsWith("conv1d_")) {
                int stride = Integer.parseInt(c.arg("stride"));
                int dilation = Integer.parseInt(c.arg("dilation"));
                return Character.isDigit(pad.charAt(0))
                        ? Functional.conv1d(x, in.get("weight"), in.get("bias"), stride, Integer.parseInt(pad), dilation,
                        groups)
                        : Functional.conv1d(x, in.get("weight"), in.get("bias"), stride, pad, dilation, groups);
            }
            return Character.isDigit(pad.charAt(0))
                    ? Functional.conv2d(x, in.get("weight"), in.get("bias"), ints(c, "stride"), ints(c, "padding"),
                    ints(c, "dilation"), groups)
                    : Functional.conv2d(x, in.get("weight"), in.get("bias"), ints(c, "stride"), pad, ints(c, "dilation"),
                    groups);
        }
        if (n.startsWith("max_pool2d_")) {
            PoolOps.MaxPoolResult r = Functional.maxPool2dWithIndices(x, ints(c, "kernel"), ints(c, "stride"),
                    ints(c, "padding"), ints(c, "dilation"), bool(c, "ceil_mode"));
            indices[0] = r.indices();
            return r.values();
        }
        if (n.startsWith("avg_pool2d_")) {
            String d = c.arg("divisor_override");
            return Functional.avgPool2d(x, ints(c, "kernel"), ints(c, "stride"), ints(c, "padding"),
                    bool(c, "ceil_mode"), bool(c, "count_include_pad"), d.equals("None") ? null : Integer.valueOf(d));
        }
        if (n.startsWith("max_pool3d_")) {
            PoolOps.MaxPoolResult r = Functional.maxPool3dWithIndices(x, ints(c, "kernel"), ints(c, "stride"),
                    ints(c, "padding"), ints(c, "dilation"), bool(c, "ceil_mode"));
            indices[0] = r.indices();
            return r.values();
        }
        if (n.startsWith("avg_pool3d_")) {
            String d = c.arg("divisor_override");
            return Functional.avgPool3d(x, ints(c, "kernel"), ints(c, "stride"), ints(c, "padding"),
                    bool(c, "ceil_mode"), bool(c, "count_include_pad"), d.equals("None") ? null : Integer.valueOf(d));
        }
        if (n.startsWith("adaptive_avg_pool2d_")) {
            return Functional.adaptiveAvgPool2d(x, ints(c, "output_size"));
        }
        if (n.startsWith("adaptive_max_pool2d_")) {
            PoolOps.MaxPoolResult r = PoolOps.adaptiveMaxPool2dWithIndices(x, ints(c, "output_size"));
            indices[0] = r.indices();
            return r.values();
        }
        if (n.equals("max_pool1d")) {
            return Functional.maxPool1d(x, 3, 2, 1, 1, true);
        }
        if (n.equals("avg_pool1d")) {
            return Functional.avgPool1d(x, 3, 2, 1, true, false);
        }
        double eps = 1e-5;
        if (n.startsWith("batch_norm_train_")) {
            return Functional.batchNorm(x, null, null, in.get("weight"), in.get("bias"), true, 0.1, eps);
        }
        if (n.startsWith("batch_norm_eval_")) {
            return Functional.batchNorm(x, c.tensor("running_mean").to(dtype), c.tensor("running_var").to(dtype),
                    in.get("weight"), in.get("bias"), false, 0.1, eps);
        }
        if (n.startsWith("group_norm_")) {
            return Functional.groupNorm(x, Integer.parseInt(c.arg("groups")), in.get("weight"), in.get("bias"), eps);
        }
        if (n.equals("instance_norm")) {
            return Functional.instanceNorm(x, in.get("weight"), in.get("bias"), eps);
        }
        throw new IllegalStateException("no Kiln op for fixture case " + n);
    }

    private static void runModule(Fixtures.Case c, DType dtype, double rtol, double atol) {
        String m = c.arg("momentum");
        Double momentum = m.equals("None") ? null : Double.valueOf(m);
        boolean affine = c.has("weight");
        int channels = c.tensor("x0").size(1);
        BatchNorm bn = c.name().startsWith("bn2d") ? new BatchNorm2d(channels, 1e-5, momentum, affine, true)
                : new BatchNorm1d(channels, 1e-5, momentum, affine, true);
        bn.to(dtype);
        if (affine) {
            bn.weight().tensor().detach().copy_(c.tensor("weight").to(dtype));
            bn.bias().tensor().detach().copy_(c.tensor("bias").to(dtype));
        }
        bn.train();
        int steps = Integer.parseInt(c.arg("steps"));
        for (int i = 0; i < steps; i++) {
            Tensor out = bn.forward(c.tensor("x" + i).to(dtype));
            assertClose(c.name() + " train step " + i, out, c.tensor("train_out" + i), rtol, atol);
        }
        assertClose(c.name() + " running_mean", bn.runningMean(), c.tensor("running_mean"), rtol, atol);
        assertClose(c.name() + " running_var", bn.runningVar(), c.tensor("running_var"), rtol, atol);
        assertThat(bn.numBatchesTracked()).isEqualTo(Integer.parseInt(c.arg("num_batches_tracked")));
        bn.eval();
        assertClose(c.name() + " eval", bn.forward(c.tensor("eval_x").to(dtype)), c.tensor("eval_out"), rtol, atol);
        assertThat(bn.stateDict().keySet()).contains("running_mean", "running_var", "num_batches_tracked");
    }

    private static int[] ints(Fixtures.Case c, String key) {
        return Arrays.stream(c.arg(key).split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }

    private static boolean bool(Fixtures.Case c, String key) {
        return Boolean.parseBoolean(c.arg(key).toLowerCase());
    }

    static void assertClose(String what, Tensor actual, Tensor expected, double rtol, double atol) {
        assertThat(actual.shape()).as(what + " shape").isEqualTo(expected.shape());
        double[] a = actual.toDoubleArray();
        double[] e = expected.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            double tol = atol + rtol * Math.abs(e[i]);
            if (!(Math.abs(a[i] - e[i]) <= tol)) {
                throw new AssertionError(what + ": element " + i + " of " + Arrays.toString(expected.shape()) + " is "
                        + a[i] + ", PyTorch gives " + e[i] + " (tolerance " + tol + ")");
            }
        }
    }
}
