package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.LossFunctions;
import dev.kiln.tensor.Reduction;
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
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Holds the losses of issue 15 against PyTorch: the cases of {@code fixtures/loss_functions.json},
 * written by {@code tools/make_loss_fixtures.py}, run through {@link TorchFixturesTest}'s runner
 * (same leaves, views, weights and tolerances, F64 and F32). Reductions go through the String
 * overloads, so PyTorch's spelling is tested too; optional inputs are found by the position the
 * case's args give them.
 */
class LossFixturesTest {

    @TestFactory
    Stream<DynamicNode> pytorchLossFixtures() {
        return TorchFixturesTest.cases("loss_functions").stream().map(c -> DynamicContainer.dynamicContainer(
                (String) c.get("name"),
                Stream.of(DType.F64, DType.F32).map(d -> DynamicTest.dynamicTest(d.name(),
                        () -> TorchFixturesTest.run(c, d, OPS)))));
    }

    @Test
    void everyFixtureOpIsMappedAndTheFileIsNotTrivial() {
        Set<String> ops = new TreeSet<>();
        List<Map<String, Object>> cases = TorchFixturesTest.cases("loss_functions");
        cases.forEach(c -> ops.add((String) c.get("op")));
        assertThat(OPS.keySet()).containsAll(ops);
        assertThat(ops).hasSizeGreaterThanOrEqualTo(13);
        assertThat(cases).hasSizeGreaterThanOrEqualTo(100);
    }

    /** The input at the position args[key] names, or null when the case has none. */
    private static Tensor opt(List<Tensor> x, Map<String, Object> a, String key) {
        return a.get(key) instanceof Number n ? x.get(n.intValue()) : null;
    }

    private static String red(Map<String, Object> a) {
        return (String) a.get("reduction");
    }

    private static int ignore(Map<String, Object> a) {
        return a.containsKey("ignore_index") ? integer(a, "ignore_index") : -100;
    }

    private static final Map<String, BiFunction<List<Tensor>, Map<String, Object>, Tensor>> OPS = Map.ofEntries(
            entry("nll_loss", (x, a) -> x.get(0).nllLoss(x.get(1), opt(x, a, "weight"), ignore(a), red(a))),
            entry("cross_entropy_full", (x, a) -> x.get(0).crossEntropy(x.get(1), opt(x, a, "weight"), ignore(a),
                    red(a), a.containsKey("label_smoothing") ? dbl(a, "label_smoothing") : 0)),
            entry("log_softmax_nll", (x, a) -> x.get(0).logSoftmax(1).nllLoss(x.get(1), null, -100,
                    Reduction.of(red(a)))),
            entry("binary_cross_entropy", (x, a) -> LossFunctions.binaryCrossEntropy(x.get(0), x.get(1),
                    opt(x, a, "weight"), Reduction.of(red(a)))),
            entry("binary_cross_entropy_with_logits", (x, a) -> LossFunctions.binaryCrossEntropyWithLogits(x.get(0),
                    x.get(1), opt(x, a, "weight"), Reduction.of(red(a)), opt(x, a, "pos_weight"))),
            entry("l1_loss", (x, a) -> LossFunctions.l1Loss(x.get(0), x.get(1), Reduction.of(red(a)))),
            entry("smooth_l1_loss", (x, a) -> LossFunctions.smoothL1Loss(x.get(0), x.get(1), Reduction.of(red(a)),
                    dbl(a, "beta"))),
            entry("huber_loss", (x, a) -> LossFunctions.huberLoss(x.get(0), x.get(1), Reduction.of(red(a)),
                    dbl(a, "delta"))),
            entry("kl_div", (x, a) -> LossFunctions.klDiv(x.get(0), x.get(1), Reduction.of(red(a)),
                    bool(a, "log_target"))),
            entry("cosine_similarity", (x, a) -> x.get(0).cosineSimilarity(x.get(1), integer(a, "dim"),
                    dbl(a, "eps"))),
            entry("cosine_embedding_loss", (x, a) -> LossFunctions.cosineEmbeddingLoss(x.get(0), x.get(1), x.get(2),
                    dbl(a, "margin"), Reduction.of(red(a)))),
            entry("margin_ranking_loss", (x, a) -> LossFunctions.marginRankingLoss(x.get(0), x.get(1), x.get(2),
                    dbl(a, "margin"), Reduction.of(red(a)))),
            entry("triplet_margin_loss", (x, a) -> LossFunctions.tripletMarginLoss(x.get(0), x.get(1), x.get(2),
                    dbl(a, "margin"), dbl(a, "p"), dbl(a, "eps"), bool(a, "swap"), Reduction.of(red(a)))));
}
