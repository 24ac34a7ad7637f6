package dev.kiln.optim;

import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ScheduleTest {

    @Test
    void constantAndLinearWarmup() {
        assertThat(LrSchedule.constant().factor(12345)).isEqualTo(1.0);
        LrSchedule w = LrSchedule.linearWarmup(4);
        assertThat(new double[] {w.factor(0), w.factor(1), w.factor(3), w.factor(4), w.factor(100)})
                .containsExactly(0, 0.25, 0.75, 1, 1);
        assertThat(LrSchedule.linearWarmup(0).factor(0)).isEqualTo(1.0);
        assertThat(w.lr(2, 0.1)).isCloseTo(0.05, within(1e-17));
    }

    @Test
    void cosineWithWarmupAndFloor() {
        LrSchedule c = LrSchedule.cosine(10, 110, 0.1);
        assertThat(c.factor(0)).isEqualTo(0.0);
        assertThat(c.factor(5)).isEqualTo(0.5);
        assertThat(c.factor(10)).isCloseTo(1.0, within(1e-15));            // end of warmup: the peak
        assertThat(c.factor(60)).isCloseTo(0.1 + 0.9 * 0.5, within(1e-15)); // half way down the cosine
        assertThat(c.factor(110)).isCloseTo(0.1, within(1e-15));           // the floor
        assertThat(c.factor(500)).isCloseTo(0.1, within(1e-15));           // and it stays there
        for (long s = 11; s < 110; s++) {
            assertThat(c.factor(s)).isLessThan(c.factor(s - 1));
        }
        LrSchedule lin = LrSchedule.linear(2, 6);
        assertThat(new double[] {lin.factor(1), lin.factor(2), lin.factor(4), lin.factor(6), lin.factor(9)})
                .containsExactly(0.5, 1, 0.5, 0, 0);
    }

    @Test
    void schedulerSetsEveryGroupsLrFromItsBase() {
        Tensor a = Tensor.zeros(2).requiresGrad(true);
        Tensor b = Tensor.zeros(3).requiresGrad(true);
        AdamW opt = AdamW.builder(List.of(a)).lr(0.1).group(List.of(b), g -> g.lr(0.01)).build();
        Scheduler sched = new Scheduler(opt, LrSchedule.linearWarmup(4));
        assertThat(sched.lastLr()).containsExactly(0, 0);
        sched.step();
        sched.step();
        assertThat(sched.lastStep()).isEqualTo(2);
        assertThat(sched.lastLr()).containsExactly(new double[] {0.05, 0.005}, within(1e-17));
        assertThat(opt.paramGroups().get(1).lr()).isCloseTo(0.005, within(1e-17));

        AdamW fresh = AdamW.builder(List.of(a)).lr(0.1).group(List.of(b), g -> g.lr(0.01)).build();
        Scheduler resumed = new Scheduler(fresh, LrSchedule.linearWarmup(4));
        resumed.loadStateDict(sched.stateDict());
        assertThat(resumed.lastStep()).isEqualTo(2);
        assertThat(resumed.lastLr()).containsExactly(sched.lastLr());
        resumed.step();
        sched.step();
        assertThat(resumed.lastLr()).containsExactly(sched.lastLr());
    }

    @Test
    void badSchedulesFail() {
        assertThatThrownBy(() -> LrSchedule.cosine(10, 10, 0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cosine: totalSteps 10 must exceed warmupSteps 10");
        assertThatThrownBy(() -> LrSchedule.cosine(0, 10, 1.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cosine: minFactor");
        assertThatThrownBy(() -> LrSchedule.linearWarmup(-1)).isInstanceOf(IllegalArgumentException.class);
        Tensor a = Tensor.zeros(2).requiresGrad(true);
        AdamW opt = AdamW.builder(List.of(a)).build();
        assertThatThrownBy(() -> new Scheduler(opt, s -> -1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("factor -1.0");
    }
}
