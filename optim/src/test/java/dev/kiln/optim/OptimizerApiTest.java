package dev.kiln.optim;

import dev.kiln.autograd.NoGrad;
import dev.kiln.autograd.RecycleActivations;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Linalg;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Parameter groups, Parameters and plain tensors, zeroGrad, and every bad input named in the issue. */
class OptimizerApiTest {

    static Tensor leaf(float... v) {
        return Tensor.of(v).requiresGrad(true);
    }

    // ------------------------------------------------------------------ behaviour

    @Test
    void groupsHaveTheirOwnHyperparameters() {
        Tensor a = leaf(1, 1);
        Tensor b = leaf(1, 1);
        Sgd opt = Sgd.builder(List.of(a)).lr(0.1).group(List.of(b), g -> g.lr(0.01)).build();
        a.setGrad(Tensor.of(new float[] {1, 2}));
        b.setGrad(Tensor.of(new float[] {1, 2}));
        opt.step();
        assertThat(a.toFloatArray()).containsExactly(new float[] {0.9f, 0.8f}, within(1e-7f));
        assertThat(b.toFloatArray()).containsExactly(new float[] {0.99f, 0.98f}, within(1e-7f));
        assertThat(opt.paramGroups()).hasSize(2);
        assertThat(opt.paramGroups().get(1).settings(SgdSettings.class).momentum()).isEqualTo(0.0);
        opt.paramGroups().get(0).setLr(1);
        opt.step();
        assertThat(a.toFloatArray()).containsExactly(new float[] {-0.1f, -1.2f}, within(1e-6f));
    }

    @Test
    void topLevelOptionsAreDefaultsForEveryGroup() {
        Tensor a = leaf(1);
        Tensor b = leaf(1);
        AdamW opt = AdamW.builder(List.of(a)).lr(0.5).weightDecay(0.2).group(List.of(b), g -> g.lr(0.05)).build();
        assertThat(opt.paramGroups().get(1).settings(AdamSettings.class).weightDecay()).isEqualTo(0.2);
        assertThat(opt.paramGroups().get(1).lr()).isEqualTo(0.05);
        assertThat(opt.paramGroups().get(0).settings(AdamSettings.class).betas()).containsExactly(0.9, 0.999);
    }

    @Test
    void parametersMarkedNoWeightDecayAreNotDecayed() {
        Parameter decayed = new Parameter(Tensor.of(new float[] {2, 2}));
        Parameter exempt = new Parameter(Tensor.of(new float[] {2, 2})).noWeightDecay();
        AdamW opt = AdamW.builder(List.of(decayed, exempt)).lr(0.1).weightDecay(0.5).build();
        decayed.tensor().setGrad(Tensor.zeros(2));
        exempt.tensor().setGrad(Tensor.zeros(2));
        opt.step();
        // zero gradient: only the decoupled decay θ·(1 − lr·λ) moves a parameter
        assertThat(decayed.tensor().toFloatArray()).containsExactly(new float[] {1.9f, 1.9f}, within(1e-6f));
        assertThat(exempt.tensor().toFloatArray()).containsExactly(2f, 2f);
        assertThat(opt.state(exempt).step()).isEqualTo(1);
        assertThat(opt.indexOf(exempt)).isEqualTo(1);
    }

    @Test
    void parametersWithoutGradientAreSkippedAndZeroGradClears() {
        Tensor a = leaf(1, 2);
        Tensor b = leaf(3);
        Adam opt = new Adam(List.of(a, b), 0.1);
        a.setGrad(Tensor.of(new float[] {1, 1}));
        opt.step();
        assertThat(opt.state(a)).isNotNull();
        assertThat(opt.state(b)).isNull();
        assertThat(b.toFloatArray()).containsExactly(3f);
        // Adam's first step moves by lr·sign(g)
        assertThat(a.toFloatArray()).containsExactly(new float[] {0.9f, 1.9f}, within(1e-6f));
        opt.zeroGrad();
        assertThat(a.grad()).isNull();
    }

