package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Holds Kiln's type promotion (issue 15) against PyTorch 1.13: the cases of
 * {@code fixtures/promotion.json}, written by {@code tools/make_promotion_fixtures.py}. Every binary
 * op over every pair of F32, F64, I32 and BOOL (dimensioned, broadcast and 0-d operands) and with
 * float and int scalars: the result dtype, the values, and the gradient of sum(out·w) of each
 * floating input in that input's own dtype; where PyTorch raises, Kiln must refuse with an
 * IllegalArgumentException. Then clamp with min &gt; max (scalar and tensor bounds, values and
 * gradients), in-place ops that would downcast, and torch.result_type / promote_types / can_cast.
 *
 * <p>PyTorch's int64 (an int scalar beside a BOOL tensor) is Kiln's widest integer dtype. Integers
 * and BOOL match exactly; floats within 1e-5·|t| + 1e-6 (F32) or 1e-12·|t| + 1e-12 (F64), NaN only
 * NaN. An F64 gradient of operands of mixed dtypes is held at F32 tolerance: PyTorch computes part of
 * it in float32 on the unpromoted operand (pow's log of an F32 or I32 base), Kiln all of it in F64.
 */
class PromotionFixturesTest {

    private static final boolean[] WHERE_COND = {true, false, true, false, false, true};

    private static final Map<String, BiFunction<Tensor, Tensor, Tensor>> OPS = Map.ofEntries(
            entry("add", Tensor::add), entry("sub", Tensor::sub), entry("mul", Tensor::mul), entry("div", Tensor::div),
            entry("div_trunc", (a, b) -> a.div(b, "trunc")), entry("div_floor", (a, b) -> a.div(b, "floor")),
            entry("pow", Tensor::pow), entry("remainder", Tensor::remainder), entry("fmod", Tensor::fmod),
            entry("atan2", Tensor::atan2), entry("maximum", Tensor::maximum), entry("minimum", Tensor::minimum),
            entry("copysign", Tensor::copysign), entry("eq", Tensor::eq), entry("ne", Tensor::ne), entry("lt", Tensor::lt),
            entry("le", Tensor::le), entry("gt", Tensor::gt), entry("ge", Tensor::ge),
            entry("logical_and", Tensor::logicalAnd), entry("logical_or", Tensor::logicalOr),
            entry("logical_xor", Tensor::logicalXor), entry("bitwise_and", Tensor::bitwiseAnd),
            entry("bitwise_or", Tensor::bitwiseOr), entry("bitwise_xor", Tensor::bitwiseXor),
            entry("where", (a, b) -> Tensor.where(cond(), a, b)),
            entry("add_", (a, b) -> a.clone().add_(b)), entry("sub_", (a, b) -> a.clone().sub_(b)),
            entry("mul_", (a, b) -> a.clone().mul_(b)), entry("div_", (a, b) -> a.clone().div_(b)));

    private static final Map<String, BiFunction<Tensor, Double, Tensor>> FLOAT_SCALAR_OPS = Map.ofEntries(
            entry("add", Tensor::add), entry("sub", Tensor::sub), entry("mul", Tensor::mul), entry("div", Tensor::div),
            entry("div_trunc", (a, v) -> a.div(v, "trunc")), entry("div_floor", (a, v) -> a.div(v, "floor")),
            entry("pow", Tensor::pow), entry("remainder", Tensor::remainder), entry("fmod", Tensor::fmod),
            entry("eq", Tensor::eq), entry("ne", Tensor::ne), entry("lt", Tensor::lt), entry("le", Tensor::le),
            entry("gt", Tensor::gt), entry("ge", Tensor::ge), entry("where", (a, v) -> Tensor.where(cond(), a, v)));

    private static final Map<String, BiFunction<Tensor, Long, Tensor>> INT_SCALAR_OPS = Map.ofEntries(
            entry("add", Tensor::add), entry("sub", Tensor::sub), entry("mul", Tensor::mul), entry("div", Tensor::div),
            entry("div_trunc", (a, v) -> a.div(v, "trunc")), entry("div_floor", (a, v) -> a.div(v, "floor")),
            entry("pow", Tensor::pow), entry("remainder", Tensor::remainder), entry("fmod", Tensor::fmod),
            entry("eq", Tensor::eq), entry("ne", Tensor::ne), entry("lt", Tensor::lt), entry("le", Tensor::le),
            entry("gt", Tensor::gt), entry("ge", Tensor::ge), entry("bitwise_and", Tensor::bitwiseAnd),
            entry("bitwise_or", Tensor::bitwiseOr), entry("bitwise_xor", Tensor::bitwiseXor),
            entry("where", (a, v) -> Tensor.where(cond(), a, v)));

    /** Bitwise ops take no float scalar in Kiln (no such overload compiles); PyTorch refuses them too. */
    private static final Set<String> NO_FLOAT_SCALAR = Set.of("bitwise_and", "bitwise_or", "bitwise_xor");

    private static final Map<String, Function<List<Tensor>, Tensor>> CLAMP_OPS = Map.of(
            "clamp_tensor", t -> t.get(0).clamp(t.get(1), t.get(2)),
            "clamp_tensor_min", t -> t.get(0).clampMin(t.get(1)),
            "clamp_tensor_max", t -> t.get(0).clampMax(t.get(1)));

    @TestFactory
    Stream<DynamicTest> pytorchPromotionFixtures() {
        return cases().stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> run(c)));
    }

    @Test
    void theFileCoversEveryOpDTypePairAndRefusal() {
        Set<String> ops = new TreeSet<>();
        cases().forEach(c -> ops.add((String) c.get("op")));
        assertThat(ops).containsAll(OPS.keySet()).containsAll(CLAMP_OPS.keySet())
                .contains("clamp", "result_type", "promote_types");
        assertThat(cases()).hasSizeGreaterThan(1500);
        assertThat(cases().stream().filter(c -> c.containsKey("error")).count()).isGreaterThan(150);
        assertThat(cases().stream().filter(c -> c.containsKey("grads")).count()).isGreaterThan(300);
    }

    private static List<Map<String, Object>> cases() {
        return Json.cases(PromotionFixturesTest.class, "promotion.json");
    }

    private static Tensor cond() {
        return Tensor.of(WHERE_COND).reshape(2, 3);
    }

    private static void run(Map<String, Object> c) {
        String op = (String) c.get("op");
        switch (op) {
            case "promote_types" -> {
                Map<String, Object> args = Json.map(c.get("args"));
                Map<String, Object> result = Json.map(c.get("result"));
                DType a = dtype((String) args.get("a"));
                DType b = dtype((String) args.get("b"));
                assertThat(DType.promoteTypes(a, b)).isEqualTo(dtype((String) result.get("dtype")));
                assertThat(DType.canCast(a, b)).isEqualTo(result.get("can_cast"));
                return;
            }
            case "result_type" -> {
                List<Tensor> in = inputs(c);
                DType expected = dtype((String) Json.map(c.get("result")).get("dtype"));
                assertThat(in.size() == 2 ? Tensor.resultType(in.get(0), in.get(1)) : scalarResultType(c, in.get(0)))
                        .isEqualTo(expected);
                return;
            }
            default -> {
            }
        }
        List<Tensor> in = inputs(c);
        Map<String, Object> scalar = c.containsKey("scalar") ? Json.map(c.get("scalar")) : null;
        if (scalar != null && scalar.get("kind").equals("float") && NO_FLOAT_SCALAR.contains(op)) {
            assertThat(c).as("PyTorch refuses a float scalar in " + op).containsKey("error");
            return;
        }
        Function<List<Tensor>, Tensor> call = call(op, c, scalar);
        if (c.containsKey("error")) {
            assertThatThrownBy(() -> call.apply(in)).as("PyTorch: " + c.get("error"))
                    .isInstanceOf(IllegalArgumentException.class);
            return;
        }
        Tensor out = call.apply(in);
        Map<String, Object> result = Json.map(c.get("result"));
        DType dtype = dtype((String) result.get("dtype"));
        assertThat(out.dtype()).as("result dtype").isEqualTo(dtype);
        assertThat(out.shape()).as("result shape").containsExactly(Json.ints(result.get("shape")));
        assertClose("result", values(out), Json.doubles(result.get("data")), dtype);
        if (!c.containsKey("grads")) {
            return;
        }
        double[] w = Json.doubles(c.get("weight"));
        out.mul(Tensor.of(w).to(out.dtype()).reshape(out.shape())).sum().backward();
        List<Object> grads = Json.list(c.get("grads"));
        // PyTorch's backward evaluates parts of an F64 gradient on the unpromoted operand (pow's log of an
        // F32 or I32 base, atan2's F32 other), in float32: compare at F32 tolerance where dtypes mix
        boolean mixed = in.stream().map(Tensor::dtype).distinct().count() > 1;
        for (int i = 0; i < in.size(); i++) {
            if (grads.get(i) == null) {
                continue;
            }
            Tensor g = in.get(i).grad();
            double[] expected = Json.doubles(grads.get(i));
            if (g == null) {
                assertThat(expected).as("input " + i + " gets no gradient, so PyTorch's is 0").containsOnly(0.0);
                continue;
            }
            assertThat(g.dtype()).as("gradient dtype of input " + i).isEqualTo(in.get(i).dtype());
            assertClose("gradient of input " + i, values(g), expected, mixed ? DType.F32 : g.dtype());
        }
    }

    private static Function<List<Tensor>, Tensor> call(String op, Map<String, Object> c, Map<String, Object> scalar) {
        if (op.equals("clamp")) {
            Map<String, Object> args = Json.map(c.get("args"));
            if (scalar != null && scalar.get("kind").equals("int")) {
                long lo = ((Number) args.get("min")).longValue();
                long hi = ((Number) args.get("max")).longValue();
                return t -> t.get(0).clamp(lo, hi);
            }
            double lo = ((Number) args.get("min")).doubleValue();
            double hi = ((Number) args.get("max")).doubleValue();
            return t -> t.get(0).clamp(lo, hi);
        }
        if (CLAMP_OPS.containsKey(op)) {
            return CLAMP_OPS.get(op);
        }
        if (scalar == null) {
            BiFunction<Tensor, Tensor, Tensor> f = OPS.get(op);
            assertThat(f).as("op " + op).isNotNull();
            return t -> f.apply(t.get(0), t.get(1));
        }
        double v = ((Number) scalar.get("value")).doubleValue();
        if (scalar.get("kind").equals("float")) {
            BiFunction<Tensor, Double, Tensor> f = FLOAT_SCALAR_OPS.get(op);
            assertThat(f).as("float scalar op " + op).isNotNull();
            return t -> f.apply(t.get(0), v);
        }
        BiFunction<Tensor, Long, Tensor> f = INT_SCALAR_OPS.get(op);
        assertThat(f).as("int scalar op " + op).isNotNull();
        return t -> f.apply(t.get(0), (long) v);
    }

    private static DType scalarResultType(Map<String, Object> c, Tensor a) {
        Map<String, Object> scalar = Json.map(c.get("scalar"));
        Object v = scalar.get("value");
        return switch ((String) scalar.get("kind")) {
            case "float" -> Tensor.resultType(a, ((Number) v).doubleValue());
            case "int" -> Tensor.resultType(a, ((Number) v).longValue());
            default -> Tensor.resultType(a, (Boolean) v);
        };
    }

    private static List<Tensor> inputs(Map<String, Object> c) {
        List<Tensor> in = new ArrayList<>();
        for (Object o : Json.list(c.get("inputs"))) {
            Map<String, Object> t = Json.map(o);
            Tensor x = tensor(dtype((String) t.get("dtype")), Json.ints(t.get("shape")), Json.doubles(t.get("data")));
            if (Boolean.TRUE.equals(t.get("grad"))) {
                x.requiresGrad(true);
            }
            in.add(x);
        }
        return in;
    }

    /** PyTorch's name as Kiln's dtype; int64 is Kiln's widest integer dtype (I32 until I64 exists). */
    private static DType dtype(String name) {
        return switch (name) {
            case "i64" -> Arrays.stream(DType.values()).filter(d -> d.name().equals("I64")).findFirst()
                    .orElse(DType.promoteTypes(DType.I32, DType.BOOL));
            default -> DType.valueOf(name.toUpperCase(Locale.ROOT));
        };
    }

    private static Tensor tensor(DType dtype, int[] shape, double[] d) {
        Tensor flat = switch (dtype) {
            case I32 -> Tensor.of(Arrays.stream(d).mapToInt(v -> (int) v).toArray());
            case BOOL -> {
                boolean[] b = new boolean[d.length];
                for (int i = 0; i < d.length; i++) {
                    b[i] = d[i] != 0;
                }
                yield Tensor.of(b);
            }
            default -> Tensor.of(d).to(dtype);
        };
        return flat.reshape(shape);
    }

    private static double[] values(Tensor t) {
        return t.dtype() == DType.BOOL ? toDoubles(t.toBooleanArray()) : t.detach().to(DType.F64).toDoubleArray();
    }

    private static double[] toDoubles(boolean[] b) {
        double[] d = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            d[i] = b[i] ? 1 : 0;
        }
        return d;
    }

    private static void assertClose(String what, double[] actual, double[] expected, DType dtype) {
        assertThat(actual).as(what + " length").hasSize(expected.length);
        boolean exact = !dtype.isFloatingPoint();
        double rtol = dtype == DType.F64 ? 1e-12 : 1e-5;
        double atol = dtype == DType.F64 ? 1e-12 : 1e-6;
        for (int i = 0; i < expected.length; i++) {
            double a = actual[i];
            double e = expected[i];
            boolean ok = exact ? a == e
                    : Double.isNaN(e) ? Double.isNaN(a)
                    : Double.isInfinite(e) ? a == e
                    : Math.abs(a - e) <= atol + rtol * Math.abs(e);
            assertThat(ok).as("%s[%d]: Kiln %s, PyTorch %s (all: %s vs %s)", what, i, a, e, Arrays.toString(actual),
                    Arrays.toString(expected)).isTrue();
        }
    }
}
