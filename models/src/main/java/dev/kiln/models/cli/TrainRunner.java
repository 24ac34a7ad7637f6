package dev.kiln.models.cli;

import com.google.gson.JsonObject;
import dev.kiln.layers.Module;
import dev.kiln.layers.loss.Loss;
import dev.kiln.models.Models;
import dev.kiln.models.data.BatchSource;
import dev.kiln.models.io.AtomicFiles;
import dev.kiln.models.io.Checkpoint;
import dev.kiln.models.train.CheckpointCallback;
import dev.kiln.models.train.EvalEvent;
import dev.kiln.models.train.Evaluator;
import dev.kiln.models.train.LossPlot;
import dev.kiln.models.train.MetricsCsv;
import dev.kiln.models.train.TrainCallback;
import dev.kiln.models.train.Trainer;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.LrSchedule;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Sgd;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * What every training command does once it has a model and data: builds the optimizer and
 * schedule from {@link TrainOptions}, resumes when asked, trains with a progress display, CSV
 * metrics, checkpoints and a loss plot, and prints where everything went.
 */
final class TrainRunner {
    static final String CHECKPOINT = "checkpoint.safetensors";

    /** What a run needs beyond the options. */
    record Spec(String kind, Module model, Loss loss, BatchSource data, Evaluator evaluator, long evalEvery,
            JsonObject modelConfig, JsonObject dataConfig, double defaultLr, int defaultEpochs, String unit,
            Duration timeLimit) {
    }

    /** What a finished run reports. */
    record Result(Trainer trainer, Path dir, Path checkpoint, Path plot, EvalEvent lastEval) {
    }

    private TrainRunner() {
    }

    /**
     * Re-plans the number of steps from the recent step time, so a time-budgeted run's progress bar
     * shows the right total. The rate is measured over the last 25 steps (not from the start, which
     * includes JIT warm-up), and the plan never exceeds the run's original step count.
     */
    private static final class TimeBudget implements TrainCallback {
        private final double seconds;
        private long cap;
        private double startElapsed;
        private long markStep;
        private double markElapsed;

        TimeBudget(Duration limit) {
            this.seconds = limit.toMillis() / 1000.0;
        }

        @Override
        public void onStart(Trainer t) {
            cap = t.totalSteps();
            startElapsed = t.elapsedSeconds();
            markStep = t.step();
            markElapsed = t.elapsedSeconds();
        }

        @Override
        public void onStep(Trainer t, dev.kiln.models.train.StepEvent e) {
            if (e.step() - markStep >= 25) {
                double perStep = (e.elapsedSeconds() - markElapsed) / (e.step() - markStep);
                double left = seconds - (e.elapsedSeconds() - startElapsed);
                long planned = e.step() + (long) Math.max(0, left / perStep);
                t.setTotalSteps(Math.max(e.step() + 1, Math.min(cap, planned)));
                markStep = e.step();
                markElapsed = e.elapsedSeconds();
            }
        }
    }

    static Path outDir(TrainOptions o, String kind) {
        return o.out != null ? o.out : Path.of("runs", kind);
    }

    static Result run(PrintWriter out, PrintWriter err, TrainOptions o, Spec s) throws IOException {
        Path dir = outDir(o, s.kind());
        Files.createDirectories(dir);
        AtomicFiles.removeStale(dir); // temporary files of runs killed while writing
        long spe = s.data().stepsPerEpoch();
        long total = o.steps != null ? o.steps : (long) (o.epochs != null ? o.epochs : s.defaultEpochs()) * spe;
        if (total < 0) {
            throw new IllegalArgumentException("--steps/--epochs must be >= 0");
        }
        double lr = o.lr != null ? o.lr : s.defaultLr();
        Optimizer opt = optimizer(o, s.model(), lr);
        JsonObject config = new JsonObject();
        config.add("model", s.modelConfig());
        config.add("data", s.dataConfig());
        config.add("train", trainConfig(o, lr, total));
        List<EvalEvent> evals = new ArrayList<>();
        Trainer.Builder tb = Trainer.builder(s.model(), s.loss(), opt, s.data()).steps(total).clipGradNorm(o.clip)
                .schedule(schedule(o, total, spe)).timeLimit(s.timeLimit());
        if (s.evaluator() != null) {
            tb.evaluator(s.evaluator(), s.evalEvery());
        }
        if (s.timeLimit() != null) {
            tb.callback(new TimeBudget(s.timeLimit()));
        }
        boolean bar = !o.noProgress && ProgressCallback.isTerminal();
        tb.callback(new ProgressCallback(err, s.kind(), s.unit(), bar, spe));
        tb.callback(new MetricsCsv(dir));
        tb.callback(new TrainCallback() {
            @Override
            public void onEval(Trainer t, EvalEvent e) {
                evals.add(e);
            }
        });
        Path ckpt = dir.resolve(CHECKPOINT);
        long every = o.checkpointEvery != null ? o.checkpointEvery : spe;
        tb.callback(new CheckpointCallback(ckpt, every, () -> Map.of("config", config.toString())));
        tb.callback(new LossPlot(dir, s.kind() + ": " + dir));
        Interrupts.Watch ctrlC = Interrupts.watch(); // last, so it is still listening while the others finish
        tb.callback(ctrlC);
        Trainer trainer = tb.build();
        if (o.resume) {
            if (!Files.exists(ckpt)) {
                throw new IllegalArgumentException("--resume: no checkpoint at " + ckpt + " (train without --resume first, or "
                        + "pass the run's --out)");
            }
            Checkpoint c = Checkpoint.load(ckpt);
            requireSameConfig(c, config);
            trainer.restore(c);
            err.printf(Locale.ROOT, "resuming %s at step %d of %d%n", ckpt, trainer.step(), total);
        }
        err.printf(Locale.ROOT, "%s: %,d parameters, %d steps (%d per epoch), %s, lr %s, batch %s, seed %d%n", s.kind(),
                s.model().parameterCount(), total, spe, o.optimizer, lr, config.getAsJsonObject("data").get("batch_size"),
                o.seed);
        try (ctrlC) {
            trainer.fit();
        }
        if (ctrlC.stopped()) {
            throw new Interrupts.Stopped(String.format(Locale.ROOT, "interrupted at step %d of %d; checkpoint saved to %s "
                    + "(add --resume to continue)", trainer.step(), total, ckpt));
        }
        EvalEvent last = evals.isEmpty() ? null : evals.get(evals.size() - 1);
        return new Result(trainer, dir, ckpt, dir.resolve(LossPlot.FILE), last);
    }

