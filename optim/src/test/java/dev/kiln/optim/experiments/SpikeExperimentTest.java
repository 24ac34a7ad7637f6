package dev.kiln.optim.experiments;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The spike experiment, shortened to 450 steps with one spike at step 301 (before SPAM's first
 * reset at step 500): SPAM clips exactly the spiked coordinates and its loss returns to its clean
 * run, while AdamW's stays above.
 */
class SpikeExperimentTest {

    @Test
    void spamClipsExactlyTheSpikedCoordinatesAndRecovers() {
        SpikeExperiment.Config c = SpikeExperiment.Config.defaults().withSteps(450, new int[] {300});
        SpikeExperiment.Result r = SpikeExperiment.run(c);
        for (int s = 0; s < c.steps(); s++) {
            int[] spiked = r.spiked().get(s);
            double[] margins = r.spikeMargins().get(s);
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < spiked.length; i++) {
                if (margins[i] > 1) {
                    expected.add(spiked[i]);
                }
            }
            // the rule: exactly the spiked coordinates whose g² exceeds θc·v, nothing else
            assertThat(java.util.Arrays.stream(r.clipped().get(s)).boxed().toList()).as("clipped at step %d", s)
                    .isEqualTo(expected);
            assertThat(r.cleanClipped().get(s)).as("clipped without spikes at step %d", s).isEmpty();
        }
        // and in this run every spiked coordinate is a spike by that rule
        assertThat(r.spiked().get(300)).hasSize(3);
        assertThat(r.clipped().get(300)).containsExactly(r.spiked().get(300));

        // without spikes (no reset before step 500, nothing clipped) SPAM is HF AdamW, bit for bit
        assertThat(r.spamCleanLoss()).containsExactly(r.adamwCleanLoss());

        double[] excess = r.finalExcess();
        assertThat(excess[0]).as("AdamW's loss above its clean run 150 steps after the spike").isGreaterThan(1e-3);
        assertThat(Math.abs(excess[1])).as("SPAM's").isLessThan(0.1 * excess[0]);
    }

    @Test
    void writesOneCsvRowPerStep() {
        SpikeExperiment.Config c = SpikeExperiment.Config.defaults().withSteps(30, new int[] {25});
        SpikeExperiment.Result r = SpikeExperiment.run(c);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SpikeExperiment.writeCsv(r, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(31);
        assertThat(lines[0]).isEqualTo("step,adamw_loss,spam_loss,adamw_clean_loss,spam_clean_loss,spiked,spam_clipped");
        assertThat(lines[26]).startsWith("26,").contains(r.name(r.spiked().get(25)[0]));
        assertThat(lines[1].split(",", -1)).hasSize(7);
    }
}
