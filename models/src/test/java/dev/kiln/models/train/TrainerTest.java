package dev.kiln.models.train;

import dev.kiln.layers.Module;
import dev.kiln.layers.loss.CrossEntropyLoss;
import dev.kiln.models.data.DataLoader;
import dev.kiln.models.data.TensorDataset;
import dev.kiln.models.io.Checkpoint;
import dev.kiln.models.nn.MlpClassifier;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.LrSchedule;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainerTest {
    @TempDir
    Path dir;

    /** Four Gaussian blobs in 12 dims. */
    static TensorDataset blobs(int n, long seed) {
        Generator rng = new Generator(seed);
        float[] x = new float[n * 12];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(4);
            for (int j = 0; j < 12; j++) {
                x[i * 12 + j] = (float) (rng.nextGaussian() * 0.7 + (j % 4 == y[i] ? 1.5 : 0));
            }
        }
        return new TensorDataset(Tensor.of(x, n, 12), Tensor.of(y));
    }

    private static final MlpClassifier.Config CONFIG = new MlpClassifier.Config(12, new int[] {24, 24}, 4, "prelu", "layernorm");

    /** A trainer over a fresh model; the init seed differs per call site so a restore must overwrite everything. */
    private Trainer trainer(long initSeed, long steps, List<Double> losses, Path ckDir) {
        Module model = MlpClassifier.build(CONFIG, new Generator(initSeed));
        var opt = AdamW.builder(model.parameters()).lr(3e-3).weightDecay(0.05).build();
        var b = Trainer.builder(model, new CrossEntropyLoss(), opt, new DataLoader(blobs(200, 1), 16, 99))
                .steps(steps).schedule(LrSchedule.cosine(5, 40, 0.1)).clipGradNorm(0.5)
                .callback(new TrainCallback() {
                    @Override
                    public void onStep(Trainer t, StepEvent e) {
                        losses.add(e.loss());
                    }
                });
        if (ckDir != null) {
            b.callback(new MetricsCsv(ckDir)).callback(new CheckpointCallback(ckDir.resolve("ck.safetensors"), 7,
                    () -> Map.of("config", "{}")));
        }
        return b.build();
    }

    @Test
    void resumingFromACheckpointFileRepeatsTheUninterruptedRunBitForBit() throws IOException {
        List<Double> straight = new ArrayList<>();
        Trainer s = trainer(1, 40, straight, null);
        s.fit();

        List<Double> first = new ArrayList<>();
        Trainer a = trainer(1, 17, first, null); // 17 steps: stops inside the second epoch (13 steps per epoch)
        a.fit();
        Path ck = dir.resolve("ck.safetensors");
        a.checkpoint(Map.of("config", "{}")).save(ck);

        List<Double> rest = new ArrayList<>();
        Trainer b = trainer(2, 40, rest, null);
        b.restore(Checkpoint.load(ck));
        assertThat(b.step()).isEqualTo(17);
        b.fit();

        List<Double> joined = new ArrayList<>(first);
        joined.addAll(rest);
        assertThat(joined).hasSize(40);
        for (int i = 0; i < 40; i++) {
            // exact equality of the doubles: the same arithmetic in the same order
            assertThat(Double.doubleToRawLongBits(joined.get(i))).as("loss at step %d", i + 1)
                    .isEqualTo(Double.doubleToRawLongBits(straight.get(i)));
        }
        var ps = s.model().stateDict();
        var pb = b.model().stateDict();
        for (String k : ps.keySet()) {
            assertThat(pb.get(k).toFloatArray()).as(k).containsExactly(ps.get(k).toFloatArray());
        }
        // and it learned: the last losses are well below the first
        assertThat(straight.subList(35, 40).stream().mapToDouble(d -> d).average().orElseThrow())
                .isLessThan(0.5 * straight.get(0));
    }

    @Test
    void callbacksWriteMetricsAndPeriodicCheckpointsAndResumeTrimsTheCsv() throws IOException {
        List<Double> losses = new ArrayList<>();
        Trainer t = trainer(1, 20, losses, dir);
        t.fit();
        Map<String, double[]> csv = MetricsCsv.read(dir.resolve(MetricsCsv.TRAIN));
        assertThat(csv.get("step")).hasSize(20);
        assertThat(csv.get("loss")[19]).isCloseTo(losses.get(19), org.assertj.core.data.Offset.offset(1e-6 * losses.get(19)));
        Checkpoint c = Checkpoint.load(dir.resolve("ck.safetensors"));
        assertThat(c.meta("step")).isEqualTo("20");

        // a run that "crashed" after step 14 (last periodic checkpoint) left CSV rows up to 20: resuming from 14 drops 15..20
        Trainer crashed = trainer(1, 16, new ArrayList<>(), null);
        crashed.fit();
        crashed.checkpoint(Map.of()).save(dir.resolve("at16.safetensors"));
        Trainer resumed = trainer(3, 18, new ArrayList<>(), dir);
        resumed.restore(Checkpoint.load(dir.resolve("at16.safetensors")));
        resumed.fit();
        double[] steps = MetricsCsv.read(dir.resolve(MetricsCsv.TRAIN)).get("step");
        assertThat(steps).hasSize(18);
        for (int i = 0; i < 18; i++) {
            assertThat(steps[i]).isEqualTo(i + 1);
        }
        Path png = LossPlot.draw(dir, "test");
        byte[] head = Files.readAllBytes(png);
        assertThat(head).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    }

    @Test
    void evaluatorRunsOnScheduleInEvalModeWithoutGradients() {
        List<EvalEvent> evals = new ArrayList<>();
        Module model = MlpClassifier.build(CONFIG, new Generator(1));
        var opt = AdamW.builder(model.parameters()).lr(3e-3).build();
        TensorDataset val = blobs(64, 5);
        Trainer t = Trainer.builder(model, new CrossEntropyLoss(), opt, new DataLoader(blobs(200, 1), 16, 99)).steps(30)
                .evaluator(m -> {
                    assertThat(m.isTraining()).isFalse();
                    assertThat(dev.kiln.autograd.NoGrad.isGradEnabled()).isFalse();
                    return new ClassifierEvaluator(val, 50).evaluate(m);
                }, 13)
                .callback(new TrainCallback() {
                    @Override
                    public void onEval(Trainer tr, EvalEvent e) {
                        evals.add(e);
                    }
                }).build();
        t.fit();
        assertThat(evals).extracting(EvalEvent::step).containsExactly(13L, 26L, 30L);
        assertThat(model.isTraining()).isTrue();
        assertThat(evals.get(2).metrics().get("accuracy")).isGreaterThan(0.8);
    }

    @Test
    void restoreRefusesAMismatchedCheckpoint() throws IOException {
        Trainer a = trainer(1, 3, new ArrayList<>(), null);
        a.fit();
        Checkpoint c = a.checkpoint(Map.of());
        Module other = MlpClassifier.build(new MlpClassifier.Config(12, new int[] {8}, 4, "relu", "none"), new Generator(1));
        Trainer b = Trainer.builder(other, new CrossEntropyLoss(), AdamW.builder(other.parameters()).lr(1e-3).build(),
                new DataLoader(blobs(200, 1), 16, 99)).steps(3).build();
        assertThatThrownBy(() -> b.restore(c)).isInstanceOf(IllegalArgumentException.class);
    }
}
