package dev.kiln.optim;

/**
 * {@link Lbfgs}'s settings (one group): lr, the iterations and function evaluations per step,
 * the tolerances on the gradient, on the change of loss or parameters, and on the curvature yᵀs
 * for a step to enter the history, the history size and the line search. Defaults
 * ({@link #DEFAULTS}, PyTorch's): lr 1, maxIter 20, maxEval maxIter·5/4, toleranceGrad 1e-7,
 * toleranceChange 1e-9, toleranceYs 1e-10, historySize 100, no line search.
 */
public record LbfgsSettings(double lr, int maxIter, int maxEval, double toleranceGrad, double toleranceChange,
                            double toleranceYs, int historySize, Lbfgs.LineSearch lineSearchFn)
        implements GroupSettings<LbfgsSettings> {
    public static final LbfgsSettings DEFAULTS = new LbfgsSettings(1.0, 20, 25, 1e-7, 1e-9, 1e-10, 100,
            Lbfgs.LineSearch.NONE);

    @Override
    public void check(String opt) {
        Options.lr(opt, lr);
        Options.positiveInt(opt, "max_iter", maxIter);
        Options.positiveInt(opt, "max_eval", maxEval);
        Options.positiveInt(opt, "history_size", historySize);
        Options.nonNegative(opt, "tolerance_grad", toleranceGrad);
        Options.nonNegative(opt, "tolerance_change", toleranceChange);
        Options.nonNegative(opt, "tolerance_ys", toleranceYs);
        if (lineSearchFn == null) {
            throw new IllegalArgumentException(opt + ": lineSearchFn is null; use LineSearch.NONE");
        }
    }

    @Override
    public LbfgsSettings withLr(double lr) {
        return new LbfgsSettings(lr, maxIter, maxEval, toleranceGrad, toleranceChange, toleranceYs, historySize,
                lineSearchFn);
    }

    public LbfgsSettings withMaxIter(int maxIter) {
        return new LbfgsSettings(lr, maxIter, maxEval, toleranceGrad, toleranceChange, toleranceYs, historySize,
                lineSearchFn);
    }

    public LbfgsSettings withMaxEval(int maxEval) {
        return new LbfgsSettings(lr, maxIter, maxEval, toleranceGrad, toleranceChange, toleranceYs, historySize,
                lineSearchFn);
    }

    public LbfgsSettings withToleranceGrad(double toleranceGrad) {
        return new LbfgsSettings(lr, maxIter, maxEval, toleranceGrad, toleranceChange, toleranceYs, historySize,
                lineSearchFn);
    }

    public LbfgsSettings withToleranceChange(double toleranceChange) {
        return new LbfgsSettings(lr, maxIter, maxEval, toleranceGrad, toleranceChange, toleranceYs, historySize,
                lineSearchFn);
    }

    public LbfgsSettings withToleranceYs(double toleranceYs) {
        return new LbfgsSettings(lr, maxIter, maxEval, toleranceGrad, toleranceChange, toleranceYs, historySize,
                lineSearchFn);
    }

    public LbfgsSettings withHistorySize(int historySize) {
        return new LbfgsSettings(lr, maxIter, maxEval, toleranceGrad, toleranceChange, toleranceYs, historySize,
                lineSearchFn);
    }

    public LbfgsSettings withLineSearchFn(Lbfgs.LineSearch lineSearchFn) {
        return new LbfgsSettings(lr, maxIter, maxEval, toleranceGrad, toleranceChange, toleranceYs, historySize,
                lineSearchFn);
    }
}
