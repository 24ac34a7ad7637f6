package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Holds Kiln against PyTorch. Every case in {@code fixtures/*.json} (written by
 * {@code tools/make_fixtures.py} with PyTorch 1.13 in float64; format in tools/README.md) runs
 * twice, once in F64 and once in F32: build the same leaves, apply the same views, apply the op
 * through Kiln's public API, then backpropagate sum(output * w) with the stored weight w, and
 * compare the output and every input's gradient with PyTorch's.
 *
 * <p>The inputs are exactly representable in float32, so both runs start from PyTorch's very
 * numbers. Tolerances, per element, with {@code scale = max(1, max |expected|)} over the tensor:
 * F64 {@code |k − t| ≤ 1e-10·|t| + 1e-12·scale}; F32 {@code |k − t| ≤ 1e-5·|t| + 1e-6·scale}
 * (F32 rounding compounds over a few ops; the absolute part covers results that cancel to ~0).
 */
class TorchFixturesTest {
    private static final List<String> FAMILIES = List.of("elementwise", "reductions", "matmul", "losses", "indexing");

    private static final double F64_RTOL = 1e-10;
    private static final double F64_ATOL = 1e-12;
    private static final double F32_RTOL = 1e-5;
    private static final double F32_ATOL = 1e-6;

    @TestFactory
    Stream<DynamicNode> pytorchFixtures() {
        return FAMILIES.stream().map(family -> DynamicContainer.dynamicContainer(family,
                cases(family).stream().map(c -> DynamicContainer.dynamicContainer((String) c.get("name"),
                        Stream.of(DynamicTest.dynamicTest("F64", () -> run(c, DType.F64, OPS)),
                                DynamicTest.dynamicTest("F32", () -> run(c, DType.F32, OPS)))))));
    }

    /** The fixtures are what the issue asks for: at least 30 ops, each one Kiln knows. */
    @Test
    void fixturesCoverEnoughOps() {
        Set<String> ops = new TreeSet<>();
        int count = 0;
        for (String family : FAMILIES) {
            for (Map<String, Object> c : cases(family)) {
                ops.add((String) c.get("op"));
                count++;
            }
        }
        assertThat(OPS.keySet()).containsAll(ops);
        assertThat(ops).hasSizeGreaterThanOrEqualTo(30);
        assertThat(count).isGreaterThanOrEqualTo(200);
    }

    // ------------------------------------------------------------------ one case

    /** Runs one case with the given PyTorch-name-to-Kiln map; every failure message starts with the case's name and dtype. */
    static void run(Map<String, Object> c, DType dtype, Map<String, BiFunction<List<Tensor>, Map<String, Object>, Tensor>> ops) {
        String ctx = (String) c.get("name") + " [" + dtype + "]: ";
        try {
            runCase(c, dtype, ctx, ops);
        } catch (RuntimeException e) {
            throw new AssertionError(ctx + "Kiln threw " + e, e);
        }
    }

    private static void runCase(Map<String, Object> c, DType dtype, String ctx,
                                Map<String, BiFunction<List<Tensor>, Map<String, Object>, Tensor>> ops) {
        String op = (String) c.get("op");
        BiFunction<List<Tensor>, Map<String, Object>, Tensor> fn = ops.get(op);
        assertThat(fn).as(ctx + "Kiln mapping for op " + op).isNotNull();
        Map<String, Object> args = Json.map(c.get("args"));

        List<Tensor> leaves = new ArrayList<>();
        List<Tensor> viewed = new ArrayList<>();
        for (Object e : Json.list(c.get("inputs"))) {
            Map<String, Object> in = Json.map(e);
            Tensor leaf = tensor(in, dtype);
            if ((Boolean) in.get("grad")) {
                leaf.requiresGrad(true);
            }
            leaves.add(leaf);
            viewed.add(applyViews(leaf, Json.list(in.get("view"))));
        }

        Tensor out = fn.apply(viewed, args);
        Map<String, Object> expected = Json.map(c.get("output"));
        assertThat(out.shape()).as(ctx + "output shape").containsExactly(ints(Json.list(expected.get("shape"))));
        switch ((String) expected.get("dtype")) {
            case "int" -> {
                assertThat(out.dtype()).as(ctx + "output dtype").isEqualTo(DType.I32);
                assertThat(out.toIntArray()).as(ctx + "output").containsExactly(ints(Json.list(expected.get("data"))));
                return;
            }
            case "bool" -> {
                assertThat(out.dtype()).as(ctx + "output dtype").isEqualTo(DType.BOOL);
                assertThat(out.toBooleanArray()).as(ctx + "output").containsExactly(bools(Json.list(expected.get("data"))));
                return;
            }
            default -> { }
        }
        assertThat(out.dtype()).as(ctx + "output dtype").isEqualTo(dtype);
        assertClose(ctx + "output", out.toDoubleArray(), doubles(Json.list(expected.get("data"))), dtype);

        Tensor w = tensor(Json.map(c.get("weight")), dtype);
        if (!out.requiresGrad()) {
            // no input asks for a gradient (a creation op): PyTorch recorded none either
            assertThat(Json.list(c.get("grads"))).as(ctx + "PyTorch's gradients").allMatch(java.util.Objects::isNull);
            return;
        }
        out.mul(w).sum().backward();
        List<Object> grads = Json.list(c.get("grads"));
        List<Object> inputs = Json.list(c.get("inputs"));
        for (int i = 0; i < leaves.size(); i++) {
            String name = ctx + "grad of " + (String) Json.map(inputs.get(i)).get("name");
            Tensor g = leaves.get(i).grad();
            if (grads.get(i) == null) {
                // PyTorch computed none: Kiln may have none, or zeros for a leaf the output ignores
                if (g != null) {
                    assertClose(name, g.toDoubleArray(), new double[g.numel()], dtype);
                }
                continue;
            }
            Map<String, Object> eg = Json.map(grads.get(i));
            assertThat(g).as(name).isNotNull();
            assertThat(g.shape()).as(name + " shape").containsExactly(ints(Json.list(eg.get("shape"))));
            assertThat(g.dtype()).as(name + " dtype").isEqualTo(dtype);
            assertClose(name, g.toDoubleArray(), doubles(Json.list(eg.get("data"))), dtype);
        }
    }

    private static void assertClose(String what, double[] actual, double[] expected, DType dtype) {
        assertThat(actual).as(what + " length").hasSize(expected.length);
        double rtol = dtype == DType.F64 ? F64_RTOL : F32_RTOL;
        double scale = 1;
        for (double v : expected) {
            if (Double.isFinite(v)) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        double atol = (dtype == DType.F64 ? F64_ATOL : F32_ATOL) * scale;
        for (int i = 0; i < expected.length; i++) {
            if (!Double.isFinite(expected[i]) && Double.compare(actual[i], expected[i]) == 0) {
                continue; // the same NaN or infinity (fixtures of issue 15 have them)
            }
            double err = Math.abs(actual[i] - expected[i]);
            if (!(err <= atol + rtol * Math.abs(expected[i]))) {
                fail("%s differs from PyTorch at flat index %d: Kiln %s, PyTorch %s (error %.3g, allowed %.3g)%n"
                                + "Kiln:    %s%nPyTorch: %s",
                        what, i, actual[i], expected[i], err, atol + rtol * Math.abs(expected[i]),
                        Arrays.toString(actual), Arrays.toString(expected));
            }
        }
    }

    // ------------------------------------------------------------------ building tensors

    /** A leaf from a fixture tensor; "f32"/"f64" data become the run's dtype, "int" I32, "bool" BOOL. */
    private static Tensor tensor(Map<String, Object> t, DType floatType) {
        int[] shape = ints(Json.list(t.get("shape")));
        List<Object> data = Json.list(t.get("data"));
        Tensor flat = switch ((String) t.get("dtype")) {
            case "int" -> Tensor.of(ints(data));
            case "bool" -> Tensor.of(bools(data));
            case "f32" -> {
                // shortest float32 decimals: they read back exactly only through parseFloat
                float[] f = new float[data.size()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = ((Number) data.get(i)).floatValue();
                }
                yield floatType == DType.F32 ? Tensor.of(f) : Tensor.of(widen(f));
            }
            case "f64" -> Tensor.of(doubles(data)).to(floatType);
            default -> throw new IllegalArgumentException("unknown fixture dtype " + t.get("dtype"));
        };
        // Tensor.of makes a 1-D tensor; a plain reshape (not recorded: nothing requires grad yet)
        // gives any shape, 0-d included
        return flat.reshape(shape);
    }

    /** The views the fixture applied to the leaf before the op (see apply_view in make_fixtures.py). */
    private static Tensor applyViews(Tensor t, List<Object> steps) {
        for (Object e : steps) {
            List<Object> s = Json.list(e);
            String kind = (String) s.get(0);
            int[] a = new int[s.size() - 1];
            for (int i = 0; i < a.length; i++) {
                a[i] = ((Number) s.get(i + 1)).intValue();
            }
            t = switch (kind) {
                case "transpose" -> t.transpose(a[0], a[1]);
                case "permute" -> t.permute(a);
                case "slice" -> t.slice(a[0], a[1], a[2], a[3]);
                case "select" -> t.select(a[0], a[1]);
                case "expand" -> t.expand(a);
                case "unsqueeze" -> t.unsqueeze(a[0]);
                default -> throw new IllegalArgumentException("unknown view " + kind);
            };
        }
        return t;
    }

    // ------------------------------------------------------------------ PyTorch names to Kiln calls

    private static final Map<String, BiFunction<List<Tensor>, Map<String, Object>, Tensor>> OPS = Map.ofEntries(
            entry("add", (x, a) -> a.containsKey("alpha") ? x.get(0).add(x.get(1), dbl(a, "alpha")) : x.get(0).add(x.get(1))),
            entry("add_scalar", (x, a) -> x.get(0).add(dbl(a, "other"))),
            entry("sub", (x, a) -> x.get(0).sub(x.get(1))),
            entry("sub_scalar", (x, a) -> x.get(0).sub(dbl(a, "other"))),
            entry("mul", (x, a) -> x.get(0).mul(x.get(1))),
            entry("mul_scalar", (x, a) -> x.get(0).mul(dbl(a, "other"))),
            entry("div", (x, a) -> x.get(0).div(x.get(1))),
            entry("div_scalar", (x, a) -> x.get(0).div(dbl(a, "other"))),
            entry("pow", (x, a) -> x.get(0).pow(x.get(1))),
            entry("pow_scalar", (x, a) -> x.get(0).pow(dbl(a, "exponent"))),
            entry("neg", (x, a) -> x.get(0).neg()),
            entry("exp", (x, a) -> x.get(0).exp()),
            entry("log", (x, a) -> x.get(0).log()),
            entry("sqrt", (x, a) -> x.get(0).sqrt()),
            entry("rsqrt", (x, a) -> x.get(0).rsqrt()),
            entry("abs", (x, a) -> x.get(0).abs()),
            entry("sign", (x, a) -> x.get(0).sign()),
            entry("tanh", (x, a) -> x.get(0).tanh()),
            entry("sigmoid", (x, a) -> x.get(0).sigmoid()),
            entry("relu", (x, a) -> x.get(0).relu()),
            entry("square", (x, a) -> x.get(0).square()),
            entry("maximum", (x, a) -> x.get(0).maximum(x.get(1))),
            entry("minimum", (x, a) -> x.get(0).minimum(x.get(1))),
            entry("clamp", (x, a) -> clamp(x.get(0), a)),
            entry("gt", (x, a) -> x.get(0).gt(x.get(1))),
            entry("eq", (x, a) -> x.get(0).eq(x.get(1))),
            entry("where", (x, a) -> Tensor.where(x.get(0), x.get(1), x.get(2))),
            entry("where_scalar", (x, a) -> Tensor.where(x.get(0), x.get(1), dbl(a, "other"))),

            entry("sum", (x, a) -> a.containsKey("dim") ? x.get(0).sum(ints(a, "dim"), bool(a, "keepdim")) : x.get(0).sum()),
            entry("mean", (x, a) -> a.containsKey("dim") ? x.get(0).mean(ints(a, "dim"), bool(a, "keepdim")) : x.get(0).mean()),
            entry("max", (x, a) -> a.containsKey("dim") ? x.get(0).max(integer(a, "dim"), bool(a, "keepdim")) : x.get(0).max()),
            entry("min", (x, a) -> a.containsKey("dim") ? x.get(0).min(integer(a, "dim"), bool(a, "keepdim")) : x.get(0).min()),
            entry("amax", (x, a) -> x.get(0).amax(ints(a, "dim"), bool(a, "keepdim"))),
            entry("amin", (x, a) -> x.get(0).amin(ints(a, "dim"), bool(a, "keepdim"))),
            entry("var", (x, a) -> var(x.get(0), a)),
            entry("std", (x, a) -> a.containsKey("dim")
                    ? x.get(0).std(single(ints(a, "dim")), bool(a, "keepdim")) : x.get(0).std()),
            entry("argmax", (x, a) -> a.containsKey("dim")
                    ? x.get(0).argmax(integer(a, "dim"), bool(a, "keepdim")) : x.get(0).argmax()),
            entry("argmin", (x, a) -> a.containsKey("dim")
                    ? x.get(0).argmin(integer(a, "dim"), bool(a, "keepdim")) : x.get(0).argmin()),

            entry("matmul", (x, a) -> x.get(0).matmul(x.get(1))),

            entry("softmax", (x, a) -> x.get(0).softmax(integer(a, "dim"))),
            entry("log_softmax", (x, a) -> x.get(0).logSoftmax(integer(a, "dim"))),
            entry("cross_entropy", (x, a) -> x.get(0).crossEntropy(x.get(1), reduction(a),
                    a.containsKey("ignore_index") ? integer(a, "ignore_index") : -100)),
            entry("mse_loss", (x, a) -> x.get(0).mseLoss(x.get(1), reduction(a))),
            entry("embedding", (x, a) -> Tensor.embedding(x.get(0), x.get(1))),

            entry("reshape", (x, a) -> x.get(0).reshape(ints(a, "shape"))),
            entry("flatten", (x, a) -> x.get(0).flatten(integer(a, "start_dim"), integer(a, "end_dim"))),
            entry("transpose", (x, a) -> x.get(0).transpose(integer(a, "dim0"), integer(a, "dim1"))),
            entry("t", (x, a) -> x.get(0).t()),
            entry("permute", (x, a) -> x.get(0).permute(ints(a, "dims"))),
            entry("movedim", (x, a) -> x.get(0).movedim(integer(a, "source"), integer(a, "destination"))),
            entry("expand", (x, a) -> x.get(0).expand(ints(a, "sizes"))),
            entry("narrow", (x, a) -> x.get(0).narrow(integer(a, "dim"), integer(a, "start"), integer(a, "length"))),
            entry("slice", (x, a) -> x.get(0).slice(integer(a, "dim"), integer(a, "start"), integer(a, "end"),
                    integer(a, "step"))),
            entry("select", (x, a) -> x.get(0).select(integer(a, "dim"), integer(a, "index"))),
            entry("squeeze", (x, a) -> a.containsKey("dim") ? x.get(0).squeeze(integer(a, "dim")) : x.get(0).squeeze()),
            entry("unsqueeze", (x, a) -> x.get(0).unsqueeze(integer(a, "dim"))),
            entry("cat", (x, a) -> Tensor.cat(x, integer(a, "dim"))),
            entry("stack", (x, a) -> Tensor.stack(x, integer(a, "dim"))),
            entry("index_select", (x, a) -> x.get(0).indexSelect(integer(a, "dim"), x.get(1))),
            entry("gather", (x, a) -> x.get(0).gather(integer(a, "dim"), x.get(1))),
            entry("scatter_add", (x, a) -> x.get(0).scatterAdd(integer(a, "dim"), x.get(1), x.get(2))),
            entry("index_add", (x, a) -> x.get(0).indexAdd(integer(a, "dim"), x.get(1), x.get(2))));

    private static Tensor clamp(Tensor x, Map<String, Object> a) {
        if (a.containsKey("min") && a.containsKey("max")) {
            return x.clamp(dbl(a, "min"), dbl(a, "max"));
        }
        return a.containsKey("min") ? x.clampMin(dbl(a, "min")) : x.clampMax(dbl(a, "max"));
    }

    /** PyTorch's unbiased flag is Kiln's correction 1 (true) or 0 (false). */
    private static Tensor var(Tensor x, Map<String, Object> a) {
        int correction = bool(a, "unbiased") ? 1 : 0;
        if (!a.containsKey("dim")) {
            int[] all = new int[x.dim()];
            Arrays.setAll(all, i -> i);
            return x.var(all, correction, false);
        }
        return x.var(ints(a, "dim"), correction, bool(a, "keepdim"));
    }

    private static Reduction reduction(Map<String, Object> a) {
        return Reduction.valueOf(((String) a.get("reduction")).toUpperCase(Locale.ROOT));
    }

    // ------------------------------------------------------------------ JSON helpers

    static List<Map<String, Object>> cases(String family) {
        return Json.cases(TorchFixturesTest.class, family + ".json");
    }

    static double dbl(Map<String, Object> a, String key) {
        return ((Number) a.get(key)).doubleValue();
    }

    static int integer(Map<String, Object> a, String key) {
        return ((Number) a.get(key)).intValue();
    }

    static boolean bool(Map<String, Object> a, String key) {
        return (Boolean) a.get(key);
    }

    static int[] ints(Map<String, Object> a, String key) {
        return ints(Json.list(a.get(key)));
    }

    private static int single(int[] dims) {
        assertThat(dims).as("std takes one dim").hasSize(1);
        return dims[0];
    }

    private static int[] ints(List<Object> arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) arr.get(i)).intValue();
        }
        return out;
    }

    private static boolean[] bools(List<Object> arr) {
        boolean[] out = new boolean[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) arr.get(i)).intValue() != 0;
        }
        return out;
    }

    private static double[] doubles(List<Object> arr) {
        double[] out = new double[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) arr.get(i)).doubleValue();
        }
        return out;
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