    @Test
    void zeroGradInsideRecycleActivationsHandsTheGradientsToThePool() {
        int n = (1 << 16) + 5; // large enough to be pooled, a size no other test uses
        Tensor a = Tensor.zeros(n).requiresGrad(true);
        Sgd opt = Sgd.builder(List.of(a)).lr(0.1).build();
        Tensor kept = Tensor.ones(n);
        a.setGrad(kept);
        opt.zeroGrad(); // outside the scope a caller may still hold the gradient: it is only dropped
        assertThat(kept.toFloatArray()).containsOnly(1f);
        Tensor g = Tensor.ones(n);
        a.setGrad(g);
        try (RecycleActivations r = RecycleActivations.enter()) {
            opt.zeroGrad();
        }
        assertThat(a.grad()).isNull();
        assertThatThrownBy(g::toFloatArray).hasMessageContaining("recycled");
    }

    @Test
    void trainsAParameterUsedInAForwardPass() {
        Parameter w = new Parameter(Tensor.of(new float[] {0, 0}, 2, 1));
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Tensor y = Tensor.of(new float[] {1, 2, 3}, 3, 1);
        Sgd opt = Sgd.builder(List.of(w)).lr(0.02).momentum(0.9).build();
        double first = 0;
        double last = 0;
        for (int i = 0; i < 200; i++) {
            opt.zeroGrad();
            Tensor loss = x.matmul(w.tensor()).mseLoss(y);
            loss.backward();
            opt.step();
            last = loss.item();
            if (i == 0) {
                first = last;
            }
        }
        assertThat(last).isLessThan(1e-4 * first);
    }

