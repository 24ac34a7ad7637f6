package dev.kiln.layers.suite;

import dev.kiln.tensor.StdMean;
import dev.kiln.tensor.Tensor;

import static dev.kiln.layers.suite.TorchCalls.both;
import static dev.kiln.layers.suite.TorchCalls.reg;
import static dev.kiln.layers.suite.TorchCalls.results;

/** Reductions, scans and sorting: PyTorch's dim as an int, a list or None (all dims). */
final class Reductions {
    private Reductions() {
    }

    static void register() {
        reg(both("sum"), "input dim= keepdim= dtype=", c -> {
            noDtype(c);
            Tensor x = c.t("input");
            return !c.has("dim") ? x.sum() : x.sum(c.ints("dim"), c.b("keepdim", false));
        });
        reg(both("mean"), "input dim= keepdim= dtype=", c -> {
            noDtype(c);
            Tensor x = c.t("input");
            return !c.has("dim") ? x.mean() : x.mean(c.ints("dim"), c.b("keepdim", false));
        });
        reg(both("prod"), "input dim= keepdim= dtype=", c -> {
            noDtype(c);
            Tensor x = c.t("input");
            return !c.has("dim") ? x.prod() : x.prod(c.i("dim"), c.b("keepdim", false));
        });
        for (String m : new String[] {"max", "min"}) {
            boolean max = m.equals("max");
            reg(both(m), "input dim= keepdim=", c -> {
                Tensor x = c.t("input");
                if (c.o("dim") instanceof Tensor other) {
                    return max ? x.maximum(other) : x.minimum(other);
                }
                if (!c.has("dim")) {
                    return max ? x.max() : x.min();
                }
                int d = c.i("dim");
                boolean k = c.b("keepdim", false);
                return max ? results(x.max(d, k), x.argmax(d, k)) : results(x.min(d, k), x.argmin(d, k));
            });
        }
        reg(both("amax"), "input dim= keepdim=", c -> c.t("input").amax(c.intsOr("dim", new int[0]),
                c.b("keepdim", false)));
        reg(both("amin"), "input dim= keepdim=", c -> c.t("input").amin(c.intsOr("dim", new int[0]),
                c.b("keepdim", false)));
        reg(both("argmax"), "input dim= keepdim=", c -> !c.has("dim") ? c.t("input").argmax()
                : c.t("input").argmax(c.i("dim"), c.b("keepdim", false)));
        reg(both("argmin"), "input dim= keepdim=", c -> !c.has("dim") ? c.t("input").argmin()
                : c.t("input").argmin(c.i("dim"), c.b("keepdim", false)));
        reg(both("any"), "input dim= keepdim=", c -> !c.has("dim") ? c.t("input").any()
                : c.t("input").any(c.ints("dim"), c.b("keepdim", false)));
        reg(both("all"), "input dim= keepdim=", c -> !c.has("dim") ? c.t("input").all()
                : c.t("input").all(c.ints("dim"), c.b("keepdim", false)));
        reg(both("logsumexp"), "input dim keepdim=", c -> c.t("input").logsumexp(c.ints("dim"),
                c.b("keepdim", false)));
        for (String m : new String[] {"std", "var"}) {
            boolean std = m.equals("std");
            reg(both(m), "input dim= unbiased= keepdim= correction=", c -> {
                Tensor x = c.t("input");
                int[] dims = dims(c, x);
                int correction = correction(c);
                boolean k = c.b("keepdim", false);
                return std ? x.std(dims, correction, k) : x.var(dims, correction, k);
            });
        }
        reg("torch.std_mean", "input dim= unbiased= keepdim= correction=", c -> {
            Tensor x = c.t("input");
            StdMean sm = x.stdMean(dims(c, x), correction(c), c.b("keepdim", false));
            return results(sm.std(), sm.mean());
        });
        for (String m : new String[] {"cumsum", "cumprod", "logcumsumexp"}) {
            reg(both(m), "input dim dtype=", c -> {
                noDtype(c);
                Tensor x = c.t("input");
                int d = c.i("dim");
                return switch (m) {
                    case "cumsum" -> x.cumsum(d);
                    case "cumprod" -> x.cumprod(d);
                    default -> x.logcumsumexp(d);
                };
            });
        }
        reg(both("cummax"), "input dim", c -> results(c.t("input").cummax(c.i("dim"))));
        reg(both("cummin"), "input dim", c -> results(c.t("input").cummin(c.i("dim"))));
        reg(both("sort"), "input dim= descending= stable=", c -> results(c.t("input").sort(c.i("dim", -1),
                c.b("descending", false), c.b("stable", false))));
        reg(both("argsort"), "input dim= descending= stable=", c -> c.t("input").argsort(c.i("dim", -1),
                c.b("descending", false), c.b("stable", false)));
        reg(both("topk"), "input k dim= largest= sorted=", c -> results(c.t("input").topk(c.i("k"),
                c.i("dim", -1), c.b("largest", true), c.b("sorted", true))));
        reg(both("norm"), "input p= dim= keepdim=", c -> {
            Tensor x = c.t("input");
            double p = c.d("p", 2);
            return !c.has("dim") ? x.norm(p) : x.norm(p, c.ints("dim"), c.b("keepdim", false));
        });
    }

    /** dim of std/var: a bool in dim's place is 1.13's std(unbiased) form. */
    private static int[] dims(Call c, Tensor x) {
        if (c.o("dim") instanceof Boolean) {
            throw new Unsupported(c.fn + "(unbiased) positional form");
        }
        if (!c.has("dim")) {
            int[] all = new int[x.dim()];
            for (int k = 0; k < all.length; k++) {
                all[k] = k;
            }
            return all;
        }
        return c.ints("dim");
    }

    private static int correction(Call c) {
        if (c.has("correction")) {
            return c.i("correction");
        }
        return c.b("unbiased", true) ? 1 : 0;
    }

    private static void noDtype(Call c) {
        if (c.has("dtype")) {
            throw new Unsupported(c.fn + "(dtype=...)");
        }
    }
}
