package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static dev.kiln.autograd.TorchFixturesTest.bool;
import static dev.kiln.autograd.TorchFixturesTest.dbl;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Holds {@code scaledDotProductAttention(q, k, v, attnMask, dropoutP, isCausal, scale)} against
 * PyTorch 2's math path written in PyTorch 1.13 ops: the cases of {@code fixtures/sdpa_masks.json},
 * written by {@code tools/make_sdpa_fixtures.py} (BOOL and float masks broadcast over batch and
 * heads or over keys, grouped heads, fully masked rows BOOL and float, −∞ in a float mask, Tq and
 * Tk across the fused kernels' tiles, causal without a mask), values and the gradients of q, k, v
 * and a float mask, F64 and F32 (F32 runs the fused CPU kernels when kernels-cpu runs this test).
 */
class SdpaMaskFixturesTest {

    @TestFactory
    Stream<DynamicNode> pytorchSdpaMaskFixtures() {
        return TorchFixturesTest.cases("sdpa_masks").stream().map(c -> DynamicContainer.dynamicContainer(
                (String) c.get("name"),
                Stream.of(DType.F64, DType.F32).map(d -> DynamicTest.dynamicTest(d.name(),
                        () -> TorchFixturesTest.run(c, d, OPS)))));
    }

    @Test
    void theFileIsNotTrivial() {
        assertThat(TorchFixturesTest.cases("sdpa_masks")).hasSizeGreaterThanOrEqualTo(18);
    }

    private static final Map<String, BiFunction<List<Tensor>, Map<String, Object>, Tensor>> OPS = Map.of(
            "sdpa", (x, a) -> Tensor.scaledDotProductAttention(x.get(0), x.get(1), x.get(2),
                    x.size() > 3 ? x.get(3) : null, 0.0, a.containsKey("is_causal") && bool(a, "is_causal"),
                    a.containsKey("scale") ? dbl(a, "scale") : Double.NaN, null));
}