    @Test
    void hfAndPyTorchConventionsAreNamedAndDiffer() {
        Tensor a = leaf(1);
        Tensor b = leaf(1);
        AdamW pt = AdamW.builder(List.of(a)).lr(0.1).weightDecay(0).build();
        AdamW hf = AdamW.builder(List.of(b)).lr(0.1).weightDecay(0).convention(AdamW.Convention.HUGGING_FACE).build();
        assertThat(pt.convention()).isEqualTo(AdamW.Convention.PYTORCH);
        assertThat(hf.paramGroups().getFirst().settings(AdamSettings.class).eps()).isEqualTo(1e-6);
        assertThat(pt.paramGroups().getFirst().settings(AdamSettings.class).eps()).isEqualTo(1e-8);
        a.setGrad(Tensor.of(new float[] {1e-3f}));
        b.setGrad(Tensor.of(new float[] {1e-3f}));
        pt.step();
        hf.step();
        // t = 1: PyTorch moves by lr·g/(|g| + ε), HF by lr·g/(|g| + ε/√(1 − β2)): ε is not bias-corrected
        assertThat(a.item()).isCloseTo(0.9, within(1e-6));
        assertThat(b.item()).isCloseTo(1 - 0.1 * Math.sqrt(0.001) / 0.1 * 1e-4 / (Math.sqrt(1e-9) + 1e-6), within(1e-6));
        assertThat(a.item()).isNotEqualTo(b.item());
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void negativeLearningRateIsRejected() {
        Tensor a = leaf(1);
        assertThatThrownBy(() -> new Sgd(List.of(a), -0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Sgd: lr must be a finite number >= 0, got -0.1");
        assertThatThrownBy(() -> AdamW.builder(List.of(a)).lr(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("AdamW: lr must be");
        assertThatThrownBy(() -> GaLore.builder(List.of(a)).group(List.of(a), g -> g.lr(Double.NaN)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("GaLore: lr must be");
        AdamW opt = AdamW.builder(List.of(a)).build();
        assertThatThrownBy(() -> opt.paramGroups().getFirst().setLr(-3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("AdamW: lr must be");
    }

    @Test
    void betasOutsideTheUnitIntervalAreRejected() {
        Tensor a = leaf(1);
        assertThatThrownBy(() -> Adam.builder(List.of(a)).betas(0.9, 1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Adam: betas must lie in [0, 1), got (0.9, 1.0): beta2 = 1.0 is outside");
        assertThatThrownBy(() -> AdamW.builder(List.of(a)).betas(-0.1, 0.9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("beta1 = -0.1 is outside");
        assertThatThrownBy(() -> Spam.builder(List.of(a)).betas(0.9, 1.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Spam: betas");
        assertThatThrownBy(() -> GaLore.builder(List.of(a)).betas(1, 0.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("GaLore: betas");
    }

    @Test
    void rankAtLeastMinDimensionIsRejected() {
        Tensor w = Tensor.zeros(8, 4).requiresGrad(true);
        Tensor b = leaf(1);
        assertThatThrownBy(() -> GaLore.builder(List.of(b)).group(List.of(w), g -> g.galore(true).rank(4)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("GaLore: rank 4 must be less than min(m, n) = 4 for parameter 1 of shape [8, 4]");
        assertThatThrownBy(() -> Fira.builder(List.of(b)).rank(9).group(List.of(w), g -> g.galore(true)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Fira: rank 9 must be less than");
        assertThatThrownBy(() -> GaLore.builder(List.of(b)).rank(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("GaLore: rank must be >= 1, got 0");
        assertThatThrownBy(() -> GaLore.builder(List.of(w)).galore(true).rank(2).group(List.of(b), g -> g.galore(true)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameter 1 has shape [1], but groups with galore(true) take 2-D weight matrices");
        assertThatThrownBy(() -> GaLore.builder(List.of(w)).rank(2).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no parameter group uses the low-rank");
        assertThatThrownBy(() -> Fira.builder(List.of(w)).galore(true).rank(2).projType(ProjType.FULL).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("projType FULL is not supported");
        GaLore ok = GaLore.builder(List.of(w)).galore(true).rank(3).build();
        ParamGroup okGroup = ok.paramGroups().getFirst();
        assertThatThrownBy(() -> okGroup.setSettings(okGroup.settings(LowRankSettings.class).withRank(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'rank' cannot change once the optimizer is built");
    }

    @Test
    void deltaTZeroIsRejected() {
        Tensor a = leaf(1);
        assertThatThrownBy(() -> Spam.builder(List.of(a)).deltaT(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Spam: deltaT (ΔT, the steps between momentum resets) must be >= 1, got 0");
        assertThatThrownBy(() -> Spam.builder(List.of(a)).density(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Spam: density must lie in (0, 1], got 0.0");
        assertThatThrownBy(() -> Spam.builder(List.of(a)).density(0.5).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("applies to 2-D weights only, but parameter 0 has shape [1]");
        assertThatThrownBy(() -> Spam.builder(List.of(a)).group(List.of(), g -> g.deltaT(3)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("applies to the whole optimizer");
    }

    @Test
    void aParameterListedTwiceIsRejected() {
        Parameter p = new Parameter(Tensor.zeros(3));
        Tensor t = leaf(1, 2);
        assertThatThrownBy(() -> AdamW.builder(List.of(t, t)).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AdamW: the parameter F32 [2] is listed twice, in group 0 (position 0) and in group 0 "
                        + "(position 1); list each parameter once");
        assertThatThrownBy(() -> Sgd.builder(List.of(p)).group(List.of(p.tensor()), g -> g.lr(1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is listed twice, in group 0 (position 0) and in group 1 (position 0)");
        Tensor view = t.detach().requiresGrad(true); // another leaf over the same storage
        assertThatThrownBy(() -> Adam.builder(List.of(t, view)).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("share storage");
    }

    @Test
    void otherBadParametersAreRejected() {
        assertThatThrownBy(() -> AdamW.builder(List.of()).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AdamW: got an empty parameter list");
        Tensor leaf = leaf(1, 2);
        Tensor nonLeaf = leaf.mul(2);
        assertThatThrownBy(() -> new Sgd(List.of(nonLeaf), 0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a leaf tensor (it was made by MulBackward)");
        assertThatThrownBy(() -> new Sgd(List.of(Tensor.of(new int[] {1})), 0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is I32 [1]; only F32 and F64 tensors can be optimized");
        assertThatThrownBy(() -> new Sgd(List.of("w"), 0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is a java.lang.String; expected a Parameter or a Tensor");
        assertThatThrownBy(() -> Sgd.builder(List.of(leaf)).nesterov(true).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Sgd: Nesterov momentum requires momentum > 0 and dampening = 0");
        assertThatThrownBy(() -> AdamW.builder(List.of(leaf)).convention(AdamW.Convention.HUGGING_FACE).amsgrad(true).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("amsgrad is not part of the Hugging Face");
        AdamW opt = AdamW.builder(List.of(leaf)).build();
        ParamGroup group = opt.paramGroups().getFirst();
        assertThatThrownBy(() -> group.setSettings(SgdSettings.DEFAULTS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AdamW: parameter groups hold AdamSettings, got SgdSettings");
        assertThatThrownBy(() -> group.setSettings(group.settings(AdamSettings.class).withEps(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("AdamW: eps must be a finite number >= 0, got -1.0");
        assertThatThrownBy(() -> group.settings(SgdSettings.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AdamW: parameter groups hold AdamSettings, not SgdSettings");
        AdamW hf = AdamW.builder(List.of(leaf)).convention(AdamW.Convention.HUGGING_FACE).build();
        ParamGroup hfGroup = hf.paramGroups().getFirst();
        assertThatThrownBy(() -> hfGroup.setSettings(hfGroup.settings(AdamSettings.class).withAmsgrad(true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("amsgrad is not part of the Hugging Face");
    }

    @Test
    void aStateDictFromAnotherOptimizerIsRejected() {
        Tensor a = leaf(1, 2);
        Sgd sgd = Sgd.builder(List.of(a)).momentum(0.9).build();
        a.setGrad(Tensor.of(new float[] {1, 1}));
        sgd.step();
        AdamW adamw = AdamW.builder(List.of(a)).build();
        assertThatThrownBy(() -> adamw.loadStateDict(sgd.stateDict())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AdamW.loadStateDict: the state dict was saved by Sgd, not by AdamW; load it into a Sgd");
        assertThatThrownBy(() -> adamw.loadStateDict(Map.of("0.weight", Tensor.zeros(2))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("AdamW.loadStateDict: not an optimizer state dict (no 'optimizer.type' key)");
    }

    @Test
    void aStateDictThatDoesNotFitIsRejectedAndChangesNothing() {
        Tensor a = leaf(1, 2);
        Tensor b = leaf(3);
        Adam source = new Adam(List.of(a, b), 0.1);
        a.setGrad(Tensor.of(new float[] {1, 1}));
        b.setGrad(Tensor.of(new float[] {1}));
        source.step();
        Map<String, Tensor> dict = source.stateDict();

        Adam other = new Adam(List.of(b, a), 0.2); // same type, parameters swapped: shapes do not fit
        assertThatThrownBy(() -> other.loadStateDict(dict)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Adam.loadStateDict: state 'exp_avg' of parameter 0 (F32 [1]) should be F32 [1], got F32 [2]");
        assertThat(other.paramGroups().getFirst().lr()).isEqualTo(0.2);
        assertThat(other.state(b)).isNull();

        Adam grouped = Adam.builder(List.of(a)).group(List.of(b), g -> { }).build();
        assertThatThrownBy(() -> grouped.loadStateDict(dict)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Adam.loadStateDict: the state dict has 1 parameter groups, this optimizer has 2");

        Map<String, Tensor> extra = new java.util.LinkedHashMap<>(dict);
        extra.put("state.0.surprise", Tensor.zeros(2));
        Adam fresh = new Adam(List.of(a, b), 0.2);
        assertThatThrownBy(() -> fresh.loadStateDict(extra)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("state of parameter 0 holds [exp_avg, exp_avg_sq, surprise]");
        Map<String, Tensor> missing = new java.util.LinkedHashMap<>(dict);
        missing.remove("param_groups.0.eps");
        assertThatThrownBy(() -> fresh.loadStateDict(missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Adam.loadStateDict: missing key 'param_groups.0.eps'");
        Map<String, Tensor> unknown = new java.util.LinkedHashMap<>(dict);
        unknown.put("param_groups.0.momentum", Tensor.scalar(0.9, DType.F64));
        assertThatThrownBy(() -> fresh.loadStateDict(unknown)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Adam.loadStateDict: unexpected keys [param_groups.0.momentum]");
        fresh.loadStateDict(dict);
        assertThat(fresh.paramGroups().getFirst().lr()).isEqualTo(0.1);
        assertThat(fresh.state(a).step()).isEqualTo(1);
    }

    @Test
    void stateDictUsesPyTorchLikeKeys() {
        Tensor a = leaf(1, 2);
        AdamW opt = AdamW.builder(List.of(a)).amsgrad(true).build();
        a.setGrad(Tensor.of(new float[] {1, 1}));
        opt.step();
        Map<String, Tensor> d = opt.stateDict();
        assertThat(d.keySet()).contains("optimizer.type", "param_groups.0.params", "param_groups.0.lr",
                "param_groups.0.betas", "param_groups.0.weight_decay", "global.convention", "state.0.step",
                "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq");
        assertThat(d.get("param_groups.0.lr").dtype()).isEqualTo(DType.F64);
        assertThat(d.get("param_groups.0.betas").toDoubleArray()).containsExactly(0.9, 0.999);
        assertThat(d.get("state.0.step").item()).isEqualTo(1.0);
        assertThat(opt.stateBytes()).isEqualTo(3 * 2 * 4);
    }

    @Test
    void typedSettingsRoundTripThroughTheStateDictKeys() {
        Tensor w = Tensor.randn(new dev.kiln.tensor.Generator(3), 6, 5).requiresGrad(true);
        Tensor b = leaf(1, 2);
        GaLore opt = GaLore.builder(List.of(b)).lr(0.02).betas(0.8, 0.95).weightDecay(0.1)
                .group(List.of(w), g -> g.galore(true).rank(2).updateProjGap(7).scale(0.25).projType(ProjType.LEFT))
                .build();
        opt.paramGroups().get(1).setLr(0.005);
        Map<String, Tensor> d = opt.stateDict();
        assertThat(d.get("param_groups.1.update_proj_gap").item()).isEqualTo(7.0);
        assertThat(d.get("param_groups.1.proj_type").item()).isEqualTo(ProjType.LEFT.ordinal());
        assertThat(d.get("param_groups.1.lr").item()).isEqualTo(0.005);

        GaLore fresh = GaLore.builder(List.of(b)).group(List.of(w), g -> g.galore(true).rank(2)
                .projType(ProjType.LEFT)).build();
        assertThat(fresh.paramGroups().get(1).settings()).isNotEqualTo(opt.paramGroups().get(1).settings());
        fresh.loadStateDict(d);
        for (int g = 0; g < 2; g++) {
            assertThat(fresh.paramGroups().get(g).settings()).isEqualTo(opt.paramGroups().get(g).settings());
        }
        LowRankSettings s = fresh.paramGroups().get(1).settings(LowRankSettings.class);
        assertThat(s.betas()).containsExactly(0.8, 0.95);
        assertThat(s.toString()).contains("betas=[0.8, 0.95]", "rank=2", "projType=LEFT");
        assertThat(new LowRankSettings(0.02, new double[] {0.8, 0.95}, 1e-6, 0.1, true, 2, 7, 0.25, ProjType.LEFT)
                .withLr(0.005)).isEqualTo(s).hasSameHashCodeAs(s);
    }

    @Test
    void linalgRefusesToBeRecorded() {
        Tensor w = Tensor.randn(new dev.kiln.tensor.Generator(1), 3, 3).requiresGrad(true);
        assertThatThrownBy(() -> Linalg.svd(w)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("svd: linear-algebra routines are not differentiable");
        try (NoGrad ignored = NoGrad.enter()) {
            assertThat(Linalg.svd(w).s().shape()).containsExactly(3);
        }
        assertThat(Linalg.qr(w.detach()).q().requiresGrad()).isFalse();
    }
}
