package dev.kiln.optim;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Applies an {@link LrSchedule} to an optimizer, as PyTorch's {@code LambdaLR}: each group's
 * learning rate at construction is its base; the constructor sets lr = base·factor(0), and each
 * {@link #step()} (called after {@code optimizer.step()}) advances the count and sets
 * lr = base·factor(count).
 */
public final class Scheduler {
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final double[] baseLrs;
    private long lastStep;

    public Scheduler(Optimizer optimizer, LrSchedule schedule) {
        if (optimizer == null || schedule == null) {
            throw new IllegalArgumentException("Scheduler: optimizer and schedule must not be null");
        }
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.baseLrs = new double[optimizer.paramGroups().size()];
        for (int g = 0; g < baseLrs.length; g++) {
            baseLrs[g] = optimizer.paramGroups().get(g).lr();
        }
        apply();
    }

    /** Advances the schedule by one step and sets the groups' learning rates. */
    public void step() {
        lastStep++;
        apply();
    }

    private void apply() {
        double f = schedule.factor(lastStep);
        if (!(f >= 0) || Double.isInfinite(f)) {
            throw new IllegalStateException("Scheduler: the schedule gave factor " + f + " at step " + lastStep
                    + "; factors must be finite and >= 0");
        }
        for (int g = 0; g < baseLrs.length; g++) {
            optimizer.paramGroups().get(g).setLr(baseLrs[g] * f);
        }
    }

    /** Scheduler steps taken (PyTorch's {@code last_epoch}). */
    public long lastStep() {
        return lastStep;
    }

    /** Each group's learning rate now (PyTorch's {@code get_last_lr()}). */
    public double[] lastLr() {
        double[] out = new double[baseLrs.length];
        for (int g = 0; g < out.length; g++) {
            out[g] = optimizer.paramGroups().get(g).lr();
        }
        return out;
    }

    /** The base learning rates and the step count, as tensors. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("scheduler.base_lrs", Tensor.of(baseLrs.clone()));
        out.put("scheduler.last_step", Tensor.scalar(lastStep, DType.F64));
        return out;
    }

    /** Restores {@link #stateDict()} and sets the groups' learning rates for the restored step. */
    public void loadStateDict(Map<String, Tensor> dict) {
        Tensor bases = dict.get("scheduler.base_lrs");
        Tensor step = dict.get("scheduler.last_step");
        if (bases == null || step == null || dict.size() != 2) {
            throw new IllegalArgumentException("Scheduler.loadStateDict: expected exactly the keys scheduler.base_lrs and "
                    + "scheduler.last_step, got " + dict.keySet());
        }
        double[] b = bases.toDoubleArray();
        if (b.length != baseLrs.length) {
            throw new IllegalArgumentException("Scheduler.loadStateDict: " + b.length + " base learning rates for "
                    + baseLrs.length + " parameter groups");
        }
        double s = step.item();
        if (s < 0 || s != Math.rint(s)) {
            throw new IllegalArgumentException("Scheduler.loadStateDict: scheduler.last_step holds " + s);
        }
        System.arraycopy(b, 0, baseLrs, 0, b.length);
        lastStep = (long) s;
        apply();
    }

    @Override
    public String toString() {
        return "Scheduler(step " + lastStep + ", lr " + Arrays.toString(lastLr()) + ")";
    }
}
