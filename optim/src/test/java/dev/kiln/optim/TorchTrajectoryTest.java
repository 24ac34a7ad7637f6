package dev.kiln.optim;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kiln's Sgd, Adam and AdamW against 50 steps of torch.optim.SGD, Adam and AdamW (float32, PyTorch
 * 1.13) on a small MLP, parameter by parameter after every step: |kiln − torch| ≤ 1e-5·|torch| + 1e-6
 * (tools/make_optim_fixtures.py writes the fixture). Both sides compute their own gradients in
 * float32, so part of the difference is the gradient's rounding, not the optimizer's.
 */
class TorchTrajectoryTest {
    static final double RTOL = 1e-5;
    static final double ATOL = 1e-6;

    static Map<String, Tensor> tensors(Object json, DType dtype) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Json.map(json).forEach((k, v) -> out.put(k, tensor(v, dtype)));
        return out;
    }

    static Tensor tensor(Object json, DType dtype) {
        Map<String, Object> m = Json.map(json);
        int[] shape = Json.ints(m.get("shape"));
        return Tensor.of(Json.doubles(m.get("data")), shape).to(dtype);
    }

    /**
     * The largest |kiln − torch| / (|torch| + ATOL/RTOL) over the elements: below RTOL exactly when
     * |kiln − torch| ≤ RTOL·|torch| + ATOL everywhere (the absolute floor keeps values near 0 fair).
     */
    static double relError(double[] kiln, double[] torch) {
        return relError(kiln, torch, ATOL / RTOL);
    }

    /** The largest |kiln − torch| / (|torch| + floor). */
    static double relError(double[] kiln, double[] torch, double floor) {
        assertThat(kiln).hasSameSizeAs(torch);
        double worst = 0;
        for (int i = 0; i < kiln.length; i++) {
            worst = Math.max(worst, Math.abs(kiln[i] - torch[i]) / (Math.abs(torch[i]) + floor));
        }
        return worst;
    }

    /** PyTorch's list of group dicts: an empty top-level builder plus one group(...) per dict. */
    static Optimizer build(String type, Map<String, Tensor> params, List<Object> groups) {
        return switch (type) {
            case "Sgd" -> {
                Sgd.Builder b = Sgd.builder(List.of());
                for (Object g : groups) {
                    b.group(names(params, g), gb -> sgd(gb, Json.map(Json.map(g).get("options"))));
                }
                yield b.build();
            }
            case "Adam" -> {
                Adam.Builder b = Adam.builder(List.of());
                for (Object g : groups) {
                    b.group(names(params, g), gb -> adam(gb, Json.map(Json.map(g).get("options"))));
                }
                yield b.build();
            }
            case "AdamW" -> {
                AdamW.Builder b = AdamW.builder(List.of());
                for (Object g : groups) {
                    b.group(names(params, g), gb -> adamw(gb, Json.map(Json.map(g).get("options"))));
                }
                yield b.build();
            }
            default -> throw new IllegalArgumentException(type);
        };
    }

    static List<Tensor> names(Map<String, Tensor> params, Object group) {
        List<Tensor> out = new ArrayList<>();
        for (Object n : Json.list(Json.map(group).get("params"))) {
            out.add(params.get((String) n));
        }
        return out;
    }

    static Sgd.Builder sgd(Sgd.Builder b, Map<String, Object> o) {
        o.forEach((k, v) -> {
            switch (k) {
                case "lr" -> b.lr((Double) v);
                case "momentum" -> b.momentum((Double) v);
                case "dampening" -> b.dampening((Double) v);
                case "weight_decay" -> b.weightDecay((Double) v);
                case "nesterov" -> b.nesterov((Boolean) v);
                default -> throw new IllegalArgumentException(k);
            }
        });
        return b;
    }

    static Adam.Builder adam(Adam.Builder b, Map<String, Object> o) {
        o.forEach((k, v) -> {
            switch (k) {
                case "lr" -> b.lr((Double) v);
                case "betas" -> b.betas(Json.doubles(v)[0], Json.doubles(v)[1]);
                case "eps" -> b.eps((Double) v);
                case "weight_decay" -> b.weightDecay((Double) v);
                case "amsgrad" -> b.amsgrad((Boolean) v);
                default -> throw new IllegalArgumentException(k);
            }
        });
        return b;
    }

    static AdamW.Builder adamw(AdamW.Builder b, Map<String, Object> o) {
        o.forEach((k, v) -> {
            switch (k) {
                case "lr" -> b.lr((Double) v);
                case "betas" -> b.betas(Json.doubles(v)[0], Json.doubles(v)[1]);
                case "eps" -> b.eps((Double) v);
                case "weight_decay" -> b.weightDecay((Double) v);
                case "amsgrad" -> b.amsgrad((Boolean) v);
                default -> throw new IllegalArgumentException(k);
            }
        });
        return b;
    }

    @TestFactory
    List<DynamicTest> matchesTorchOptimEveryStep() {
        Map<String, Object> fx = Json.fixture(TorchTrajectoryTest.class, "optim_torch.json");
        Tensor x = tensor(fx.get("x"), DType.F32);
        Tensor y = tensor(fx.get("y"), DType.F32);
        List<DynamicTest> tests = new ArrayList<>();
        for (Object c : Json.list(fx.get("cases"))) {
            Map<String, Object> cs = Json.map(c);
            tests.add(DynamicTest.dynamicTest((String) cs.get("name"), () -> {
                Map<String, Tensor> p = tensors(fx.get("init"), DType.F32);
                p.values().forEach(t -> t.requiresGrad(true));
                Optimizer opt = build((String) cs.get("optimizer"), p, Json.list(cs.get("groups")));
                List<Object> trajectory = Json.list(cs.get("trajectory"));
                double worst = 0;
                for (int step = 0; step < trajectory.size(); step++) {
                    opt.zeroGrad();
                    Tensor loss = x.matmul(p.get("W1")).add(p.get("b1")).tanh().matmul(p.get("W2")).add(p.get("b2"))
                            .mseLoss(y);
                    loss.backward();
                    opt.step();
                    Map<String, Object> expected = Json.map(trajectory.get(step));
                    for (var e : expected.entrySet()) {
                        double err = relError(p.get(e.getKey()).toDoubleArray(), Json.doubles(e.getValue()));
                        worst = Math.max(worst, err);
                        assertThat(err).as("%s after step %d", e.getKey(), step + 1).isLessThan(RTOL);
                    }
                }
                System.out.printf("%s: worst relative error over %d steps %.2e%n", cs.get("name"), trajectory.size(), worst);
            }));
        }
        return tests;
    }
}
