package dev.kiln.models.cli;

import dev.kiln.models.train.EvalEvent;
import dev.kiln.models.train.StepEvent;
import dev.kiln.models.train.TrainCallback;
import dev.kiln.models.train.Trainer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Shows training progress: on a terminal, a progress bar (me.tongfei:progressbar) with the
 * smoothed loss, throughput and the time left; elsewhere (logs, CI) a plain line every epoch or
 * every {@code lineEvery} steps.
 */
final class ProgressCallback implements TrainCallback {
    private final PrintWriter err;
    private final String task;
    private final String unit;
    private final boolean bar;
    private final long lineEvery;
    private ProgressBar pb;
    // bias-corrected moving averages (Adam's correction), so the first steps are not pulled to the start value
    private double lossSum;
    private double speedSum;
    private double weight;
    private double lossEma;
    private double speedEma;
    private String evalNote = "";

    ProgressCallback(PrintWriter err, String task, String unit, boolean bar, long lineEvery) {
        this.err = err;
        this.task = task;
        this.unit = unit;
        this.bar = bar;
        this.lineEvery = Math.max(1, lineEvery);
    }

    static boolean isTerminal() {
        var c = System.console();
        return c != null && c.isTerminal();
    }

    @Override
    public void onStart(Trainer t) {
        if (bar) {
            pb = new ProgressBarBuilder().setTaskName(task).setInitialMax(t.totalSteps()).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250).setMaxRenderedLength(120)
                    .startsFrom(t.step(), Duration.ofMillis((long) (t.elapsedSeconds() * 1000))).build();
        }
    }

    @Override
    public void onStep(Trainer t, StepEvent e) {
        double a = 0.05;
        lossSum = (1 - a) * lossSum + a * e.loss();
        speedSum = (1 - a) * speedSum + a * e.itemsPerSecond();
        weight = (1 - a) * weight + a;
        lossEma = lossSum / weight;
        speedEma = speedSum / weight;
        if (pb != null) {
            pb.maxHint(e.totalSteps());
            pb.stepTo(e.step());
            pb.setExtraMessage(String.format(Locale.ROOT, "loss %.4f | %,.0f %s/s%s", lossEma, speedEma, unit, evalNote));
        } else if (e.step() % lineEvery == 0 || e.step() == e.totalSteps()) {
            double left = (e.totalSteps() - e.step()) * e.elapsedSeconds() / Math.max(1, e.step());
            err.printf(Locale.ROOT, "%s step %d/%d  epoch %d  loss %.4f  %,.0f %s/s  %s elapsed, ~%s left%s%n", task, e.step(),
                    e.totalSteps(), e.epoch() + 1, lossEma, speedEma, unit, clock(e.elapsedSeconds()), clock(left), evalNote);
        }
    }

    @Override
    public void onEval(Trainer t, EvalEvent e) {
        Double acc = e.metrics().get("accuracy");
        Double loss = e.metrics().get("loss");
        evalNote = acc != null ? String.format(Locale.ROOT, " | val acc %.2f%%", 100 * acc)
                : loss != null ? String.format(Locale.ROOT, " | val loss %.4f", loss) : "";
    }

    @Override
    public void onEnd(Trainer t) {
        if (pb != null) {
            pb.close();
            pb = null;
        }
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
