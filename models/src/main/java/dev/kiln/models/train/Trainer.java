package dev.kiln.models.train;

import dev.kiln.autograd.NoGrad;
import dev.kiln.autograd.RecycleActivations;
import dev.kiln.layers.Module;
import dev.kiln.layers.loss.Loss;
import dev.kiln.models.data.Batch;
import dev.kiln.models.data.BatchSource;
import dev.kiln.models.io.Checkpoint;
import dev.kiln.models.nn.ModelDevice;
import dev.kiln.optim.ClipGrad;
import dev.kiln.optim.LrSchedule;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Scheduler;
import dev.kiln.tensor.Tensor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop: for each step, the batch of that step, forward, loss, backward, optional
 * gradient clipping, optimizer step, learning-rate schedule; then the callbacks, and every
 * {@code evalEvery} steps an evaluation. It prints nothing: progress and files are callbacks.
 *
 * <p>A run is a function of its configuration and the step: batches come from a
 * {@link BatchSource} that is a pure function of the step, and {@link #checkpoint} saves the
 * model, the optimizer, the schedule and the step, so {@link #restore} followed by {@link #fit()}
 * continues with exactly the loss trajectory of an uninterrupted run.
 */
public final class Trainer {
    private static final System.Logger LOG = System.getLogger("dev.kiln.models.train");

    private final Module model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final Scheduler scheduler;
    private final BatchSource data;
    private final double clipGradNorm;
    private final List<TrainCallback> callbacks;
    private final long evalEvery;
    private final Evaluator evaluator;
    private final Duration timeLimit;
    private long totalSteps;
    private long step;
    private double elapsedSeconds;
    private volatile boolean stopRequested;
    private double lastLoss = Double.NaN;

    private Trainer(Builder b) {
        this.model = b.model;
        this.loss = b.loss;
        this.optimizer = b.optimizer;
        this.scheduler = b.schedule == null ? null : new Scheduler(b.optimizer, b.schedule);
        this.data = b.data;
        this.clipGradNorm = b.clipGradNorm;
        this.callbacks = List.copyOf(b.callbacks);
        this.evalEvery = b.evalEvery;
        this.evaluator = b.evaluator;
        this.timeLimit = b.timeLimit;
        this.totalSteps = b.totalSteps;
    }

    public static Builder builder(Module model, Loss loss, Optimizer optimizer, BatchSource data) {
        return new Builder(model, loss, optimizer, data);
    }

    /**
     * Trains from the current step up to {@link #totalSteps()}, or until the time limit passes or
     * {@link #requestStop()} is called (the step in progress completes first).
     */
    public void fit() {
        stopRequested = false;
        for (TrainCallback c : callbacks) {
            c.onStart(this);
        }
        long fitStart = System.nanoTime();
        double carried = elapsedSeconds;
        long spe = data.stepsPerEpoch();
        while (step < totalSteps && !stopRequested) {
            long t0 = System.nanoTime();
            Batch batch = data.batch(step);
            double lr = optimizer.paramGroups().get(0).lr();
            double lv = trainStep(batch);
            long t1 = System.nanoTime();
            long epoch = step / spe;
            step++;
            elapsedSeconds = carried + (t1 - fitStart) * 1e-9;
            lastLoss = lv;
            StepEvent ev = new StepEvent(step, totalSteps, epoch, lv, lr, data.itemsPerBatch(batch), (t1 - t0) * 1e-9,
                    elapsedSeconds);
            // evaluate first, so a step's callbacks (progress line, checkpoint) see that step's evaluation
            if (evaluator != null && evalEvery > 0 && (step % evalEvery == 0 || step == totalSteps)) {
                evaluate(epoch);
            }
            for (TrainCallback c : callbacks) {
                c.onStep(this, ev);
            }
            if (timeLimit != null && System.nanoTime() - fitStart >= timeLimit.toNanos()) {
                LOG.log(System.Logger.Level.INFO, "time limit of " + timeLimit.toSeconds() + " s reached after step " + step);
                stopRequested = true;
            }
        }
        for (TrainCallback c : callbacks) {
            c.onEnd(this);
        }
    }

    /** One optimizer step on a batch; returns the batch's loss. */
    private double trainStep(Batch batch) {
        model.train();
        Tensor out = model.forward(ModelDevice.input(model, batch.input()));
        Tensor l = loss.forward(out, ModelDevice.input(model, batch.target()));
        try (RecycleActivations r = RecycleActivations.enter()) {
            optimizer.zeroGrad(); // last step's gradients go back to the pool
            l.backward(); // only the loss is read after it: the activations' buffers go back to the pool
        }
        if (clipGradNorm > 0) {
            ClipGrad.clipGradNorm(optimizer.params(), clipGradNorm);
        }
        optimizer.step();
        if (scheduler != null) {
            scheduler.step();
        }
        return l.item();
    }

    /** Runs the evaluator now and tells the callbacks. */
    public EvalEvent evaluate(long epoch) {
        Map<String, Double> metrics;
        boolean wasTraining = model.isTraining();
        model.eval();
        try (NoGrad ignored = NoGrad.enter()) {
            metrics = evaluator.evaluate(model);
        } finally {
            model.train(wasTraining);
        }
        EvalEvent ev = new EvalEvent(step, epoch, "val", java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics)));
        for (TrainCallback c : callbacks) {
            c.onEval(this, ev);
        }
        return ev;
    }

    /** Asks {@link #fit()} to stop after the step in progress (safe from another thread, e.g. Ctrl-C). */
    public void requestStop() {
        stopRequested = true;
    }

    // ------------------------------------------------------------------ checkpoints

    /**
     * The state needed to continue this run: model, optimizer, schedule, and in the metadata the
     * step, the training time so far and {@code extraMetadata} (e.g. the configuration as JSON).
     */
    public Checkpoint checkpoint(Map<String, String> extraMetadata) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", Long.toString(step));
        meta.put("total_steps", Long.toString(totalSteps));
        meta.put("epoch", Long.toString(step / data.stepsPerEpoch()));
        meta.put("elapsed_s", Double.toString(elapsedSeconds));
        meta.put("loss", Double.toString(lastLoss));
        meta.putAll(extraMetadata);
        return new Checkpoint(model.stateDict(), optimizer.stateDict(),
                scheduler == null ? Map.of() : scheduler.stateDict(), meta);
    }

    /** Loads a checkpoint made by {@link #checkpoint} of the same setup; the next {@link #fit()} continues it. */
    public void restore(Checkpoint c) {
        long s;
        double elapsed;
        try {
            s = Long.parseLong(c.meta("step"));
            elapsed = Double.parseDouble(c.meta("elapsed_s"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Trainer.restore: the checkpoint's step or elapsed_s is not a number: "
                    + c.metadata());
        }
        if (s < 0) {
            throw new IllegalArgumentException("Trainer.restore: the checkpoint's step is negative: " + s);
        }
        if (scheduler == null && !c.train().isEmpty()) {
            throw new IllegalArgumentException("Trainer.restore: the checkpoint holds a learning-rate schedule "
                    + c.train().keySet() + " but this trainer has none");
        }
        if (scheduler != null && c.train().isEmpty()) {
            throw new IllegalArgumentException("Trainer.restore: the checkpoint holds no learning-rate schedule but this "
                    + "trainer has one");
        }
        model.loadStateDict(c.model());
        optimizer.loadStateDict(c.optim());
        if (scheduler != null) {
            scheduler.loadStateDict(c.train());
        }
        this.step = s;
        this.elapsedSeconds = elapsed;
        String l = c.metadata().get("loss");
        this.lastLoss = l == null ? Double.NaN : Double.parseDouble(l);
    }

    // ------------------------------------------------------------------ state

    /** Steps completed. */
    public long step() {
        return step;
    }

    public long totalSteps() {
        return totalSteps;
    }

    /** Changes the planned length (e.g. once a time-budgeted run knows its step time). */
    public void setTotalSteps(long totalSteps) {
        if (totalSteps < 0) {
            throw new IllegalArgumentException("Trainer.setTotalSteps: must be >= 0, got " + totalSteps);
        }
        this.totalSteps = totalSteps;
    }

    public double elapsedSeconds() {
        return elapsedSeconds;
    }

    /** The loss of the last step (NaN before the first). */
    public double lastLoss() {
        return lastLoss;
    }

    public Module model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public BatchSource data() {
        return data;
    }

    public long stepsPerEpoch() {
        return data.stepsPerEpoch();
    }

    // ------------------------------------------------------------------ builder

    public static final class Builder {
        private final Module model;
        private final Loss loss;
        private final Optimizer optimizer;
        private final BatchSource data;
        private LrSchedule schedule;
        private long totalSteps = -1;
        private double clipGradNorm;
        private final List<TrainCallback> callbacks = new ArrayList<>();
        private long evalEvery;
        private Evaluator evaluator;
        private Duration timeLimit;

        private Builder(Module model, Loss loss, Optimizer optimizer, BatchSource data) {
            if (model == null || loss == null || optimizer == null || data == null) {
                throw new IllegalArgumentException("Trainer.builder: model, loss, optimizer and data must not be null");
            }
            this.model = model;
            this.loss = loss;
            this.optimizer = optimizer;
            this.data = data;
        }

        /** Total optimizer steps. */
        public Builder steps(long steps) {
            if (steps < 0) {
                throw new IllegalArgumentException("Trainer.steps: must be >= 0, got " + steps);
            }
            this.totalSteps = steps;
            return this;
        }

        /** Total steps as whole passes over the data. */
        public Builder epochs(int epochs) {
            if (epochs < 0) {
                throw new IllegalArgumentException("Trainer.epochs: must be >= 0, got " + epochs);
            }
            return steps(epochs * data.stepsPerEpoch());
        }

        /** A learning-rate schedule applied through a {@link Scheduler} (its state is checkpointed). */
        public Builder schedule(LrSchedule schedule) {
            this.schedule = schedule;
            return this;
        }

        /** Clips the global gradient norm to this value before each step (0: off). */
        public Builder clipGradNorm(double maxNorm) {
            if (!(maxNorm >= 0)) {
                throw new IllegalArgumentException("Trainer.clipGradNorm: must be >= 0, got " + maxNorm);
            }
            this.clipGradNorm = maxNorm;
            return this;
        }

        public Builder callback(TrainCallback c) {
            if (c == null) {
                throw new IllegalArgumentException("Trainer.callback: null");
            }
            callbacks.add(c);
            return this;
        }

        /** Evaluates every {@code every} steps and after the last step. */
        public Builder evaluator(Evaluator evaluator, long every) {
            if (every < 1) {
                throw new IllegalArgumentException("Trainer.evaluator: every must be >= 1, got " + every);
            }
            this.evaluator = evaluator;
            this.evalEvery = every;
            return this;
        }

        /** Stops after the step during which this much time has passed in one {@link #fit()}. */
        public Builder timeLimit(Duration limit) {
            this.timeLimit = limit;
            return this;
        }

        public Trainer build() {
            if (totalSteps < 0) {
                throw new IllegalStateException("Trainer.build: set steps(...) or epochs(...)");
            }
            return new Trainer(this);
        }
    }
}
