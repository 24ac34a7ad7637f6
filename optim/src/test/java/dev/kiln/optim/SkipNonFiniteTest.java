package dev.kiln.optim;

import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

class SkipNonFiniteTest {

    @Test
    void aNonFiniteStepIsSkippedWithAWarningWhenAskedFor() {
        Tensor w = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {0.5f}).requiresGrad(true);
        AdamW opt = AdamW.builder(List.of(w, b)).lr(0.1).skipNonFinite(true).build();
        List<String> warnings = new ArrayList<>();
        Logger jul = Logger.getLogger("dev.kiln.optim");
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                warnings.add(r.getLevel() + " " + r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(h);
        try {
            w.setGrad(Tensor.of(new float[] {1, 1, 1}));
            b.setGrad(Tensor.of(new float[] {1}));
            opt.step();
            float[] after1 = w.toFloatArray();
            long step1 = opt.state(w).step();

            w.setGrad(Tensor.of(new float[] {1, Float.POSITIVE_INFINITY, 1}));
            opt.step();
            b.setGrad(Tensor.of(new float[] {Float.NaN}));
            w.setGrad(Tensor.of(new float[] {1, 1, 1}));
            opt.step();
            assertThat(w.toFloatArray()).containsExactly(after1);
            assertThat(opt.state(w).step()).isEqualTo(step1);
            assertThat(opt.skippedSteps()).isEqualTo(2);
            assertThat(warnings).hasSize(2);
            assertThat(warnings.get(0)).startsWith("WARNING AdamW.step: skipped a step because the gradient of parameter 0 "
                    + "(F32 [3]) holds NaN or infinite values (1 skipped so far)");
            assertThat(warnings.get(1)).contains("parameter 1 (F32 [1])").contains("(2 skipped so far)");

            b.setGrad(Tensor.of(new float[] {1}));
            opt.step();
            assertThat(opt.state(w).step()).isEqualTo(step1 + 1);
        } finally {
            jul.removeHandler(h);
        }
    }

    @Test
    void withoutTheOptionNonFiniteGradientsPropagate() {
        Tensor w = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Sgd opt = new Sgd(List.of(w), 0.1);
        w.setGrad(Tensor.of(new float[] {Float.NaN, 1}));
        opt.step();
        assertThat(Float.isNaN(w.toFloatArray()[0])).isTrue();
        assertThat(opt.skippedSteps()).isZero();
    }
}
