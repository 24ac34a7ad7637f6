package dev.kiln.layers.kan;

import dev.kiln.layers.Fixtures;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Splines;
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
 * The KAN pieces against tools/make_kan_fixtures.py (PyTorch 1.13, written from docs/formulas/kan.md): the
 * B-spline basis (fused op and the tensor-op composition), KANLinear's forward and gradients, the
 * grid update (new knots, refitted coefficients, outputs), the regulariser and its gradients, and
 * the Chebyshev and RBF bases; in F64 to 1e-10 and in F32 to float rounding.
 */
class KanFixturesTest {
    private static final Map<String, Fixtures.Case> CASES = Fixtures.load("kan.json");

    @Test
    void fixturesAreLoaded() {
        assertThat(CASES.keySet()).filteredOn(k -> !k.startsWith("bilinear_")).hasSize(14);
    }

    @TestFactory
    Stream<DynamicTest> float64() {
        return cases().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c, DType.F64, 1e-10, 1e-12)));
    }

    @TestFactory
    Stream<DynamicTest> float32() {
        return cases().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c, DType.F32, 1e-4, 2e-5)));
    }

    private static Stream<Fixtures.Case> cases() {
        return CASES.values().stream().filter(c -> !c.name().startsWith("bilinear_"));
    }

    private static void run(Fixtures.Case c, DType dtype, double rtol, double atol) {
        String n = c.name();
        Map<String, Tensor> leaves = new LinkedHashMap<>();
        Tensor x = c.tensor("x").to(dtype).detach().requiresGrad(true);
        leaves.put("x", x);
        Tensor out;
        if (n.startsWith("bspline_")) {
            int order = (int) c.doubleArg("order");
            Tensor grid = c.tensor("grid").to(dtype);
            out = Splines.bsplineBasis(x, grid, order);
            // the unfused composition agrees as well (no empty knot spans in these grids)
            assertClose(n + " composed", BSplineBasis.composed(x.detach(), grid, order), c.tensor("out"), rtol, atol);
        } else if (n.startsWith("chebyshev_")) {
            out = new ChebyshevBasis((int) c.doubleArg("degree")).evaluate(x, null);
        } else if (n.startsWith("rbf_")) {
            out = new GaussianRbfBasis((int) c.doubleArg("num_centers"), c.doubleArg("lo"), c.doubleArg("hi")).evaluate(x, null);
        } else {
            KANLinear layer = layer(c, dtype);
            layer.namedParameters().forEach((k, p) -> leaves.put(k, p.tensor()));
            if (n.startsWith("regularization")) {
                out = layer.regularizationLoss(x);
            } else {
                out = layer.forward(x);
            }
            if (n.startsWith("update_grid_")) {
                assertClose(n + " before", out, c.tensor("out"), rtol, atol);
                layer.updateGrid(x, c.doubleArg("margin"));
                assertClose(n + " new grid", layer.grid(), c.tensor("new_grid"), rtol, atol);
                // least squares amplifies rounding by the basis's conditioning: looser for the coefficients
                assertClose(n + " new spline_weight", layer.splineWeight().tensor(), c.tensor("new_spline_weight"),
                        dtype == DType.F64 ? 1e-8 : 2e-3, dtype == DType.F64 ? 1e-9 : 2e-4);
                Tensor after = layer.forward(x.detach());
                assertClose(n + " after", after, c.tensor("after"), rtol, dtype == DType.F64 ? 1e-10 : 1e-4);
                return;
            }
        }
        assertThat(out.dtype()).isEqualTo(dtype);
        assertClose(n + " out", out, c.tensor("out"), rtol, atol);
        if (!c.has("w")) {
            return;
        }
        out.mul(c.tensor("w").to(dtype)).sum().backward();
        for (var e : leaves.entrySet()) {
            if (!c.has("grad_" + e.getKey())) {
                continue;
            }
            Tensor g = e.getValue().grad();
            Tensor expected = c.tensor("grad_" + e.getKey());
            assertClose(n + " grad_" + e.getKey(), g == null ? Tensor.zerosLike(expected) : g, expected, rtol,
                    dtype == DType.F32 ? 1e-4 : atol);
        }
    }

    /** A KANLinear of the fixture's sizes with its parameters and grid loaded. */
    static KANLinear layer(Fixtures.Case c, DType dtype) {
        Tensor sw = c.tensor("spline_weight");
        int out = sw.size(0);
        int in = sw.size(1);
        KANLinear layer = KANLinear.builder(in, out).gridSize((int) c.doubleArg("grid_size"))
                .splineOrder((int) c.doubleArg("order")).enableStandaloneScaleSpline(c.has("spline_scaler"))
                .gridEps(c.has("grid_eps") ? c.doubleArg("grid_eps") : 0.02).dtype(dtype).build(new Generator(1));
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String key : new String[] {"base_weight", "spline_weight", "spline_scaler", "grid"}) {
            if (c.has(key)) {
                state.put(key, c.tensor(key).to(dtype));
            }
        }
        layer.loadStateDict(state);
        for (Parameter p : layer.parameters()) {
            p.tensor().zeroGrad();
        }
        return layer;
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
