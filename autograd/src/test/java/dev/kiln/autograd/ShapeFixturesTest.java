package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.Json;
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
 * Holds the shape, indexing and creation ops (issue 15) against PyTorch: the cases of
 * {@code fixtures/shape.json}, written by {@code tools/make_shape_fixtures.py}, run through
 * {@link TorchFixturesTest}'s runner (same leaves, views, weights and tolerances, F64 and F32).
 * Ops with several results are compared concatenated, as the script records them.
 */
class ShapeFixturesTest {

    /** Ops that make a tensor from scalars: F32, PyTorch's default dtype, so they run in F32 only. */
    private static final Set<String> DEFAULT_DTYPE = Set.of("eye", "logspace", "where_scalars");

    @TestFactory
    Stream<DynamicNode> pytorchShapeFixtures() {
        return TorchFixturesTest.cases("shape").stream().map(c -> DynamicContainer.dynamicContainer(
                (String) c.get("name"),
                Stream.of(DType.F64, DType.F32)
                        .filter(d -> d == DType.F32 || !DEFAULT_DTYPE.contains((String) c.get("op")))
                        .map(d -> DynamicTest.dynamicTest(d.name(), () -> TorchFixturesTest.run(c, d, OPS)))));
    }

    @Test
    void everyFixtureOpIsMappedAndTheFileIsNotTrivial() {
        Set<String> ops = new TreeSet<>();
        List<Map<String, Object>> cases = TorchFixturesTest.cases("shape");
        cases.forEach(c -> ops.add((String) c.get("op")));
        assertThat(OPS.keySet()).containsAll(ops);
        assertThat(ops).hasSizeGreaterThanOrEqualTo(40);
        assertThat(cases).hasSizeGreaterThanOrEqualTo(100);
    }

    private static Tensor flatCat(List<Tensor> parts) {
        return Tensor.cat(parts.stream().map(p -> p.reshape(-1)).toList(), 0);
    }

    private static Integer optDim(Map<String, Object> a, String key) {
        return a.get(key) instanceof Number n ? n.intValue() : null;
    }

    private static Tensor index(List<Tensor> x, Map<String, Object> a) {
        List<Object> pattern = Json.list(a.get("pattern"));
        Tensor[] idx = new Tensor[pattern.size()];
        int next = 1;
        for (int i = 0; i < idx.length; i++) {
            idx[i] = pattern.get(i) == null ? null : x.get(next++);
        }
        return x.get(0).index(idx);
    }

    private static Tensor indexPut(List<Tensor> x, Map<String, Object> a) {
        List<Object> pattern = Json.list(a.get("pattern"));
        Tensor[] idx = new Tensor[pattern.size()];
        int next = 1;
        for (int i = 0; i < idx.length; i++) {
            idx[i] = pattern.get(i) == null ? null : x.get(next++);
        }
        return x.getFirst().indexPut(idx, x.getLast(), bool(a, "accumulate"));
    }

    private static Tensor roll(Tensor x, Map<String, Object> a) {
        if (a.get("shifts") instanceof List<?>) {
            return x.roll(ints(a, "shifts"), ints(a, "dims"));
        }
        return a.containsKey("dims") ? x.roll(integer(a, "shifts"), integer(a, "dims")) : x.roll(integer(a, "shifts"));
    }

    private static List<Tensor> split(Tensor x, Map<String, Object> a) {
        Object s = a.get("split_size_or_sections");
        return s instanceof List<?> ? x.split(ints(a, "split_size_or_sections"), integer(a, "dim"))
                : x.split(((Number) s).intValue(), integer(a, "dim"));
    }

