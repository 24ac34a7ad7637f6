package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static dev.kiln.autograd.TorchFixturesTest.bool;
import static dev.kiln.autograd.TorchFixturesTest.dbl;
import static dev.kiln.autograd.TorchFixturesTest.integer;
import static dev.kiln.autograd.TorchFixturesTest.ints;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Holds the reductions, scans and sorting ops (issue 15) against PyTorch: the cases of
 * {@code fixtures/reduce.json}, written by {@code tools/make_reduce_fixtures.py}, run through
 * {@link TorchFixturesTest}'s runner in F64 and F32. NaN and infinities in the expected values
 * must be matched exactly. An op with two results is two fixture ops, one per result.
 */
class ReduceFixturesTest {

    @TestFactory
    Stream<DynamicNode> pytorchReduceFixtures() {
        return TorchFixturesTest.cases("reduce").stream().map(c -> DynamicContainer.dynamicContainer(
                (String) c.get("name"),
                Stream.of(DType.F64, DType.F32)
                        .map(d -> DynamicTest.dynamicTest(d.name(), () -> TorchFixturesTest.run(c, d, OPS)))));
    }

    @Test
    void everyFixtureOpIsMappedAndTheFileIsNotTrivial() {
        Set<String> ops = new TreeSet<>();
        List<Map<String, Object>> cases = TorchFixturesTest.cases("reduce");
        cases.forEach(c -> ops.add((String) c.get("op")));
        assertThat(OPS.keySet()).containsAll(ops);
        assertThat(ops).hasSizeGreaterThanOrEqualTo(41);
        assertThat(cases).hasSizeGreaterThanOrEqualTo(250);
    }

    private static Tensor prod(Tensor x, Map<String, Object> a) {
        return a.containsKey("dim") ? x.prod(integer(a, "dim"), bool(a, "keepdim")) : x.prod();
    }

    private static Tensor vectorNorm(Tensor x, Map<String, Object> a) {
        return a.containsKey("dim") ? x.vectorNorm(dbl(a, "ord"), ints(a, "dim"), bool(a, "keepdim"))
                : x.vectorNorm(dbl(a, "ord"), null, bool(a, "keepdim"));
    }

    private static Tensor norm(Tensor x, Map<String, Object> a) {
        return a.containsKey("dim") ? x.norm(dbl(a, "p"), integer(a, "dim"), bool(a, "keepdim")) : x.norm(dbl(a, "p"));
    }

    private static Tensor countNonzero(Tensor x, Map<String, Object> a) {
        if (!a.containsKey("dim")) {
            return x.countNonzero();
        }
        return a.get("dim") instanceof List<?> ? x.countNonzero(ints(a, "dim")) : x.countNonzero(integer(a, "dim"));
    }

    private static dev.kiln.tensor.MinMax aminmax(Tensor x, Map<String, Object> a) {
        return a.containsKey("dim") ? x.aminmax(integer(a, "dim"), bool(a, "keepdim")) : x.aminmax();
    }

    private static dev.kiln.tensor.ValuesIndices sort(Tensor x, Map<String, Object> a) {
        return x.sort(integer(a, "dim"), bool(a, "descending"), bool(a, "stable"));
    }

    private static dev.kiln.tensor.ValuesIndices topk(Tensor x, Map<String, Object> a) {
        return x.topk(integer(a, "k"), integer(a, "dim"), bool(a, "largest"), bool(a, "sorted"));
    }

    private static dev.kiln.tensor.ValuesIndices kthvalue(Tensor x, Map<String, Object> a) {
        return x.kthvalue(integer(a, "k"), integer(a, "dim"), bool(a, "keepdim"));
    }

