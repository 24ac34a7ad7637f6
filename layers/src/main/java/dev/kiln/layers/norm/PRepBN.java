package dev.kiln.layers.norm;

import dev.kiln.layers.Module;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/**
 * Progressive re-parameterised BatchNorm (SLAB, Guo et al. 2024, §3.2; docs/formulas/norms.md): a
 * drop-in for LayerNorm in a transformer that moves from LayerNorm to {@link RepBN} during
 * training, so that at inference only RepBN remains, whose eval-mode affine map folds into the
 * next linear layer (no normalisation cost at all). As the official code's {@code LinearNorm}:
 * <ul>
 * <li>training, while the {@code warm} counter is above 0: LN(x) only, and the counter drops by 1;</li>
 * <li>training after that: γ·LN(x) + (1 − γ)·RepBN(x) with γ = r0·iter/total_step, after which
 * {@code iter} drops by 1 (until 0). γ is r0 at the first step after warm-up and falls linearly to 0
 * after {@code total_step} steps, and stays 0;</li>
 * <li>eval: RepBN(x) only, whatever γ is.</li>
 * </ul>
 * The counters are buffers (I32 scalars; the official code's are int64), so a checkpoint resumes
 * the schedule. Each training-mode {@link #forward} is one step of the schedule: call it once per
 * optimiser step (gradient accumulation would advance it too fast, as in the official code).
 * {@link #forwardAt} computes the mix at a given γ without advancing anything. Keys as the
 * official code: {@code warm}, {@code iter}, {@code total_step}, {@code norm1.} (the LayerNorm) and
 * {@code norm2.} (the RepBN).
 */
public final class PRepBN extends Module {
    /** The decay length when none is given; experiments set their own with {@link #schedule}. */
    public static final int DEFAULT_STEPS = 10_000;

    private final int numFeatures;
    private final double r0;
    private final LayerNorm norm1;
    private final RepBN norm2;

    /** ε 1e-5 for both norms, no warm-up, γ from 1 to 0 over {@link #DEFAULT_STEPS} steps. */
    public PRepBN(int numFeatures) {
        this(numFeatures, 1e-5, 0, DEFAULT_STEPS, 1.0);
    }

    public PRepBN(int numFeatures, double eps) {
        this(numFeatures, eps, 0, DEFAULT_STEPS, 1.0);
    }

    /**
     * @param warm  training steps of LayerNorm alone before the decay starts
     * @param steps steps over which γ falls from r0 to 0 (≥ 1)
     * @param r0    γ at the first step of the decay, in [0, 1] (the official code's default 1)
     */
    public PRepBN(int numFeatures, double eps, int warm, int steps, double r0) {
        if (numFeatures < 1) {
            throw new IllegalArgumentException("PRepBN: numFeatures must be >= 1, got " + numFeatures);
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("PRepBN: eps must be >= 0, got " + eps);
        }
        if (!(r0 >= 0 && r0 <= 1)) {
            throw new IllegalArgumentException("PRepBN: r0 must be in [0, 1], got " + r0);
        }
        checkSchedule("PRepBN", warm, steps);
        this.numFeatures = numFeatures;
        this.r0 = r0;
        registerBuffer("warm", Tensor.scalar(warm, DType.I32));
        registerBuffer("iter", Tensor.scalar(steps, DType.I32));
        registerBuffer("total_step", Tensor.scalar(steps, DType.I32));
        this.norm1 = registerModule("norm1", new LayerNorm(numFeatures, eps));
        this.norm2 = registerModule("norm2", new RepBN(numFeatures, eps));
    }

    private static void checkSchedule(String who, int warm, int steps) {
        if (warm < 0 || steps < 1) {
            throw new IllegalArgumentException(who + ": warm must be >= 0 and steps >= 1, got warm " + warm + ", steps " + steps);
        }
    }

    /** x [..., C] → the same shape; in training mode also one step of the schedule. */
    @Override
    public Tensor forward(Tensor x) {
        norm2.check(x);
        if (!isTraining()) {
            return norm2.forward(x);
        }
        int warm = counter("warm");
        if (warm > 0) {
            Tensor y = norm1.forward(x);
            setCounter("warm", warm - 1);
            return y;
        }
        double g = gamma();
        int iter = counter("iter");
        if (iter > 0) {
            setCounter("iter", iter - 1);
        }
        return forwardAt(x, g);
    }

    /**
     * γ·LN(x) + (1 − γ)·RepBN(x) in the current mode, without advancing the schedule (in training
     * mode RepBN takes batch statistics and updates its running ones, even at γ = 1, as the official
     * code). At γ = 0 LayerNorm is skipped: the output is the same, and LayerNorm's parameters get
     * no gradient instead of a zero one.
     */
    public Tensor forwardAt(Tensor x, double gamma) {
        if (!(gamma >= 0 && gamma <= 1)) {
            throw new IllegalArgumentException(describe() + ": gamma must be in [0, 1], got " + gamma);
        }
        norm2.check(x);
        if (gamma == 0) {
            return norm2.forward(x);
        }
        return norm1.forward(x).mul(gamma).add(norm2.forward(x).mul(1 - gamma));
    }

    /** The γ the next training step after warm-up uses: r0·iter/total_step (1 during warm-up means LayerNorm alone). */
    public double gamma() {
        if (counter("warm") > 0) {
            return 1;
        }
        return r0 * counter("iter") / counter("total_step");
    }

    /** Restarts the schedule: warm steps of LayerNorm, then γ from r0 to 0 over steps steps. */
    public void schedule(int warm, int steps) {
        checkSchedule(describe(), warm, steps);
        setCounter("warm", warm);
        setCounter("iter", steps);
        setCounter("total_step", steps);
    }

    /** {@link #schedule} on every PRepBN inside model (a whole transformer at once); returns how many. */
    public static int schedule(Module model, int warm, int steps) {
        checkSchedule("PRepBN.schedule", warm, steps);
        int n = 0;
        for (Module m : model.modules()) {
            if (m instanceof PRepBN p) {
                p.schedule(warm, steps);
                n++;
            }
        }
        return n;
    }

    private int counter(String name) {
        return (int) buffer(name).item();
    }

    private void setCounter(String name, int value) {
        Tensor old = buffer(name);
        setBuffer(name, Tensor.scalar(value, DType.I32).to(old.device()));
    }

    public LayerNorm layerNorm() {
        return norm1;
    }

    public RepBN repBN() {
        return norm2;
    }

    public int numFeatures() {
        return numFeatures;
    }

    public double r0() {
        return r0;
    }

    @Override
    protected String extraRepr() {
        return numFeatures + ", r0=" + r0 + ", warm=" + counter("warm") + ", iter=" + counter("iter") + ", total_step="
                + counter("total_step");
    }
}
