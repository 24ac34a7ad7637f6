package dev.kiln.tensor;

import java.util.Arrays;
import java.util.Comparator;

/**
 * PyTorch's type promotion: which dtype an op on operands of several dtypes computes in and returns
 * ({@code torch.result_type}, {@code torch.promote_types}, {@code torch.can_cast}).
 *
 * <p>The rules are written over a dtype's category (bool &lt; integer &lt; floating) and its byte
 * size, never over a list of dtypes, so a new {@link DType} constant falls into place:
 * <ul>
 *   <li>between dtypes, the higher category wins; in one category, the wider; two different dtypes
 *       of one width (F16 and BF16, I8 and U8) meet in the narrowest wider dtype of their category
 *       (PyTorch: float32, int16);</li>
 *   <li>among an op's operands, dimensioned tensors decide, a 0-d tensor only where its category is
 *       higher, and a Java scalar after both, again only by category. A floating scalar counts as
 *       the default dtype F32, an integer one as the widest integer dtype (PyTorch's int64), a
 *       boolean as BOOL.</li>
 * </ul>
 */
final class TypePromotion {
    private TypePromotion() {
    }

    /** The kinds of dtype, in promotion order. */
    enum Category {
        BOOL, INTEGER, FLOATING
    }

    /** PyTorch's default dtype: what integer operands of true division or a float scalar become. */
    static final DType DEFAULT_FLOAT = DType.F32;

    static Category category(DType d) {
        if (d == DType.BOOL) {
            return Category.BOOL;
        }
        return d.isFloatingPoint() ? Category.FLOATING : Category.INTEGER;
    }

    static boolean isFloating(DType d) {
        return category(d) == Category.FLOATING;
    }

    /** torch.promote_types: the smallest dtype both a and b convert to without losing their kind. */
    static DType promoteTypes(DType a, DType b) {
        if (a == null || b == null) {
            throw new IllegalArgumentException("promoteTypes: dtypes must not be null, got " + a + " and " + b);
        }
        if (a == b) {
            return a;
        }
        Category ca = category(a);
        Category cb = category(b);
        if (ca != cb) {
            return ca.compareTo(cb) > 0 ? a : b;
        }
        if (a.byteSize() != b.byteSize()) {
            return a.byteSize() > b.byteSize() ? a : b;
        }
        int width = a.byteSize();
        return Arrays.stream(DType.values())
                .filter(d -> category(d) == ca && d.byteSize() > width)
                .min(Comparator.comparingInt(DType::byteSize))
                .orElseThrow(() -> new IllegalArgumentException("promoteTypes: no " + ca.name().toLowerCase(
                        java.util.Locale.ROOT) + " dtype is wider than " + a + " and " + b));
    }

    /** torch.can_cast: whether a result of type from may be written into a tensor of type to (no lower category). */
    static boolean canCast(DType from, DType to) {
        if (from == null || to == null) {
            throw new IllegalArgumentException("canCast: dtypes must not be null, got " + from + " and " + to);
        }
        return category(from).compareTo(category(to)) <= 0;
    }

    /** The dtype a Java scalar stands for: F32 for a floating one, the widest integer dtype (PyTorch's int64), BOOL. */
    static DType scalarType(Category kind) {
        return switch (kind) {
            case BOOL -> DType.BOOL;
            case FLOATING -> DEFAULT_FLOAT;
            case INTEGER -> Arrays.stream(DType.values())
                    .filter(d -> category(d) == Category.INTEGER)
                    .max(Comparator.comparingInt(DType::byteSize))
                    .orElseThrow();
        };
    }

    /** torch.result_type of tensors and Java scalars (given by their {@link #scalarType}); null tensors are skipped. */
    static DType resultType(Tensor[] tensors, DType... scalars) {
        DType dimensioned = null;
        DType zeroDim = null;
        DType wrapped = null;
        for (Tensor t : tensors) {
            if (t == null) {
                continue;
            }
            if (t.dim() == 0) {
                zeroDim = promote(zeroDim, t.dtype());
            } else {
                dimensioned = promote(dimensioned, t.dtype());
            }
        }
        for (DType s : scalars) {
            wrapped = promote(wrapped, s);
        }
        DType r = combine(dimensioned, combine(zeroDim, wrapped));
        if (r == null) {
            throw new IllegalArgumentException("resultType: needs at least one operand");
        }
        return r;
    }

    static DType resultType(Tensor a, Tensor b) {
        return resultType(new Tensor[] {a, b});
    }

    static DType resultType(Tensor a, Category scalar) {
        return resultType(new Tensor[] {a}, scalarType(scalar));
    }

    private static DType promote(DType a, DType b) {
        return a == null ? b : promoteTypes(a, b);
    }

    /** A lower-priority group changes the result only by raising its category (c10's combine_categories). */
    private static DType combine(DType higher, DType lower) {
        if (higher == null) {
            return lower;
        }
        if (lower == null || isFloating(higher)) {
            return higher;
        }
        if (higher == DType.BOOL || isFloating(lower)) {
            return promoteTypes(higher, lower);
        }
        return higher;
    }

    /** The in-place check: op_'s result type must be castable to self's dtype, as PyTorch. */
    static void checkInPlace(String op, DType result, Tensor self) {
        if (!canCast(result, self.dtype())) {
            throw new IllegalArgumentException(op + ": the result type " + result + " cannot be cast to the desired "
                    + "output type " + self.dtype() + " of the tensor " + Shapes.str(self.shape())
                    + "; use the out-of-place op or convert the tensor with to(dtype) first");
        }
    }
}
