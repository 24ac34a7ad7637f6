package dev.kiln.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.tensor.testing.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Kiln's dtypes against PyTorch 1.13 (tools/make_dtype_fixtures.py): every conversion between two
 * dtypes, bitcasts ({@code view(dtype)}) and a few ops on each dtype, compared bit for bit (NaN as
 * NaN) except where noted.
 */
class DTypeFixturesTest {
    private static final List<Map<String, Object>> CASES = Json.cases(DTypeFixturesTest.class, "dtype.json");

    @TestFactory
    Stream<DynamicTest> conversionsMatchPyTorch() {
        return cases("convert").map(c -> DynamicTest.dynamicTest(name(c), () -> {
            Tensor x = input(c, "input", "shape", "from");
            Tensor y = x.to(dtype(c, "to"));
            assertThat(y.dtype()).isEqualTo(dtype(c, "to"));
            if (Boolean.TRUE.equals(c.get("undefined"))) {
                // C++ leaves these undefined; Kiln narrows as Java does (docs/OPS.md)
                assertSame(y, javaNarrowing(x.toDoubleArray(), dtype(c, "to")), name(c));
            } else {
                assertSame(y, strings(c, "output"), name(c));
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> bitcastsMatchPyTorch() {
        return cases("bitcast").map(c -> DynamicTest.dynamicTest(name(c), () -> {
            Tensor x = input(c, "input", "shape", "from");
            Tensor y = x.view(dtype(c, "to"));
            assertThat(y.shape()).containsExactly(Json.ints(c.get("outShape")));
            assertSame(y, strings(c, "output"), name(c));
        }));
    }

    @TestFactory
    Stream<DynamicTest> opsMatchPyTorch() {
        return cases("op").map(c -> DynamicTest.dynamicTest(name(c), () -> {
            Tensor x = input(c, "input", "shape", "from");
            String op = (String) c.get("op");
            Tensor y;
            if (c.containsKey("other")) {
                int[] otherShape = c.containsKey("otherShape") ? Json.ints(c.get("otherShape")) : x.shape();
                Tensor other = parse(strings(c, "other"), otherShape, x.dtype());
                y = BINARY.get(op).apply(x, other);
            } else {
                y = UNARY.get(op).apply(x);
            }
            assertThat(y.shape()).containsExactly(Json.ints(c.get("outShape")));
            if (op.equals("sum") && y.dtype() != x.dtype() && x.dtype().isIntegral()) {
                y = y.to(x.dtype()); // the fixture holds PyTorch's int64 sum narrowed to the input dtype
            }
            assertThat(y.dtype()).isEqualTo(dtype(c, "to"));
            if (x.dtype().isReducedFloat() && (op.equals("sum") || op.equals("softmax") || op.equals("cumsum")
                    || op.equals("matmul") || op.equals("exp") || op.equals("tanh"))) {
                // summed or evaluated in F32 in another order or with another libm: one 16-bit ulp
                assertClose(y, strings(c, "output"), x.dtype(), name(c));
            } else {
                assertSame(y, strings(c, "output"), name(c));
            }
        }));
    }

    private static final Map<String, BiFunction<Tensor, Tensor, Tensor>> BINARY = Map.ofEntries(
            Map.entry("add", Tensor::add), Map.entry("sub", Tensor::sub), Map.entry("mul", Tensor::mul),
            Map.entry("maximum", Tensor::maximum), Map.entry("minimum", Tensor::minimum),
            Map.entry("eq", Tensor::eq), Map.entry("lt", Tensor::lt), Map.entry("ge", Tensor::ge),
            Map.entry("bitwise_and", Tensor::bitwiseAnd), Map.entry("bitwise_or", Tensor::bitwiseOr),
            Map.entry("bitwise_xor", Tensor::bitwiseXor), Map.entry("matmul", Tensor::matmul));

    private static final Map<String, Function<Tensor, Tensor>> UNARY = Map.of(
            "neg", Tensor::neg, "abs", Tensor::abs, "sum", Tensor::sum, "exp", Tensor::exp, "tanh", Tensor::tanh,
            "sqrt", t -> t.abs().sqrt(), "softmax", t -> t.softmax(0), "cumsum", t -> t.cumsum(0),
            "bitwise_not", Tensor::bitwiseNot);

    private static Stream<Map<String, Object>> cases(String kind) {
        return CASES.stream().filter(c -> kind.equals(c.get("kind")));
    }

    private static String name(Map<String, Object> c) {
        return (String) c.get("name");
    }

    private static DType dtype(Map<String, Object> c, String key) {
        return DType.valueOf((String) c.get(key));
    }

    private static List<String> strings(Map<String, Object> c, String key) {
        List<String> out = new ArrayList<>();
        for (Object o : Json.list(c.get(key))) {
            out.add((String) o);
        }
        return out;
    }

    private static Tensor input(Map<String, Object> c, String values, String shape, String dtype) {
        return parse(strings(c, values), Json.ints(c.get(shape)), dtype(c, dtype));
    }

    /** Integers go through I64 (exact), floats through F64 (exact for every float dtype's values). */
    static Tensor parse(List<String> values, int[] shape, DType dtype) {
        if (dtype.isFloatingPoint()) {
            double[] d = values.stream().mapToDouble(Double::parseDouble).toArray();
            return Tensor.of(d).to(dtype).reshape(shape);
        }
        long[] l = values.stream().mapToLong(Long::parseLong).toArray();
        return Tensor.of(l).to(dtype).reshape(shape);
    }

    /** Java's narrowing of each double to the integer dtype (JLS 5.1.3), the rule Kiln follows. */
    private static List<String> javaNarrowing(double[] v, DType to) {
        List<String> out = new ArrayList<>();
        for (double d : v) {
            long r = switch (to) {
                case I64 -> (long) d;
                case I32 -> (int) d;
                case I8 -> (byte) (int) d;
                case U8 -> (int) d & 0xFF;
                default -> throw new IllegalArgumentException(to.toString());
            };
            out.add(Long.toString(r));
        }
        return out;
    }

    private static void assertSame(Tensor y, List<String> want, String what) {
        assertThat(y.numel()).as(what).isEqualTo(want.size());
        if (y.dtype().isFloatingPoint()) {
            double[] got = y.toDoubleArray();
            for (int i = 0; i < got.length; i++) {
                double w = Double.parseDouble(want.get(i));
                assertThat(Double.doubleToLongBits(got[i])).as(what + " [" + i + "]: " + got[i] + " vs " + w)
                        .isEqualTo(Double.doubleToLongBits(w));
            }
        } else {
            long[] got = y.toLongArray();
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).as(what + " [" + i + "]").isEqualTo(Long.parseLong(want.get(i)));
            }
        }
    }

    /** Within one unit in the last place of the 16-bit dtype (8 bits of mantissa for BF16, 11 for F16). */
    private static void assertClose(Tensor y, List<String> want, DType dtype, String what) {
        double[] got = y.toDoubleArray();
        int bits = dtype == DType.BF16 ? 8 : 11;
        for (int i = 0; i < got.length; i++) {
            double w = Double.parseDouble(want.get(i));
            double ulp = Math.scalb(1.0, Math.getExponent(w) - (bits - 1));
            assertThat(Math.abs(got[i] - w)).as(what + " [" + i + "]: " + got[i] + " vs " + w).isLessThanOrEqualTo(ulp);
        }
    }
}