    private static final Map<String, BiFunction<List<Tensor>, Map<String, Object>, Tensor>> OPS = Map.ofEntries(
            entry("flip", (x, a) -> x.get(0).flip(ints(a, "dims"))),
            entry("roll", (x, a) -> roll(x.get(0), a)),
            entry("repeat", (x, a) -> x.get(0).repeat(ints(a, "repeats"))),
            entry("tile", (x, a) -> x.get(0).tile(ints(a, "dims"))),
            entry("repeat_interleave", (x, a) -> a.containsKey("dim")
                    ? x.get(0).repeatInterleave(integer(a, "repeats"), integer(a, "dim"))
                    : x.get(0).repeatInterleave(integer(a, "repeats"))),
            entry("repeat_interleave_tensor", (x, a) -> x.get(0).repeatInterleave(x.get(1), integer(a, "dim"))),
            entry("split", (x, a) -> flatCat(split(x.get(0), a))),
            entry("chunk", (x, a) -> flatCat(x.get(0).chunk(integer(a, "chunks"), integer(a, "dim")))),
            entry("unbind", (x, a) -> Tensor.stack(x.get(0).unbind(integer(a, "dim")), 0)),
            entry("unflatten", (x, a) -> x.get(0).unflatten(integer(a, "dim"), ints(a, "sizes"))),
            entry("movedim_list", (x, a) -> x.get(0).movedim(ints(a, "source"), ints(a, "destination"))),
            entry("swapaxes", (x, a) -> x.get(0).swapaxes(integer(a, "axis0"), integer(a, "axis1"))),
            entry("tril", (x, a) -> x.get(0).tril(integer(a, "diagonal"))),
            entry("triu", (x, a) -> x.get(0).triu(integer(a, "diagonal"))),
            entry("diag", (x, a) -> x.get(0).diag(integer(a, "diagonal"))),
            entry("diagonal", (x, a) -> x.get(0).diagonal(integer(a, "offset"), integer(a, "dim1"), integer(a, "dim2"))),
            entry("trace", (x, a) -> x.get(0).trace()),
            entry("unfold", (x, a) -> x.get(0).unfold(integer(a, "dimension"), integer(a, "size"), integer(a, "step"))),
            entry("pad", (x, a) -> x.get(0).pad(ints(a, "pad"), (String) a.get("mode"),
                    a.containsKey("value") ? dbl(a, "value") : 0)),
            entry("masked_fill", (x, a) -> x.get(0).maskedFill(x.get(1), dbl(a, "value"))),
            entry("masked_fill_tensor", (x, a) -> x.get(0).maskedFill(x.get(1), x.get(2))),
            entry("masked_select", (x, a) -> x.get(0).maskedSelect(x.get(1))),
            entry("masked_scatter", (x, a) -> x.get(0).maskedScatter(x.get(1), x.get(2))),
            entry("scatter", (x, a) -> x.get(0).scatter(integer(a, "dim"), x.get(1), x.get(2))),
            entry("scatter_value", (x, a) -> x.get(0).scatter(integer(a, "dim"), x.get(1), dbl(a, "value"))),
            entry("scatter_reduce_arg", (x, a) -> x.get(0).scatter(integer(a, "dim"), x.get(1), x.get(2),
                    (String) a.get("reduce"))),
            entry("scatter_value_reduce_arg", (x, a) -> x.get(0).scatter(integer(a, "dim"), x.get(1), dbl(a, "value"),
                    (String) a.get("reduce"))),
            entry("scatter_reduce", (x, a) -> x.get(0).scatterReduce(integer(a, "dim"), x.get(1), x.get(2),
                    (String) a.get("reduce"), bool(a, "include_self"))),
            entry("take", (x, a) -> x.get(0).take(x.get(1))),
            entry("take_along_dim", (x, a) -> optDim(a, "dim") == null ? x.get(0).takeAlongDim(x.get(1))
                    : x.get(0).takeAlongDim(x.get(1), integer(a, "dim"))),
            entry("nonzero", (x, a) -> x.get(0).nonzero()),
            entry("one_hot", (x, a) -> a.containsKey("num_classes") ? x.get(0).oneHot(integer(a, "num_classes"))
                    : x.get(0).oneHot()),
            entry("meshgrid", (x, a) -> flatCat(Tensor.meshgrid(x, (String) a.get("indexing")))),
            entry("cartesian_prod", (x, a) -> Tensor.cartesianProd(x.toArray(new Tensor[0]))),
            entry("searchsorted", (x, a) -> Tensor.searchsorted(x.get(0), x.get(1), false, bool(a, "right"), null, null)),
            entry("bucketize", (x, a) -> Tensor.bucketize(x.get(0), x.get(1), false, bool(a, "right"))),
            entry("histc", (x, a) -> x.get(0).histc(integer(a, "bins"), dbl(a, "min"), dbl(a, "max"))),
            entry("index", ShapeFixturesTest::index),
            entry("index_put", ShapeFixturesTest::indexPut),
            entry("einsum", (x, a) -> Tensor.einsum((String) a.get("equation"), x)),
            entry("where_scalars", (x, a) -> Tensor.where(x.get(0), dbl(a, "a"), dbl(a, "b"))),
            entry("eye", (x, a) -> Tensor.eye(integer(a, "n"), integer(a, "m"))),
            entry("arange_int", (x, a) -> Tensor.arange(integer(a, "start"), integer(a, "end"), integer(a, "step"))),
            entry("logspace", (x, a) -> Tensor.logspace(dbl(a, "start"), dbl(a, "end"), integer(a, "steps"),
                    dbl(a, "base"))));
}
