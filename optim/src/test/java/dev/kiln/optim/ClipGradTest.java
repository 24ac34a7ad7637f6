package dev.kiln.optim;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** ClipGrad against torch.nn.utils.clip_grad_norm_ (tools/make_optim_fixtures.py). */
class ClipGradTest {

    @TestFactory
    List<DynamicTest> matchesTorchClipGradNorm() {
        Map<String, Object> fx = Json.fixture(ClipGradTest.class, "optim_clip.json");
        List<DynamicTest> tests = new ArrayList<>();
        for (Object c : Json.list(fx.get("cases"))) {
            Map<String, Object> cs = Json.map(c);
            tests.add(DynamicTest.dynamicTest((String) cs.get("name"), () -> {
                List<Tensor> params = new ArrayList<>();
                for (Object g : Json.list(cs.get("grads"))) {
                    Tensor grad = TorchTrajectoryTest.tensor(g, DType.F32);
                    Tensor p = Tensor.zerosLike(grad).requiresGrad(true);
                    p.setGrad(grad);
                    params.add(p);
                }
                Object nt = cs.get("norm_type");
                double normType = "inf".equals(nt) ? Double.POSITIVE_INFINITY : (Double) nt;
                Tensor total = ClipGrad.clipGradNorm(params, (Double) cs.get("max_norm"), normType);
                assertThat(total.dtype()).isEqualTo(DType.F32);
                double expected = (Double) cs.get("total_norm");
                assertThat(total.item()).isCloseTo(expected, within(1e-6 * expected));
                List<Object> clipped = Json.list(cs.get("clipped"));
                for (int i = 0; i < params.size(); i++) {
                    double[] want = Json.doubles(Json.map(clipped.get(i)).get("data"));
                    assertThat(TorchTrajectoryTest.relError(params.get(i).grad().toDoubleArray(), want, 1e-6))
                            .isLessThan(1e-6);
                }
            }));
        }
        return tests;
    }

    @Test
    void skipsMissingGradientsAndChecksArguments() {
        Tensor a = Tensor.zeros(2).requiresGrad(true);
        Tensor b = Tensor.zeros(2).requiresGrad(true);
        a.setGrad(Tensor.of(new float[] {3, 4}));
        assertThat(ClipGrad.clipGradNorm(List.of(a, b), 1).item()).isCloseTo(5, within(1e-6));
        assertThat(a.grad().toFloatArray()).containsExactly(new float[] {0.6f, 0.8f}, within(1e-6f));
        assertThat(b.grad()).isNull();
        assertThat(ClipGrad.clipGradNorm(List.of(b), 1).item()).isEqualTo(0.0);
        ClipGrad.clipGradValue(List.of(a), 0.7);
        assertThat(a.grad().toFloatArray()).containsExactly(new float[] {0.6f, 0.7f}, within(1e-6f));
        a.setGrad(Tensor.of(new float[] {Float.NaN, 1}));
        assertThatThrownBy(() -> ClipGrad.clipGradNorm(List.of(a), 1, 2, true))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("clipGradNorm: the total norm of the gradients is NaN");
        assertThatThrownBy(() -> ClipGrad.clipGradNorm(List.of(a), -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("clipGradNorm: maxNorm");
    }
}
