package dev.kiln.autograd;

import dev.kiln.autograd.GradcheckTest.Case;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.TestTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@link GradcheckTest}'s cases for the reductions, scans and sorting ops of issue 15: finite
 * differences in F64 against prod (with zeros), logsumexp, std/varMean/stdMean, vectorNorm of
 * every kind of order, the scans and the order statistics, on views and 0-d inputs. Inputs keep
 * away from ties, where these ops are not differentiable.
 */
final class ReduceGradchecks {
    private ReduceGradchecks() {
    }

    private static final Generator RNG = new Generator(1515);

    private static Tensor x(int... shape) {
        return TestTensors.random(RNG, DType.F64, shape).requiresGrad(true);
    }

    private static Tensor of(double[] v, int... shape) {
        return Tensor.of(v, shape).requiresGrad(true);
    }

    private static Supplier<Tensor[]> in(Supplier<Tensor> a) {
        return () -> new Tensor[] {a.get()};
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        double[] oneZero = {1.5, 0, -2, 0.5, 0.7, 3, 1, -1.2};
        double[] twoZeros = {0, 2, 0, -1.5, 1, -2, 0.5, 0.25};
        c.add(new Case("prod", t -> t[0].prod(), in(() -> x(3, 4))));
        c.add(new Case("prod dim of a view", t -> t[0].t().prod(1), in(() -> x(4, 3))));
        c.add(new Case("prod dim keepDim", t -> t[0].prod(0, true), in(() -> x(3, 2, 2))));
        c.add(new Case("prod with one zero", t -> t[0].prod(1), in(() -> of(oneZero, 2, 4))));
        c.add(new Case("prod with two zeros", t -> t[0].prod(1, true), in(() -> of(twoZeros, 2, 4))));
        c.add(new Case("prod of all with a zero", t -> t[0].prod(), in(() -> of(oneZero, 2, 4))));
        c.add(new Case("prod 0-d", t -> t[0].prod(0), in(() -> x())));
        c.add(new Case("logsumexp", t -> t[0].logsumexp(1), in(() -> x(3, 4))));
        c.add(new Case("logsumexp dims keepDim", t -> t[0].logsumexp(new int[] {0, 2}, true), in(() -> x(2, 3, 2))));
        c.add(new Case("std correction 2", t -> t[0].std(new int[] {1}, 2, false), in(() -> x(3, 5))));
        c.add(new Case("varMean", t -> {
            var r = t[0].varMean(new int[] {0}, 1, false);
            return r.var().add(r.mean().mul(3));
        }, in(() -> x(4, 3))));
        c.add(new Case("stdMean", t -> {
            var r = t[0].stdMean(new int[] {1}, 0, true);
            return r.std().mul(r.mean());
        }, in(() -> x(2, 5))));
        for (double p : new double[] {2, 1, 3, 1.5, 0.5, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            c.add(new Case("vectorNorm " + p, t -> t[0].vectorNorm(p, new int[] {1}, false), in(() -> x(3, 4))));
        }
        c.add(new Case("norm of all of a view", t -> t[0].t().norm(3), in(() -> x(3, 4))));
        c.add(new Case("vectorNorm 2 keepDim", t -> t[0].vectorNorm(2, new int[] {0, 2}, true), in(() -> x(2, 3, 2))));
        c.add(new Case("aminmax", t -> {
            var r = t[0].aminmax(1, false);
            return r.min().mul(2).add(r.max());
        }, in(() -> x(3, 4))));
        c.add(new Case("cumsum", t -> t[0].cumsum(1), in(() -> x(3, 4))));
        c.add(new Case("cumsum of a view dim 0", t -> t[0].t().cumsum(0), in(() -> x(3, 4))));
        c.add(new Case("cumprod", t -> t[0].cumprod(1), in(() -> x(3, 4))));
        c.add(new Case("cumprod with one zero", t -> t[0].cumprod(1), in(() -> of(oneZero, 2, 4))));
        c.add(new Case("cumprod with two zeros", t -> t[0].cumprod(-1), in(() -> of(twoZeros, 2, 4))));
        c.add(new Case("cumprod dim 0 with zeros", t -> t[0].cumprod(0), in(() -> of(twoZeros, 4, 2))));
        c.add(new Case("logcumsumexp", t -> t[0].logcumsumexp(1), in(() -> x(3, 4))));
        c.add(new Case("logcumsumexp dim 0 of a view", t -> t[0].t().logcumsumexp(0), in(() -> x(3, 4))));
        c.add(new Case("cummax", t -> t[0].cummax(1).values(), in(() -> x(3, 5))));
        c.add(new Case("cummin dim 0", t -> t[0].cummin(0).values(), in(() -> x(4, 3))));
        c.add(new Case("sort", t -> t[0].sort(1).values(), in(() -> x(3, 5))));
        c.add(new Case("sort descending dim 0 of a view", t -> t[0].t().sort(0, true).values(), in(() -> x(3, 4))));
        c.add(new Case("topk", t -> t[0].topk(2, 1).values(), in(() -> x(3, 5))));
        c.add(new Case("topk smallest", t -> t[0].topk(3, 0, false).values(), in(() -> x(4, 3))));
        c.add(new Case("kthvalue", t -> t[0].kthvalue(2, 1, true).values(), in(() -> x(3, 4))));
        c.add(new Case("median dim", t -> t[0].median(0).values(), in(() -> x(4, 3))));
        c.add(new Case("median of all", t -> t[0].median(), in(() -> x(3, 3))));
        return c;
    }
}
