package dev.kiln.layers;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every layer function against PyTorch 1.13 (tools/make_layer_fixtures.py): the forward values and
 * the gradients of sum(out ⊙ w) for every floating input, in F64 (to 1e-10) and in F32 (to float
 * rounding).
 */
class LayerFixturesTest {
    private static final Map<String, Fixtures.Case> CASES = Fixtures.load("layers.json");

    @Test
    void fixturesAreLoaded() {
        assertThat(CASES).hasSizeGreaterThan(40);
    }

    @TestFactory
    Stream<DynamicTest> float64() {
        return CASES.values().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c, DType.F64, 1e-10, 1e-12)));
    }

    @TestFactory
    Stream<DynamicTest> float32() {
        return CASES.values().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c, DType.F32, 1e-4, 2e-5)));
    }

    private static void run(Fixtures.Case c, DType dtype, double rtol, double atol) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        c.tensors().forEach((k, t) -> {
            if (k.equals("out") || k.equals("w") || k.startsWith("grad_")) {
                return;
            }
            in.put(k, t.dtype().isFloatingPoint() ? t.to(dtype).detach().requiresGrad(true) : t);
        });
        Tensor out = compute(c, in);
        assertThat(out.dtype()).isEqualTo(dtype);
        assertClose(c.name() + " out", out, c.tensor("out"), rtol, atol);
        if (!c.has("w")) {
            return;
        }
        out.mul(c.tensor("w").to(dtype)).sum().backward();
        for (var e : in.entrySet()) {
            if (!e.getValue().dtype().isFloatingPoint()) {
                continue;
            }
            Tensor g = e.getValue().grad();
            Tensor expected = c.tensor("grad_" + e.getKey());
            assertClose(c.name() + " grad_" + e.getKey(), g == null ? Tensor.zerosLike(expected) : g, expected, rtol, atol);
        }
    }

    private static Tensor compute(Fixtures.Case c, Map<String, Tensor> in) {
        String n = c.name();
        Tensor x = in.get("x");
        if (n.startsWith("cross_entropy")) {
            Tensor target = in.containsKey("labels") ? in.get("labels") : in.get("probs");
            return Functional.crossEntropy(in.get("logits"), target, Reduction.valueOf(c.arg("reduction")),
                    (int) c.doubleArg("ignore_index"), c.doubleArg("label_smoothing"));
        }
        if (n.startsWith("mse_")) {
            return Functional.mseLoss(in.get("input"), in.get("target"), Reduction.valueOf(c.arg("reduction")));
        }
        if (n.startsWith("bilinear_")) {
            return Functional.bilinear(x, in.get("weight"), in.get("bias"), Gate.valueOf(c.arg("gate")));
        }
        if (n.startsWith("linear")) {
            return Functional.linear(x, in.get("weight"), in.get("bias"));
        }
        if (n.startsWith("prelu")) {
            return Functional.prelu(x, in.get("weight"));
        }
        if (n.startsWith("normalize")) {
            return Functional.normalize(x, c.doubleArg("p"), (int) c.doubleArg("dim"), c.doubleArg("eps"));
        }
        if (n.startsWith("softmin")) {
            return Functional.softmin(x, (int) c.doubleArg("dim"));
        }
        if (n.startsWith("glu")) {
            return Functional.glu(x, (int) c.doubleArg("dim"));
        }
        return switch (n) {
            case "relu" -> Functional.relu(x);
            case "leaky_relu" -> Functional.leakyRelu(x, c.doubleArg("negative_slope"));
            case "relu_squared" -> Functional.reluSquared(x);
            case "gelu", "gelu_tanh" -> Functional.gelu(x, c.arg("approximate"));
            case "gelu_tails" -> Functional.gelu(x);
            case "silu" -> Functional.silu(x);
            case "mish", "mish_tails" -> Functional.mish(x);
            case "softplus" -> Functional.softplus(x);
            case "sigmoid" -> Functional.sigmoid(x);
            case "tanh" -> Functional.tanh(x);
            case "embedding_padding" -> Functional.embedding(in.get("indices"), in.get("weight"),
                    (int) c.doubleArg("padding_idx"));
            case "layer_norm", "layer_norm_2d" -> Functional.layerNorm(x, in.get("weight").shape(), in.get("weight"),
                    in.get("bias"), c.doubleArg("eps"));
            case "rms_norm" -> Functional.rmsNorm(x, in.get("weight").shape(), in.get("weight"), c.doubleArg("eps"));
            case "crms_norm" -> Functional.crmsNorm(x, c.doubleArg("eps"));
            default -> throw new AssertionError("no Kiln function mapped to fixture case " + n);
        };
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