    /** Prints the end-of-run summary. */
    static void summary(PrintWriter out, Result r, String unit) {
        Trainer t = r.trainer();
        out.printf(Locale.ROOT, "final loss %.4f after %d steps (epoch %d) in %s%n", t.lastLoss(), t.step(),
                (t.step() + t.stepsPerEpoch() - 1) / Math.max(1, t.stepsPerEpoch()), ProgressCallback.clock(t.elapsedSeconds()));
        if (r.lastEval() != null) {
            StringBuilder sb = new StringBuilder("eval");
            r.lastEval().metrics().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> sb.append(String.format(
                    Locale.ROOT, e.getKey().equals("accuracy") ? "  %s %.2f%%" : "  %s %.4f", e.getKey(),
                    e.getKey().equals("accuracy") ? 100 * e.getValue() : e.getValue())));
            out.println(sb);
        }
        out.println("checkpoint " + r.checkpoint());
        out.println("metrics    " + r.dir().resolve(MetricsCsv.TRAIN)
                + (Files.exists(r.dir().resolve(MetricsCsv.EVAL)) ? ", " + r.dir().resolve(MetricsCsv.EVAL) : ""));
        out.println("plot       " + r.plot());
    }

    static Optimizer optimizer(TrainOptions o, Module model, double lr) {
        return switch (o.optimizer.toLowerCase(Locale.ROOT)) {
            case "adam" -> Adam.builder(model.parameters()).lr(lr).weightDecay(o.weightDecay).build();
            case "adamw" -> AdamW.builder(model.parameters()).lr(lr).weightDecay(o.weightDecay).build();
            case "sgd" -> Sgd.builder(model.parameters()).lr(lr).momentum(o.momentum).weightDecay(o.weightDecay).build();
            default -> throw new IllegalArgumentException("--optimizer: unknown '" + o.optimizer + "'; choose adam, adamw or sgd");
        };
    }

    static LrSchedule schedule(TrainOptions o, long total, long stepsPerEpoch) {
        return switch (o.schedule.toLowerCase(Locale.ROOT)) {
            case "constant" -> o.warmup > 0 ? LrSchedule.linearWarmup(o.warmup) : LrSchedule.constant();
            case "cosine" -> LrSchedule.cosine(o.warmup, Math.max(total, o.warmup + 1), 0.1);
            case "linear" -> LrSchedule.linear(o.warmup, Math.max(total, o.warmup + 1));
            case "exp" -> {
                // PyTorch's ExponentialLR stepped once per epoch, after a linear warmup
                double gamma = o.gamma;
                LrSchedule warm = LrSchedule.linearWarmup(o.warmup);
                yield step -> warm.factor(step) * Math.pow(gamma, Math.floor((double) step / stepsPerEpoch));
            }
            default -> throw new IllegalArgumentException("--schedule: unknown '" + o.schedule
                    + "'; choose constant, cosine, linear or exp");
        };
    }

    private static JsonObject trainConfig(TrainOptions o, double lr, long total) {
        JsonObject t = new JsonObject();
        t.addProperty("optimizer", o.optimizer.toLowerCase(Locale.ROOT));
        t.addProperty("lr", lr);
        t.addProperty("weight_decay", o.weightDecay);
        if (o.optimizer.equalsIgnoreCase("sgd")) {
            t.addProperty("momentum", o.momentum);
        }
        t.addProperty("schedule", o.schedule.toLowerCase(Locale.ROOT));
        t.addProperty("warmup", o.warmup);
        if (o.schedule.equalsIgnoreCase("exp")) {
            t.addProperty("gamma", o.gamma);
        }
        if (!o.schedule.equalsIgnoreCase("constant")) {
            t.addProperty("total_steps", total); // the schedule's shape depends on it
        }
        t.addProperty("clip", o.clip);
        t.addProperty("seed", o.seed);
        return t;
    }

    /** A resumed run must be the same run: same model, data and training settings (only the length may change). */
    private static void requireSameConfig(Checkpoint c, JsonObject now) {
        JsonObject saved = Models.parse(c.meta("config"));
        TreeSet<String> diffs = new TreeSet<>();
        for (String section : List.of("model", "data", "train")) {
            JsonObject a = saved.get(section) instanceof JsonObject o ? o : new JsonObject();
            JsonObject b = now.getAsJsonObject(section);
            TreeSet<String> keys = new TreeSet<>(a.keySet());
            keys.addAll(b.keySet());
            for (String k : keys) {
                if (!String.valueOf(a.get(k)).equals(String.valueOf(b.get(k)))) {
                    diffs.add(section + "." + k + ": checkpoint " + a.get(k) + ", now " + b.get(k));
                }
            }
        }
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("--resume: the checkpoint was made with other settings: " + String.join("; ", diffs));
        }
    }
}
