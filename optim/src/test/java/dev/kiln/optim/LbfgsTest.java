package dev.kiln.optim;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Lbfgs on the Rosenbrock function and against torch.optim.LBFGS trajectories (tools/make_optim_fixtures.py). */
class LbfgsTest {

    static Tensor rosenbrock(Tensor v) {
        Tensor a = v.select(0, 0);
        Tensor b = v.select(0, 1);
        Tensor oneMinusA = a.neg().add(1);
        Tensor c = b.sub(a.mul(a));
        return oneMinusA.mul(oneMinusA).add(c.mul(c).mul(100));
    }

    @Test
    void strongWolfeConvergesToTheRosenbrockMinimum() {
        Tensor v = Tensor.of(new double[] {-1.2, 1.0}).requiresGrad(true);
        Lbfgs opt = Lbfgs.builder(List.of(v)).lineSearchFn(Lbfgs.LineSearch.STRONG_WOLFE).historySize(10)
                .toleranceGrad(1e-12).toleranceChange(1e-15).build();
        for (int i = 0; i < 10; i++) {
            opt.step(() -> {
                opt.zeroGrad();
                Tensor loss = rosenbrock(v);
                loss.backward();
                return loss;
            });
        }
        assertThat(v.toDoubleArray()).containsExactly(new double[] {1, 1}, within(1e-7)); // √ε: f resolves x no better
        assertThat(rosenbrock(v.detach()).item()).isLessThan(1e-15);
        assertThat(opt.stateBytes()).isGreaterThan(0);
    }

    /** A curvature threshold no step meets keeps the history empty: L-BFGS falls back to scaled gradient steps. */
    @Test
    void toleranceYsGatesTheHistory() {
        double[] finalLoss = new double[2];
        double[] tolerances = {1e-10, Double.MAX_VALUE};
        for (int c = 0; c < 2; c++) {
            Tensor v = Tensor.of(new double[] {-1.2, 1.0}).requiresGrad(true);
            Lbfgs opt = Lbfgs.builder(List.of(v)).lineSearchFn(Lbfgs.LineSearch.STRONG_WOLFE).historySize(10)
                    .toleranceGrad(1e-12).toleranceChange(1e-15).toleranceYs(tolerances[c]).build();
            for (int i = 0; i < 10; i++) {
                opt.step(() -> {
                    opt.zeroGrad();
                    Tensor loss = rosenbrock(v);
                    loss.backward();
                    return loss;
                });
            }
            finalLoss[c] = rosenbrock(v.detach()).item();
        }
        assertThat(finalLoss[0]).isLessThan(1e-15);
        assertThat(finalLoss[1]).isGreaterThan(1e-6);
        Tensor v = Tensor.of(new double[] {0, 0}).requiresGrad(true);
        assertThatThrownBy(() -> Lbfgs.builder(List.of(v)).toleranceYs(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tolerance_ys");
    }

    @TestFactory
    List<DynamicTest> matchesTorchLbfgs() {
        Map<String, Object> fx = Json.fixture(LbfgsTest.class, "optim_lbfgs.json");
        List<DynamicTest> tests = new ArrayList<>();
        for (Object c : Json.list(fx.get("cases"))) {
            Map<String, Object> cs = Json.map(c);
            tests.add(DynamicTest.dynamicTest((String) cs.get("name"), () -> {
                Tensor v = Tensor.of(Json.doubles(cs.get("start"))).requiresGrad(true);
                Map<String, Object> o = Json.map(cs.get("options"));
                Lbfgs.Builder b = Lbfgs.builder(List.of(v)).lr((Double) o.get("lr"))
                        .maxIter(((Double) o.get("max_iter")).intValue())
                        .historySize(((Double) o.get("history_size")).intValue());
                if ("strong_wolfe".equals(o.get("line_search_fn"))) {
                    b.lineSearchFn(Lbfgs.LineSearch.STRONG_WOLFE);
                }
                Lbfgs opt = b.build();
                boolean quadratic = "quadratic".equals(cs.get("problem"));
                Tensor a = quadratic ? TorchTrajectoryTest.tensor(cs.get("a"), DType.F64) : null;
                Tensor rhs = quadratic ? TorchTrajectoryTest.tensor(cs.get("b"), DType.F64) : null;
                Optimizer.Closure closure = () -> {
                    opt.zeroGrad();
                    Tensor loss = quadratic
                            ? v.mul(a.matmul(v)).sum().mul(0.5).sub(rhs.mul(v).sum())
                            : rosenbrock(v);
                    loss.backward();
                    return loss;
                };
                List<Object> trajectory = Json.list(cs.get("trajectory"));
                double[] losses = Json.doubles(cs.get("losses"));
                for (int step = 0; step < trajectory.size(); step++) {
                    double loss = opt.step(closure).item();
                    assertThat(loss).as("loss at step %d", step).isCloseTo(losses[step], within(1e-9 * (1 + Math.abs(losses[step]))));
                    double err = TorchTrajectoryTest.relError(v.toDoubleArray(), Json.doubles(trajectory.get(step)), 1e-6);
                    assertThat(err).as("parameters after step %d", step + 1).isLessThan(1e-8);
                }
                assertThat(opt.funcEvals()).isEqualTo(((Double) cs.get("func_evals")).longValue());
                assertThat(opt.iterations()).isEqualTo(((Double) cs.get("n_iter")).longValue());
            }));
        }
        return tests;
    }

    @Test
    void stepWithoutClosureAndGroupsAreErrors() {
        Tensor v = Tensor.of(new double[] {0, 0}).requiresGrad(true);
        Lbfgs opt = Lbfgs.builder(List.of(v)).build();
        assertThatThrownBy(opt::step).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Lbfgs.step: L-BFGS needs a closure");
        assertThatThrownBy(() -> Lbfgs.builder(List.of(v)).group(List.of(), g -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parameter groups are not supported");
    }
}
