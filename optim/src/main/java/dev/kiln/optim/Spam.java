package dev.kiln.optim;

import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Fused;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * SPAM (Huang et al., 2025): Hugging Face AdamW with momentum reset every ΔT steps, a cosine
 * warmup of the update after each reset, and spike-aware clipping, exactly as docs/formulas/optimizers.md:
 * <pre>
 *   s ← 1 − d(sinceReset),  d(u) = 0 if u ≥ W else 0.99·(1 + cos(π·u/(W+1)))/2
 *   per parameter: m, v ← 0 when (total+1) % ΔT = 0;  t ← t + 1;  c ← total + 1
 *     if θc ≠ 0 and c ≥ Na and c % ΔT ≥ Na: where g² > θc·v (v before this step): g ← sign(g)·√(θc·v)
 *     m, v updated;  θ ← θ − lr·√bc2/bc1·s·m/(√v + ε);  θ ← θ − lr·λ·θ  (decay not scaled by s)
 *   total ← total + 1;  sinceReset ← sinceReset + 1, or 0 when (total+1) % ΔT = 0
 * </pre>
 * The update runs as one fused backend kernel per parameter (the HF Adam step with lr·s and λ/s,
 * which gives exactly the decay lr·λ up to rounding).
 *
 * <p>Optional sparse momentum (a group's {@code density} below 1, 2-D weights only): moments are
 * kept on a random mask of ⌊d·m·n⌋ entries only, and only those entries are updated; the mask is
 * resampled at each reset, moments carried over where old and new masks overlap (the reset then
 * zeroes them on the next step, as in the official code). Masks come from a {@link Generator}
 * seeded from {@code seed}, the parameter index and the reset number, and are saved in the state
 * dict ("mask_indices"), so a resumed run draws the same masks. <b>Differs from the official
 * code:</b> its sparse path's weight decay has no effect (it decays a copy); here it applies to
 * the masked entries.
 *
 * <p>Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-6, weight decay 0, density 1; threshold θc
 * 5000, deltaT 500, warmupSteps W 150, gradAccuSteps Na 20, seed 0.
 */
public final class Spam extends Optimizer {
    private long total;
    private long sinceReset;
    private double lastScale = Double.NaN;
    private final boolean recordClipping;
    private final Tensor[] lastClip;

    private Spam(Builder b) {
        super(b);
        this.sinceReset = schedule().warmupSteps() + 1L;
        this.recordClipping = b.recordClipping;
        this.lastClip = new Tensor[params().size()];
        for (ParamGroup g : paramGroups()) {
            double density = g.settings(SpamSettings.class).density();
            if (density >= 1) {
                continue;
            }
            for (int i = 0; i < g.size(); i++) {
                Tensor p = g.param(i);
                if (p.dim() != 2) {
                    throw new IllegalArgumentException("Spam: density " + density + " (sparse momentum) applies to 2-D "
                            + "weights only, but parameter " + g.index(i) + " has shape " + Shapes.str(p.shape())
                            + "; put it in a group with density 1");
                }
                if (maskSize(density, p) == 0) {
                    throw new IllegalArgumentException("Spam: density " + density + " keeps ⌊d·m·n⌋ = 0 entries of "
                            + "parameter " + g.index(i) + " of shape " + Shapes.str(p.shape()));
                }
            }
        }
    }

    public static Builder builder(Iterable<?> params) {
        return new Builder(params);
    }

    private static int maskSize(double density, Tensor p) {
        return (int) Math.floor(density * p.numel());
    }

    /** The optimizer-wide settings: threshold, deltaT, warmupSteps, gradAccuSteps, seed. */
    public SpamSchedule schedule() {
        return (SpamSchedule) globals();
    }

    /** The density fixes the shapes of a sparse parameter's state: it cannot change once built. */
    @Override
    protected void checkChange(GroupSettings<?> old, GroupSettings<?> next) {
        double a = ((SpamSettings) old).density();
        double b = ((SpamSettings) next).density();
        if (a != b) {
            throw new IllegalArgumentException("Spam: 'density' cannot change once the optimizer is built (the state's "
                    + "shapes depend on it): it is " + a + ", got " + b);
        }
    }

    /** The update scale s = 1 − d(sinceReset) of the last step (NaN before the first). */
    public double lastScale() {
        return lastScale;
    }

    /** Steps taken so far ({@code total} in docs/formulas/optimizers.md). */
    public long totalSteps() {
        return total;
    }

    /**
     * Which coordinates of a parameter the last step clipped, as a BOOL tensor of its shape (all
     * false on a step where clipping was off), or null if the parameter had no gradient then.
     * Needs {@code recordClipping(true)} on the builder.
     */
    public Tensor lastClipMask(Object param) {
        if (!recordClipping) {
            throw new IllegalStateException("Spam.lastClipMask: build the optimizer with recordClipping(true)");
        }
        return lastClip[indexOf(param)];
    }

    @Override
    protected void update() {
        SpamSchedule schedule = schedule();
        int warmup = schedule.warmupSteps();
        int deltaT = schedule.deltaT();
        int na = schedule.gradAccuSteps();
        double threshold = schedule.threshold();
        double d = sinceReset >= warmup ? 0 : 0.99 * (1 + Math.cos(Math.PI * sinceReset / (warmup + 1.0))) / 2;
        double scale = 1 - d;
        lastScale = scale;
        boolean reset = (total + 1) % deltaT == 0;
        long c = total + 1;
        boolean clip = threshold != 0 && c >= na && c % deltaT >= na;
        Arrays.fill(lastClip, null);
        for (ParamGroup g : paramGroups()) {
            SpamSettings set = g.settings(SpamSettings.class);
            double lr = set.lr();
            double[] betas = set.betas();
            double eps = set.eps();
            double density = set.density();
            for (int i = 0; i < g.size(); i++) {
                Tensor p = g.param(i);
                Tensor grad = p.grad();
                if (grad == null) {
                    continue;
                }
                int index = g.index(i);
                ParamState s = stateAt(index);
                boolean sparse = density < 1;
                if (s.get("exp_avg") == null) {
                    int n = p.numel();
                    if (sparse) {
                        putState(s, "mask_indices", sampleMask(index, 0, maskSize(density, p), n).to(p.device()));
                        n = maskSize(density, p);
                    }
                    int[] shape = sparse ? new int[] {n} : p.shape();
                    putState(s, "exp_avg", Tensor.full(0, p.dtype(), p.device(), shape));
                    putState(s, "exp_avg_sq", Tensor.full(0, p.dtype(), p.device(), shape));
                }
                Tensor m = s.get("exp_avg");
                Tensor v = s.get("exp_avg_sq");
                if (reset) {
                    m.zero_();
                    v.zero_();
                }
                setStep(s, s.step() + 1);
                Tensor idx = sparse ? s.get("mask_indices") : null;
                Tensor gr = grad.detach().contiguous();
                if (sparse) {
                    gr = gr.reshape(-1).indexSelect(0, idx);
                }
                Tensor spike = null;
                if (clip) {
                    Tensor bound = v.mul(threshold);
                    spike = gr.mul(gr).gt(bound);
                    gr = Tensor.where(spike, gr.sign().mul(bound.sqrt()), gr);
                }
                // HF step with lr·s; its decay then is (lr·s)·(λ/s) = lr·λ, not scaled by s
                AdamConfig config = new AdamConfig(lr * scale, betas[0], betas[1], eps, (g.decays(i) ? set.weightDecay() : 0) / scale,
                        s.step(), AdamConfig.Mode.ADAMW_HF);
                if (sparse) {
                    Tensor flat = p.detach().reshape(-1);
                    Tensor target = flat.indexSelect(0, idx);
                    Fused.adamStep(target, gr.contiguous(), m, v, null, config);
                    Tensor mask = scatter(idx, Tensor.onesLike(target), flat.numel()).gt(0);
                    p.copy_(Tensor.where(mask, scatter(idx, target, flat.numel()), flat).reshape(p.shape()));
                } else {
                    Fused.adamStep(p, gr, m, v, null, config);
                }
                if (recordClipping) {
                    Tensor mask;
                    if (spike == null) {
                        mask = Tensor.full(0, DType.BOOL, p.device(), p.shape());
                    } else if (sparse) {
                        mask = scatter(idx, spike.to(p.dtype()), p.numel()).gt(0).reshape(p.shape());
                    } else {
                        mask = spike;
                    }
                    lastClip[index] = mask;
                }
            }
        }
        total++;
        sinceReset++;
        if ((total + 1) % deltaT == 0) {
            sinceReset = 0;
            resampleMasks((total + 1) / deltaT);
        }
    }

    /** A dense vector of length n holding values at the (distinct) indices and zero elsewhere. */
    private static Tensor scatter(Tensor idx, Tensor values, int n) {
        return Tensor.full(0, values.dtype(), values.device(), n).scatterAdd(0, idx, values);
    }

    /** New masks for the sparse parameters, with the moments carried over where the masks overlap. */
    private void resampleMasks(long resetNumber) {
        for (ParamGroup g : paramGroups()) {
            double density = g.settings(SpamSettings.class).density();
            if (density >= 1) {
                continue;
            }
            for (int i = 0; i < g.size(); i++) {
                ParamState s = existingStateAt(g.index(i));
                if (s == null) {
                    continue;
                }
                Tensor p = g.param(i);
                Tensor oldIdx = s.get("mask_indices");
                Tensor newIdx = sampleMask(g.index(i), resetNumber, maskSize(density, p), p.numel()).to(p.device());
                for (String name : new String[] {"exp_avg", "exp_avg_sq"}) {
                    Tensor dense = scatter(oldIdx, s.get(name), p.numel());
                    putState(s, name, dense.indexSelect(0, newIdx));
                }
                putState(s, "mask_indices", newIdx);
            }
        }
    }

    /** ⌊d·m·n⌋ distinct sorted flat indices, drawn from a generator seeded by (seed, parameter, reset number). */
    private Tensor sampleMask(int paramIndex, long resetNumber, int count, int n) {
        long seed = schedule().seed();
        long mixed = seed * 0x9E3779B97F4A7C15L + paramIndex * 0xC2B2AE3D27D4EB4FL + resetNumber * 0x165667B19E3779F9L;
        int[] perm = Tensor.randperm(new Generator(mixed), n).toIntArray();
        int[] chosen = Arrays.copyOf(perm, count);
        Arrays.sort(chosen);
        return Tensor.of(chosen, count);
    }

    @Override
    protected void saveExtraState(Map<String, Tensor> out) {
        out.put("global.total", Tensor.scalar(total, DType.F64));
        out.put("global.since_reset", Tensor.scalar(sinceReset, DType.F64));
    }

    @Override
    protected Runnable loadExtraState(Map<String, Tensor> dict, Set<String> consumed) {
        long t = counter(dict, "global.total");
        long u = counter(dict, "global.since_reset");
        consumed.add("global.total");
        consumed.add("global.since_reset");
        return () -> {
            total = t;
            sinceReset = u;
        };
    }

    private static long counter(Map<String, Tensor> dict, String key) {
        Tensor t = dict.get(key);
        if (t == null) {
            throw new IllegalArgumentException("Spam.loadStateDict: missing key '" + key + "'");
        }
        double v = t.item();
        if (v < 0 || v != Math.rint(v)) {
            throw new IllegalArgumentException("Spam.loadStateDict: '" + key + "' holds " + v + ", not a step count");
        }
        return (long) v;
    }

    @Override
    protected void checkLoadedState(int index, ParamState s) {
        Tensor p = params().get(index);
        double density = densityOf(index);
        if (density >= 1) {
            requireStateNames(index, s, "exp_avg", "exp_avg_sq");
            requireStateTensor(index, s, "exp_avg", p.shape());
            requireStateTensor(index, s, "exp_avg_sq", p.shape());
            return;
        }
        int k = maskSize(density, p);
        requireStateNames(index, s, "exp_avg", "exp_avg_sq", "mask_indices");
        requireStateTensor(index, s, "exp_avg", new int[] {k});
        requireStateTensor(index, s, "exp_avg_sq", new int[] {k});
        Tensor idx = s.get("mask_indices");
        if (idx.dtype() != DType.I32 || !Arrays.equals(idx.shape(), new int[] {k})) {
            throw new IllegalArgumentException("Spam.loadStateDict: 'mask_indices' of parameter " + index
                    + " should be I32 [" + k + "], got " + idx.dtype() + " " + Shapes.str(idx.shape()));
        }
        int[] v = idx.toIntArray();
        for (int j = 0; j < v.length; j++) {
            if (v[j] < 0 || v[j] >= p.numel() || (j > 0 && v[j] <= v[j - 1])) {
                throw new IllegalArgumentException("Spam.loadStateDict: 'mask_indices' of parameter " + index
                        + " must be distinct sorted indices below " + p.numel());
            }
        }
    }

    private double densityOf(int index) {
        for (ParamGroup g : paramGroups()) {
            if (index >= g.index(0) && index < g.index(0) + g.size()) {
                return g.settings(SpamSettings.class).density();
            }
        }
        throw new IllegalStateException("no group holds parameter " + index);
    }

    /**
     * Group settings: lr, betas, eps, weightDecay, density ({@link SpamSettings}). Optimizer-wide:
     * threshold (θc), deltaT (ΔT), warmupSteps (W), gradAccuSteps (Na), seed ({@link SpamSchedule});
     * and recordClipping.
     */
    public static final class Builder extends Optimizer.Builder<Builder, Spam, SpamSettings> {
        private boolean recordClipping;
        private SpamSchedule schedule = SpamSchedule.DEFAULTS;

        private Builder(Iterable<?> params) {
            super(params);
        }

        private Builder() {
        }

        public Builder betas(double beta1, double beta2) {
            return set(s -> s.withBetas(beta1, beta2));
        }

        public Builder eps(double eps) {
            return set(s -> s.withEps(eps));
        }

        public Builder weightDecay(double weightDecay) {
            return set(s -> s.withWeightDecay(weightDecay));
        }

        /** Sparse momentum: keep moments on ⌊d·m·n⌋ random entries of each 2-D weight (d in (0, 1]). */
        public Builder density(double density) {
            return set(s -> s.withDensity(density));
        }

        /** θc: a coordinate is a spike when g² > θc·v; 0 turns clipping off. */
        public Builder threshold(double threshold) {
            return schedule("threshold", schedule.withThreshold(threshold));
        }

        /** ΔT: the moments are reset every ΔT steps (≥ 1). */
        public Builder deltaT(int deltaT) {
            return schedule("deltaT", schedule.withDeltaT(deltaT));
        }

        /** W: the length of the cosine warmup of the update after each reset. */
        public Builder warmupSteps(int warmupSteps) {
            return schedule("warmupSteps", schedule.withWarmupSteps(warmupSteps));
        }

        /** Na: no clipping during the first Na steps of training and of each reset period. */
        public Builder gradAccuSteps(int gradAccuSteps) {
            return schedule("gradAccuSteps", schedule.withGradAccuSteps(gradAccuSteps));
        }

        /** The seed of the sparse-momentum masks. */
        public Builder seed(int seed) {
            return schedule("seed", schedule.withSeed(seed));
        }

        private Builder schedule(String what, SpamSchedule next) {
            requireTopLevel(what);
            next.check("Spam");
            schedule = next;
            return this;
        }

        /** Whether {@link Spam#lastClipMask} records which coordinates each step clipped. */
        public Builder recordClipping(boolean record) {
            requireTopLevel("recordClipping");
            this.recordClipping = record;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected Builder newGroupBuilder() {
            return new Builder();
        }

        @Override
        protected String optimizerName() {
            return "Spam";
        }

        @Override
        protected SpamSettings defaults() {
            return SpamSettings.DEFAULTS;
        }

        @Override
        protected Settings globals() {
            return schedule;
        }

        @Override
        public Spam build() {
            return new Spam(this);
        }
    }
}
