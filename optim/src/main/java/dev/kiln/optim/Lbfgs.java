package dev.kiln.optim;

import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * L-BFGS as {@code torch.optim.LBFGS} (itself after minFunc): each {@link #step(Closure)} runs up
 * to maxIter iterations of the two-loop recursion over the last historySize curvature pairs, with
 * either a fixed step lr or PyTorch's strong-Wolfe line search (cubic interpolation, c1 = 1e-4,
 * c2 = 0.9, at most 25 evaluations). The closure must zero the gradients, recompute the loss,
 * call backward and return the loss; it runs with grad enabled, in the caller's mode.
 *
 * <p>As in PyTorch: one parameter group only, every parameter of one dtype and device, the
 * search state is global (saved under "global.*"), and scalars are carried in float64 (PyTorch
 * keeps them as tensors of the parameters' dtype, so float32 runs may differ in the last bits).
 * Defaults: lr 1, maxIter 20, maxEval maxIter·5/4, toleranceGrad 1e-7, toleranceChange 1e-9,
 * toleranceYs 1e-10, historySize 100, no line search.
 *
 * <p>toleranceYs is the curvature yᵀs a step must show to enter the history; PyTorch fixes it at
 * 1e-10, pykan's fork of LBFGS makes it an option and sets 1e-32 for its fits, whose losses fall
 * far below 1e-10 (there a fixed 1e-10 stops the history from growing and L-BFGS stalls).
 */
public final class Lbfgs extends Optimizer {
    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;
    private static final int MAX_LS = 25;
    private static final double LS_TOLERANCE_CHANGE = 1e-9; // PyTorch passes the default, not the group's value

    /** The line search after each direction. */
    public enum LineSearch {
        /** A fixed step of lr (PyTorch's line_search_fn=None). */
        NONE,
        /** PyTorch's line_search_fn='strong_wolfe'. */
        STRONG_WOLFE
    }

    private long funcEvals;
    private long nIter;
    private Tensor d;
    private double t;
    private final List<Tensor> oldDirs = new ArrayList<>();
    private final List<Tensor> oldStps = new ArrayList<>();
    private final List<Double> ro = new ArrayList<>();
    private double hDiag = 1;
    private Tensor prevFlatGrad;
    private double prevLoss;

    private Lbfgs(Builder b) {
        super(b);
        if (paramGroups().size() != 1) {
            throw new IllegalArgumentException("Lbfgs: parameter groups are not supported (PyTorch's LBFGS has one group)");
        }
        if (b.skipNonFinite) {
            throw new IllegalArgumentException("Lbfgs: skipNonFinite is not supported; the line search needs finite losses");
        }
        Tensor first = params().getFirst();
        for (Tensor p : params()) {
            if (p.dtype() != first.dtype() || !p.device().equals(first.device())) {
                throw new IllegalArgumentException("Lbfgs: every parameter must share one dtype and device, got "
                        + first.dtype() + " on " + first.device() + " and " + p.dtype() + " on " + p.device());
            }
        }
    }

    public static Builder builder(Iterable<?> params) {
        return new Builder(params);
    }

    /** Function evaluations so far (PyTorch's state['func_evals']). */
    public long funcEvals() {
        return funcEvals;
    }

    /** Iterations so far (PyTorch's state['n_iter']). */
    public long iterations() {
        return nIter;
    }

    /** L-BFGS re-evaluates the loss: use {@link #step(Closure)}. */
    @Override
    public void step() {
        throw new IllegalStateException("Lbfgs.step: L-BFGS needs a closure that re-evaluates the loss; call step(closure)");
    }

    @Override
    protected void update() {
        step();
    }

    /** Runs up to maxIter L-BFGS iterations and returns the loss the closure gave first. */
    @Override
    public Tensor step(Closure closure) {
        if (closure == null) {
            throw new IllegalArgumentException("Lbfgs.step: the closure is null");
        }
        ParamGroup g = paramGroups().getFirst();
        LbfgsSettings set = g.settings(LbfgsSettings.class);
        double lr = set.lr();
        int maxIter = set.maxIter();
        int maxEval = set.maxEval();
        double tolGrad = set.toleranceGrad();
        double tolChange = set.toleranceChange();
        double tolYs = set.toleranceYs();
        int historySize = set.historySize();
        LineSearch lineSearch = set.lineSearchFn();

        Tensor origLoss = closure.evaluate();
        double loss = origLoss.item();
        int currentEvals = 1;
        funcEvals++;
        Tensor flatGrad = gatherFlatGrad();
        boolean optCond = absMax(flatGrad) <= tolGrad;
        if (optCond) {
            return origLoss;
        }
        int iter = 0;
        while (iter < maxIter) {
            iter++;
            nIter++;
            // the descent direction
            if (nIter == 1) {
                d = flatGrad.neg();
                oldDirs.clear();
                oldStps.clear();
                ro.clear();
                hDiag = 1;
            } else {
                Tensor y = flatGrad.sub(prevFlatGrad);
                Tensor s = d.mul(t);
                double ys = dot(y, s);
                if (ys > tolYs) {
                    if (oldDirs.size() == historySize) {
                        oldDirs.removeFirst();
                        oldStps.removeFirst();
                        ro.removeFirst();
                    }
                    oldDirs.add(y);
                    oldStps.add(s);
                    ro.add(1.0 / ys);
                    hDiag = ys / dot(y, y);
                }
                // two-loop recursion: d = −H·g
                int numOld = oldDirs.size();
                double[] al = new double[numOld];
                Tensor q = flatGrad.neg();
                for (int i = numOld - 1; i >= 0; i--) {
                    al[i] = dot(oldStps.get(i), q) * ro.get(i);
                    q = q.add(oldDirs.get(i), -al[i]);
                }
                Tensor r = q.mul(hDiag);
                for (int i = 0; i < numOld; i++) {
                    double be = dot(oldDirs.get(i), r) * ro.get(i);
                    r = r.add(oldStps.get(i), al[i] - be);
                }
                d = r;
            }
            prevFlatGrad = flatGrad.clone();
            prevLoss = loss;
            // the step length
            t = nIter == 1 ? Math.min(1.0, 1.0 / absSum(flatGrad)) * lr : lr;
            double gtd = dot(flatGrad, d);
            if (gtd > -tolChange) {
                break;
            }
            int lsEvals;
            if (lineSearch == LineSearch.STRONG_WOLFE) {
                List<Tensor> xInit = cloneParams();
                LineResult res = strongWolfe(closure, xInit, t, d, loss, flatGrad, gtd);
                loss = res.f();
                flatGrad = res.g();
                t = res.t();
                lsEvals = res.evals();
                addGrad(t, d);
                optCond = absMax(flatGrad) <= tolGrad;
            } else {
                addGrad(t, d);
                lsEvals = 0;
                if (iter != maxIter) {
                    // no need to re-evaluate after the last iteration (PyTorch's reasoning: stochastic settings)
                    loss = closure.evaluate().item();
                    flatGrad = gatherFlatGrad();
                    optCond = absMax(flatGrad) <= tolGrad;
                    lsEvals = 1;
                }
            }
            currentEvals += lsEvals;
            funcEvals += lsEvals;
            if (iter == maxIter || currentEvals >= maxEval || optCond) {
                break;
            }
            if (absMax(d.mul(t)) <= tolChange || Math.abs(loss - prevLoss) < tolChange) {
                break;
            }
        }
        return origLoss;
    }

    // ------------------------------------------------------------------ the strong-Wolfe line search

    private record LineResult(double f, Tensor g, double t, int evals) {
    }

    private record Eval(double f, Tensor g) {
    }

    /** Loss and flat gradient at x + t·d; the parameters are restored to x afterwards. */
    private Eval directionalEvaluate(Closure closure, List<Tensor> x, double step, Tensor dir) {
        addGrad(step, dir);
        double f = closure.evaluate().item();
        Tensor g = gatherFlatGrad();
        setParams(x);
        return new Eval(f, g);
    }

    /** PyTorch's _strong_wolfe (after minFunc's lswolfe): bracketing, then zoom with cubic interpolation. */
    private LineResult strongWolfe(Closure closure, List<Tensor> x, double step, Tensor dir, double f, Tensor g,
                                   double gtd) {
        double dNorm = absMax(dir);
        Eval e = directionalEvaluate(closure, x, step, dir);
        double fNew = e.f();
        Tensor gNew = e.g();
        int evals = 1;
        double gtdNew = dot(gNew, dir);
        double tPrev = 0;
        double fPrev = f;
        Tensor gPrev = g;
        double gtdPrev = gtd;
        boolean done = false;
        int lsIter = 0;
        double[] bracket = null;
        double[] bracketF = null;
        Tensor[] bracketG = null;
        double[] bracketGtd = null;
        while (lsIter < MAX_LS) {
            if (fNew > f + C1 * step * gtd || (lsIter > 1 && fNew >= fPrev)) {
                bracket = new double[] {tPrev, step};
                bracketF = new double[] {fPrev, fNew};
                bracketG = new Tensor[] {gPrev, gNew};
                bracketGtd = new double[] {gtdPrev, gtdNew};
                break;
            }
            if (Math.abs(gtdNew) <= -C2 * gtd) {
                bracket = new double[] {step};
                bracketF = new double[] {fNew};
                bracketG = new Tensor[] {gNew};
                done = true;
                break;
            }
            if (gtdNew >= 0) {
                bracket = new double[] {tPrev, step};
                bracketF = new double[] {fPrev, fNew};
                bracketG = new Tensor[] {gPrev, gNew};
                bracketGtd = new double[] {gtdPrev, gtdNew};
                break;
            }
            double minStep = step + 0.01 * (step - tPrev);
            double maxStep = step * 10;
            double tmp = step;
            step = cubicInterpolate(tPrev, fPrev, gtdPrev, step, fNew, gtdNew, minStep, maxStep);
            tPrev = tmp;
            fPrev = fNew;
            gPrev = gNew;
            gtdPrev = gtdNew;
            e = directionalEvaluate(closure, x, step, dir);
            fNew = e.f();
            gNew = e.g();
            evals++;
            gtdNew = dot(gNew, dir);
            lsIter++;
        }
        if (lsIter == MAX_LS) {
            bracket = new double[] {0, step};
            bracketF = new double[] {f, fNew};
            bracketG = new Tensor[] {g, gNew};
        }
        // zoom: shrink the bracket until a point satisfies the strong Wolfe conditions
        boolean insufficientProgress = false;
        int low = bracketF[0] <= bracketF[bracketF.length - 1] ? 0 : 1;
        int high = 1 - low;
        while (!done && lsIter < MAX_LS) {
            if (Math.abs(bracket[1] - bracket[0]) * dNorm < LS_TOLERANCE_CHANGE) {
                break;
            }
            step = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1],
                    Double.NaN, Double.NaN);
            double hi = Math.max(bracket[0], bracket[1]);
            double lo = Math.min(bracket[0], bracket[1]);
            double eps = 0.1 * (hi - lo);
            if (Math.min(hi - step, step - lo) < eps) {
                // too close to an end of the bracket: move 10% inside unless the last step made progress
                if (insufficientProgress || step >= hi || step <= lo) {
                    step = Math.abs(step - hi) < Math.abs(step - lo) ? hi - eps : lo + eps;
                    insufficientProgress = false;
                } else {
                    insufficientProgress = true;
                }
            } else {
                insufficientProgress = false;
            }
            e = directionalEvaluate(closure, x, step, dir);
            fNew = e.f();
            gNew = e.g();
            evals++;
            gtdNew = dot(gNew, dir);
            lsIter++;
            if (fNew > f + C1 * step * gtd || fNew >= bracketF[low]) {
                bracket[high] = step;
                bracketF[high] = fNew;
                bracketG[high] = gNew;
                bracketGtd[high] = gtdNew;
                low = bracketF[0] <= bracketF[1] ? 0 : 1;
                high = 1 - low;
            } else {
                if (Math.abs(gtdNew) <= -C2 * gtd) {
                    done = true;
                } else if (gtdNew * (bracket[high] - bracket[low]) >= 0) {
                    bracket[high] = bracket[low];
                    bracketF[high] = bracketF[low];
                    bracketG[high] = bracketG[low];
                    bracketGtd[high] = bracketGtd[low];
                }
                bracket[low] = step;
                bracketF[low] = fNew;
                bracketG[low] = gNew;
                bracketGtd[low] = gtdNew;
            }
        }
        return new LineResult(bracketF[low], bracketG[low], bracket[low], evals);
    }

    /**
     * The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to
     * [lo, hi] (the points' range when lo and hi are NaN); the midpoint when the cubic has none.
     */
    static double cubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2, double lo,
                                   double hi) {
        double minBound = Double.isNaN(lo) ? Math.min(x1, x2) : lo;
        double maxBound = Double.isNaN(hi) ? Math.max(x1, x2) : hi;
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (d2Square >= 0) {
            double d2 = Math.sqrt(d2Square);
            double minPos = x1 <= x2
                    ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
            return Math.min(Math.max(minPos, minBound), maxBound);
        }
        return (minBound + maxBound) / 2;
    }

    // ------------------------------------------------------------------ flat views of the parameters

    private Tensor gatherFlatGrad() {
        List<Tensor> views = new ArrayList<>();
        for (Tensor p : params()) {
            Tensor g = p.grad();
            views.add(g == null ? Tensor.full(0, p.dtype(), p.device(), p.numel()) : g.detach().reshape(-1));
        }
        return Tensor.cat(views, 0);
    }

    /** θ ← θ + step·dir, slice by slice. */
    private void addGrad(double step, Tensor dir) {
        try (NoGrad ignored = NoGrad.enter()) {
            int offset = 0;
            for (Tensor p : params()) {
                int n = p.numel();
                p.add_(dir.narrow(0, offset, n).reshape(p.shape()), step);
                offset += n;
            }
        }
    }

    private List<Tensor> cloneParams() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params()) {
            out.add(p.detach().clone());
        }
        return out;
    }

    private void setParams(List<Tensor> x) {
        try (NoGrad ignored = NoGrad.enter()) {
            for (int i = 0; i < x.size(); i++) {
                params().get(i).copy_(x.get(i));
            }
        }
    }

    private static double dot(Tensor a, Tensor b) {
        return a.mul(b).sum().item();
    }

    private static double absMax(Tensor a) {
        return a.numel() == 0 ? 0 : a.abs().max().item();
    }

    private static double absSum(Tensor a) {
        return a.abs().sum().item();
    }

    // ------------------------------------------------------------------ state

    /** Bytes of the search state: the direction, the previous gradient and the curvature history. */
    @Override
    public long stateBytes() {
        long elements = 0;
        for (Tensor x : oldDirs) {
            elements += x.numel();
        }
        for (Tensor x : oldStps) {
            elements += x.numel();
        }
        elements += d == null ? 0 : d.numel();
        elements += prevFlatGrad == null ? 0 : prevFlatGrad.numel();
        return elements * params().getFirst().dtype().byteSize();
    }

    @Override
    protected void checkLoadedState(int index, ParamState state) {
        throw new IllegalArgumentException("Lbfgs.loadStateDict: L-BFGS keeps no per-parameter state, but the dict "
                + "has state for parameter " + index);
    }

    private int numel() {
        int n = 0;
        for (Tensor p : params()) {
            n += p.numel();
        }
        return n;
    }

    @Override
    protected void saveExtraState(Map<String, Tensor> out) {
        out.put("global.func_evals", Tensor.scalar(funcEvals, DType.F64));
        out.put("global.n_iter", Tensor.scalar(nIter, DType.F64));
        if (d == null) {
            return;
        }
        DType dtype = params().getFirst().dtype();
        out.put("global.d", d.clone());
        out.put("global.t", Tensor.scalar(t, DType.F64));
        out.put("global.old_dirs", stack(oldDirs, dtype));
        out.put("global.old_stps", stack(oldStps, dtype));
        double[] r = new double[ro.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = ro.get(i);
        }
        out.put("global.ro", Tensor.of(r, r.length));
        out.put("global.h_diag", Tensor.scalar(hDiag, DType.F64));
        out.put("global.prev_flat_grad", prevFlatGrad.clone());
        out.put("global.prev_loss", Tensor.scalar(prevLoss, DType.F64));
    }

    private Tensor stack(List<Tensor> rows, DType dtype) {
        return rows.isEmpty() ? Tensor.full(0, dtype, params().getFirst().device(), 0, numel()) : Tensor.stack(rows, 0);
    }

    @Override
    protected Runnable loadExtraState(Map<String, Tensor> dict, Set<String> consumed) {
        long evals = counter(dict, "global.func_evals", consumed);
        long iters = counter(dict, "global.n_iter", consumed);
        if (!dict.containsKey("global.d")) {
            return () -> {
                funcEvals = evals;
                nIter = iters;
                d = null;
                prevFlatGrad = null;
                oldDirs.clear();
                oldStps.clear();
                ro.clear();
                hDiag = 1;
            };
        }
        int n = numel();
        DType dtype = params().getFirst().dtype();
        Tensor newD = vector(dict, "global.d", new int[] {n}, dtype, consumed);
        Tensor prev = vector(dict, "global.prev_flat_grad", new int[] {n}, dtype, consumed);
        Tensor dirs = dict.get("global.old_dirs");
        Tensor stps = dict.get("global.old_stps");
        Tensor r = dict.get("global.ro");
        if (dirs == null || stps == null || r == null) {
            throw new IllegalArgumentException("Lbfgs.loadStateDict: the history keys global.old_dirs, global.old_stps "
                    + "and global.ro must all be present");
        }
        int h = dirs.dim() == 2 ? dirs.size(0) : -1;
        vector(dict, "global.old_dirs", new int[] {h, n}, dtype, consumed);
        vector(dict, "global.old_stps", new int[] {h, n}, dtype, consumed);
        vector(dict, "global.ro", new int[] {h}, DType.F64, consumed);
        double newT = scalar(dict, "global.t", consumed);
        double newH = scalar(dict, "global.h_diag", consumed);
        double newPrevLoss = scalar(dict, "global.prev_loss", consumed);
        double[] ros = r.toDoubleArray();
        dev.kiln.tensor.Device device = params().getFirst().device();
        return () -> {
            funcEvals = evals;
            nIter = iters;
            d = newD.clone().to(device);
            prevFlatGrad = prev.clone().to(device);
            t = newT;
            hDiag = newH;
            prevLoss = newPrevLoss;
            oldDirs.clear();
            oldStps.clear();
            ro.clear();
            for (int i = 0; i < h; i++) {
                oldDirs.add(dirs.select(0, i).contiguous().clone().to(device));
                oldStps.add(stps.select(0, i).contiguous().clone().to(device));
                ro.add(ros[i]);
            }
        };
    }

    private static long counter(Map<String, Tensor> dict, String key, Set<String> consumed) {
        double v = scalar(dict, key, consumed);
        if (v < 0 || v != Math.rint(v)) {
            throw new IllegalArgumentException("Lbfgs.loadStateDict: '" + key + "' holds " + v + ", not a count");
        }
        return (long) v;
    }

    private static double scalar(Map<String, Tensor> dict, String key, Set<String> consumed) {
        Tensor t = dict.get(key);
        if (t == null || t.dim() != 0) {
            throw new IllegalArgumentException("Lbfgs.loadStateDict: '" + key + "' should be a 0-d tensor, got "
                    + (t == null ? "nothing" : Shapes.str(t.shape())));
        }
        consumed.add(key);
        return t.item();
    }

    private static Tensor vector(Map<String, Tensor> dict, String key, int[] shape, DType dtype, Set<String> consumed) {
        Tensor t = dict.get(key);
        if (t == null || !Arrays.equals(t.shape(), shape) || t.dtype() != dtype) {
            throw new IllegalArgumentException("Lbfgs.loadStateDict: '" + key + "' should be " + dtype + " "
                    + Shapes.str(shape) + ", got " + (t == null ? "nothing" : t.dtype() + " " + Shapes.str(t.shape())));
        }
        consumed.add(key);
        return t;
    }

    /**
     * Settings: lr, maxIter, maxEval, toleranceGrad, toleranceChange, toleranceYs, historySize,
     * lineSearchFn ({@link LbfgsSettings}).
     */
    public static final class Builder extends Optimizer.Builder<Builder, Lbfgs, LbfgsSettings> {
        private boolean maxEvalSet;

        private Builder(Iterable<?> params) {
            super(params);
        }

        private Builder() {
        }

        public Builder maxIter(int maxIter) {
            return set(s -> s.withMaxIter(maxIter));
        }

        /** Default maxIter·5/4. */
        public Builder maxEval(int maxEval) {
            maxEvalSet = true;
            return set(s -> s.withMaxEval(maxEval));
        }

        public Builder toleranceGrad(double tolerance) {
            return set(s -> s.withToleranceGrad(tolerance));
        }

        public Builder toleranceChange(double tolerance) {
            return set(s -> s.withToleranceChange(tolerance));
        }

        /** The least curvature yᵀs for a step to enter the history (PyTorch's fixed 1e-10; pykan fits with 1e-32). */
        public Builder toleranceYs(double tolerance) {
            return set(s -> s.withToleranceYs(tolerance));
        }

        public Builder historySize(int historySize) {
            return set(s -> s.withHistorySize(historySize));
        }

        public Builder lineSearchFn(LineSearch lineSearch) {
            if (lineSearch == null) {
                throw new IllegalArgumentException("Lbfgs: lineSearchFn is null; use LineSearch.NONE");
            }
            return set(s -> s.withLineSearchFn(lineSearch));
        }

        @Override
        public Builder group(Iterable<?> groupParams, java.util.function.Consumer<? super Builder> configure) {
            throw new IllegalArgumentException("Lbfgs: parameter groups are not supported (PyTorch's LBFGS has one group)");
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
            return "Lbfgs";
        }

        @Override
        protected LbfgsSettings defaults() {
            return LbfgsSettings.DEFAULTS;
        }

        @Override
        public Lbfgs build() {
            if (!maxEvalSet) {
                setLast(s -> s.withMaxEval(s.maxIter() * 5 / 4));
                maxEvalSet = true;
            }
            return new Lbfgs(this);
        }
    }
}
