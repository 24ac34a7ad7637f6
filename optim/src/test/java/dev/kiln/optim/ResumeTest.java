package dev.kiln.optim;

import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resuming from a state dict continues bit for bit: 10 steps, save, load into a fresh optimizer
 * over fresh parameters holding the saved values, 10 more steps — equal to 20 straight steps in
 * every bit, for every optimizer (GaLore's projector recomputation, SPAM's resets, warmup, clipping
 * and sparse masks, L-BFGS's history included).
 */
class ResumeTest {
    static final int STEPS = 10;

    /** A small float32 problem: mean((x·W1·W2 + b − y)²) plus a spike on step 13 for SPAM to clip. */
    static final class Problem {
        final Tensor x;
        final Tensor y;
        final Tensor w1;
        final Tensor w2;
        final Tensor b;

        Problem(Problem from) {
            var rng = new Generator(7);
            x = Tensor.randn(rng, 24, 10);
            y = Tensor.randn(rng, 24, 12);
            Tensor a = Tensor.randn(rng, 10, 6).mul(0.4);
            Tensor c = Tensor.randn(rng, 6, 12).mul(0.4);
            Tensor d = Tensor.randn(rng, 12).mul(0.1);
            w1 = (from == null ? a : from.w1.detach().clone()).requiresGrad(true);
            w2 = (from == null ? c : from.w2.detach().clone()).requiresGrad(true);
            b = (from == null ? d : from.b.detach().clone()).requiresGrad(true);
        }

        List<Tensor> params() {
            return List.of(w1, w2, b);
        }

        Tensor loss() {
            Tensor r = x.matmul(w1).matmul(w2).add(b).sub(y);
            return r.mul(r).mean();
        }

        void step(Optimizer opt, int step) {
            if (opt instanceof Lbfgs lbfgs) {
                lbfgs.step(() -> {
                    opt.zeroGrad();
                    Tensor l = loss();
                    l.backward();
                    return l;
                });
                return;
            }
            opt.zeroGrad();
            loss().backward();
            if (step == 13) {
                try (NoGrad ignored = NoGrad.enter()) {
                    w2.setGrad(w2.grad().mul(1000));
                }
            }
            opt.step();
        }
    }

    static Map<String, Function<List<Tensor>, Optimizer>> optimizers() {
        Map<String, Function<List<Tensor>, Optimizer>> m = new LinkedHashMap<>();
        m.put("Sgd", p -> Sgd.builder(p).lr(0.05).momentum(0.9).nesterov(true).weightDecay(1e-3).build());
        m.put("Adam", p -> Adam.builder(p).lr(0.01).amsgrad(true).weightDecay(0.01).build());
        m.put("AdamW", p -> AdamW.builder(p.subList(0, 2)).lr(0.01)
                .group(p.subList(2, 3), g -> g.lr(0.02).weightDecay(0)).build());
        m.put("AdamW-HF", p -> AdamW.builder(p).lr(0.01).convention(AdamW.Convention.HUGGING_FACE).build());
        m.put("GaLore", p -> GaLore.builder(p.subList(2, 3)).lr(0.01).weightDecay(0.01)
                .group(p.subList(0, 1), g -> g.galore(true).rank(2).updateProjGap(3))
                .group(p.subList(1, 2), g -> g.galore(true).rank(3).updateProjGap(4).projType(ProjType.FULL)).build());
        m.put("Fira", p -> Fira.builder(p.subList(2, 3)).lr(0.01)
                .group(p.subList(0, 2), g -> g.galore(true).rank(2).updateProjGap(3).scale(0.25)).build());
        m.put("Spam", p -> Spam.builder(p).lr(0.01).deltaT(7).warmupSteps(3).gradAccuSteps(2).weightDecay(0.01).build());
        m.put("Spam-sparse", p -> Spam.builder(p.subList(2, 3)).lr(0.01).deltaT(4).warmupSteps(2).gradAccuSteps(1)
                .seed(3).weightDecay(0.01).group(p.subList(0, 2), g -> g.density(0.5)).build());
        m.put("Lbfgs", p -> Lbfgs.builder(p).maxIter(3).historySize(4).lineSearchFn(Lbfgs.LineSearch.STRONG_WOLFE)
                .build());
        return m;
    }

    @TestFactory
    List<DynamicTest> resumingContinuesBitForBit() {
        List<DynamicTest> tests = new ArrayList<>();
        optimizers().forEach((name, factory) -> tests.add(DynamicTest.dynamicTest(name, () -> {
            Problem straight = new Problem(null);
            Optimizer a = factory.apply(straight.params());
            for (int s = 0; s < 2 * STEPS; s++) {
                straight.step(a, s);
            }

            Problem first = new Problem(null);
            Optimizer b = factory.apply(first.params());
            for (int s = 0; s < STEPS; s++) {
                first.step(b, s);
            }
            Map<String, Tensor> saved = b.stateDict();
            Problem second = new Problem(first); // fresh parameters holding the values at the save
            Map<String, double[]> snapshot = values(saved);
            first.step(b, STEPS); // the saved dict is a snapshot: stepping on leaves it unchanged
            assertThat(values(saved)).usingRecursiveComparison().isEqualTo(snapshot);

            Optimizer c = factory.apply(second.params());
            c.loadStateDict(saved);
            for (int s = STEPS; s < 2 * STEPS; s++) {
                second.step(c, s);
            }
            for (int i = 0; i < 3; i++) {
                assertThat(second.params().get(i).toFloatArray()).as("parameter %d of %s", i, name)
                        .containsExactly(straight.params().get(i).toFloatArray());
            }
            assertThat(values(c.stateDict())).usingRecursiveComparison().isEqualTo(values(a.stateDict()));
        })));
        return tests;
    }

    static Map<String, double[]> values(Map<String, Tensor> dict) {
        Map<String, double[]> out = new LinkedHashMap<>();
        dict.forEach((k, v) -> out.put(k, v.toDoubleArray()));
        return out;
    }
}