    private static final Map<String, BiFunction<List<Tensor>, Map<String, Object>, Tensor>> OPS = Map.ofEntries(
            entry("prod", (x, a) -> prod(x.get(0), a)),
            entry("logsumexp", (x, a) -> x.get(0).logsumexp(ints(a, "dim"), bool(a, "keepdim"))),
            entry("std_correction", (x, a) -> x.get(0).std(ints(a, "dim"), integer(a, "correction"), bool(a, "keepdim"))),
            entry("var_mean_var", (x, a) -> x.get(0).varMean(ints(a, "dim"), integer(a, "correction"),
                    bool(a, "keepdim")).var()),
            entry("var_mean_mean", (x, a) -> x.get(0).varMean(ints(a, "dim"), integer(a, "correction"),
                    bool(a, "keepdim")).mean()),
            entry("std_mean_std", (x, a) -> x.get(0).stdMean(ints(a, "dim"), integer(a, "correction"),
                    bool(a, "keepdim")).std()),
            entry("std_mean_mean", (x, a) -> x.get(0).stdMean(ints(a, "dim"), integer(a, "correction"),
                    bool(a, "keepdim")).mean()),
            entry("any", (x, a) -> x.get(0).any(integer(a, "dim"), bool(a, "keepdim"))),
            entry("all", (x, a) -> x.get(0).all(integer(a, "dim"), bool(a, "keepdim"))),
            entry("vector_norm", (x, a) -> vectorNorm(x.get(0), a)),
            entry("norm", (x, a) -> norm(x.get(0), a)),
            entry("amax", (x, a) -> x.get(0).amax(ints(a, "dim"), bool(a, "keepdim"))),
            entry("amin", (x, a) -> x.get(0).amin(ints(a, "dim"), bool(a, "keepdim"))),
            entry("aminmax_min", (x, a) -> aminmax(x.get(0), a).min()),
            entry("aminmax_max", (x, a) -> aminmax(x.get(0), a).max()),
            entry("count_nonzero", (x, a) -> countNonzero(x.get(0), a)),
            entry("cumsum", (x, a) -> x.get(0).cumsum(integer(a, "dim"))),
            entry("cumprod", (x, a) -> x.get(0).cumprod(integer(a, "dim"))),
            entry("cummax", (x, a) -> x.get(0).cummax(integer(a, "dim")).values()),
            entry("cummax_indices", (x, a) -> x.get(0).cummax(integer(a, "dim")).indices()),
            entry("cummin", (x, a) -> x.get(0).cummin(integer(a, "dim")).values()),
            entry("cummin_indices", (x, a) -> x.get(0).cummin(integer(a, "dim")).indices()),
            entry("logcumsumexp", (x, a) -> x.get(0).logcumsumexp(integer(a, "dim"))),
            entry("sort", (x, a) -> sort(x.get(0), a).values()),
            entry("sort_indices", (x, a) -> sort(x.get(0), a).indices()),
            entry("argsort", (x, a) -> x.get(0).argsort(integer(a, "dim"), bool(a, "descending"))),
            entry("topk", (x, a) -> topk(x.get(0), a).values()),
            entry("topk_indices", (x, a) -> topk(x.get(0), a).indices()),
            entry("kthvalue", (x, a) -> kthvalue(x.get(0), a).values()),
            entry("kthvalue_indices", (x, a) -> kthvalue(x.get(0), a).indices()),
            entry("median_all", (x, a) -> x.get(0).median()),
            entry("median", (x, a) -> x.get(0).median(integer(a, "dim"), bool(a, "keepdim")).values()),
            entry("median_indices", (x, a) -> x.get(0).median(integer(a, "dim"), bool(a, "keepdim")).indices()),
            entry("mode", (x, a) -> x.get(0).mode(integer(a, "dim"), bool(a, "keepdim")).values()),
            entry("mode_indices", (x, a) -> x.get(0).mode(integer(a, "dim"), bool(a, "keepdim")).indices()),
            entry("unique", (x, a) -> x.get(0).unique(true)),
            entry("unique_inverse", (x, a) -> x.get(0).unique(true, true, false).inverseIndices()),
            entry("unique_counts", (x, a) -> x.get(0).unique(true, false, true).counts()),
            entry("unique_dim", (x, a) -> x.get(0).unique(true, false, false, integer(a, "dim")).output()),
            entry("unique_dim_inverse", (x, a) -> x.get(0).unique(true, true, false, integer(a, "dim")).inverseIndices()),
            entry("unique_dim_counts", (x, a) -> x.get(0).unique(true, false, true, integer(a, "dim")).counts()));
}
