package dev.kiln.optim;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * SPAM against reference trajectories computed from docs/formulas/optimizers.md with PyTorch tensor ops in
 * float64 (tools/make_optim_fixtures.py): momentum resets every ΔT = 6 steps, the cosine warmup
 * factor after each reset (W = 3), no clipping in the first Na = 2 steps of each period, gradient
 * spikes ×1000 injected on chosen steps and coordinates, and exactly which coordinates are clipped.
 */
class SpamTrajectoryTest {

    /** Multiplies chosen flat coordinates of a parameter's gradient, as the fixture injects spikes. */
    static void inject(Tensor p, int[] indices, double factor) {
        double[] g = p.grad().toDoubleArray();
        for (int i : indices) {
            g[i] *= factor;
        }
        p.setGrad(Tensor.of(g, p.shape()).to(p.dtype()));
    }

    static List<Integer> trueIndices(Tensor mask) {
        boolean[] b = mask.toBooleanArray();
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            if (b[i]) {
                out.add(i);
            }
        }
        return out;
    }

    @TestFactory
    List<DynamicTest> spamMatchesTheSpecReference() {
        Map<String, Object> fx = Json.fixture(SpamTrajectoryTest.class, "optim_spam.json");
        Tensor x = TorchTrajectoryTest.tensor(fx.get("x"), DType.F64);
        Tensor y = TorchTrajectoryTest.tensor(fx.get("y"), DType.F64);
        List<DynamicTest> tests = new ArrayList<>();
        for (Object c : Json.list(fx.get("cases"))) {
            Map<String, Object> cs = Json.map(c);
            tests.add(DynamicTest.dynamicTest((String) cs.get("name"), () -> {
                Map<String, Tensor> p = TorchTrajectoryTest.tensors(fx.get("init"), DType.F64);
                p.values().forEach(t -> t.requiresGrad(true));
                double[] betas = Json.doubles(cs.get("betas"));
                Spam opt = Spam.builder(List.of(p.get("W1"), p.get("W2"), p.get("b")))
                        .lr((Double) cs.get("lr")).betas(betas[0], betas[1]).eps((Double) cs.get("eps"))
                        .weightDecay((Double) cs.get("weight_decay")).threshold((Double) cs.get("threshold"))
                        .deltaT(((Double) cs.get("delta_t")).intValue())
                        .warmupSteps(((Double) cs.get("warmup_steps")).intValue())
                        .gradAccuSteps(((Double) cs.get("grad_accu_steps")).intValue())
                        .recordClipping(true).build();
                List<Object> trajectory = Json.list(cs.get("trajectory"));
                List<Object> clipped = Json.list(cs.get("clipped"));
                double[] scales = Json.doubles(cs.get("scales"));
                double worst = 0;
                for (int step = 0; step < trajectory.size(); step++) {
                    opt.zeroGrad();
                    LowRankTrajectoryTest.loss(x, y, p).backward();
                    for (Object sp : Json.list(cs.get("spikes"))) {
                        Map<String, Object> spike = Json.map(sp);
                        if (((Double) spike.get("step")).intValue() == step) {
                            inject(p.get((String) spike.get("param")), Json.ints(spike.get("indices")),
                                    (Double) spike.get("factor"));
                        }
                    }
                    opt.step();
                    assertThat(opt.lastScale()).as("warmup scale at step %d", step).isCloseTo(scales[step], within(1e-15));
                    Map<String, Object> clip = Json.map(clipped.get(step));
                    for (var e : clip.entrySet()) {
                        List<Integer> expected = new ArrayList<>();
                        for (int i : Json.ints(e.getValue())) {
                            expected.add(i);
                        }
                        assertThat(trueIndices(opt.lastClipMask(p.get(e.getKey()))))
                                .as("clipped coordinates of %s at step %d", e.getKey(), step).isEqualTo(expected);
                    }
                    for (var e : Json.map(trajectory.get(step)).entrySet()) {
                        double err = TorchTrajectoryTest.relError(p.get(e.getKey()).toDoubleArray(),
                                Json.doubles(e.getValue()), 1e-6);
                        worst = Math.max(worst, err);
                        assertThat(err).as("%s after step %d", e.getKey(), step + 1).isLessThan(1e-9);
                    }
                }
                System.out.printf("%s: worst relative error over %d steps %.2e%n", cs.get("name"), trajectory.size(), worst);
            }));
        }
        return tests;
    }
}
