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

/**
 * GaLore and Fira against reference trajectories that tools/make_optim_fixtures.py computes from
 * docs/formulas/optimizers.md with PyTorch tensor ops in float64: every projection type, the projector
 * recomputed at steps 0, 4, 8, ... with the moments carried over, weight decay, and a plain HF
 * AdamW bias in its own group. Both sides apply Linalg.svd's sign convention to the SVD.
 */
class LowRankTrajectoryTest {

    static Tensor loss(Tensor x, Tensor y, Map<String, Tensor> p) {
        Tensor d = x.matmul(p.get("W1")).matmul(p.get("W2")).add(p.get("b")).sub(y);
        return d.mul(d).mean();
    }

    @TestFactory
    List<DynamicTest> galoreAndFiraMatchTheSpecReference() {
        Map<String, Object> fx = Json.fixture(LowRankTrajectoryTest.class, "optim_lowrank.json");
        Tensor x = TorchTrajectoryTest.tensor(fx.get("x"), DType.F64);
        Tensor y = TorchTrajectoryTest.tensor(fx.get("y"), DType.F64);
        List<DynamicTest> tests = new ArrayList<>();
        for (Object c : Json.list(fx.get("cases"))) {
            Map<String, Object> cs = Json.map(c);
            tests.add(DynamicTest.dynamicTest((String) cs.get("name"), () -> {
                Map<String, Tensor> p = TorchTrajectoryTest.tensors(fx.get("init"), DType.F64);
                p.values().forEach(t -> t.requiresGrad(true));
                boolean fira = (Boolean) cs.get("fira");
                ProjType type = ProjType.valueOf(((String) cs.get("proj_type")).toUpperCase(java.util.Locale.ROOT));
                Map<String, Object> ranks = Json.map(cs.get("rank"));
                double[] betas = Json.doubles(cs.get("betas"));
                int gap = ((Double) cs.get("update_proj_gap")).intValue();
                double scale = (Double) cs.get("scale");
                LowRankAdam opt;
                if (fira) {
                    opt = Fira.builder(List.of(p.get("b"))).lr((Double) cs.get("lr")).betas(betas[0], betas[1])
                            .eps((Double) cs.get("eps")).weightDecay((Double) cs.get("weight_decay"))
                            .group(List.of(p.get("W1")), g -> g.galore(true).rank(((Double) ranks.get("W1")).intValue())
                                    .updateProjGap(gap).scale(scale).projType(type))
                            .group(List.of(p.get("W2")), g -> g.galore(true).rank(((Double) ranks.get("W2")).intValue())
                                    .updateProjGap(gap).scale(scale).projType(type))
                            .build();
                } else {
                    opt = GaLore.builder(List.of(p.get("b"))).lr((Double) cs.get("lr")).betas(betas[0], betas[1])
                            .eps((Double) cs.get("eps")).weightDecay((Double) cs.get("weight_decay"))
                            .group(List.of(p.get("W1")), g -> g.galore(true).rank(((Double) ranks.get("W1")).intValue())
                                    .updateProjGap(gap).scale(scale).projType(type))
                            .group(List.of(p.get("W2")), g -> g.galore(true).rank(((Double) ranks.get("W2")).intValue())
                                    .updateProjGap(gap).scale(scale).projType(type))
                            .build();
                }
                List<Object> trajectory = Json.list(cs.get("trajectory"));
                List<Object> recomputed = Json.list(cs.get("recomputed"));
                String projKey = type == ProjType.FULL ? "projector_left" : "projector";
                double worst = 0;
                for (int step = 0; step < trajectory.size(); step++) {
                    Tensor before = opt.state(p.get("W1")) == null ? null : opt.state(p.get("W1")).get(projKey);
                    opt.zeroGrad();
                    loss(x, y, p).backward();
                    opt.step();
                    boolean changed = opt.state(p.get("W1")).get(projKey) != before;
                    assertThat(changed).as("projector of W1 recomputed at step %d", step)
                            .isEqualTo(Json.list(recomputed.get(step)).contains("W1"));
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
