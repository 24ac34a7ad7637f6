package dev.kiln.tensor.spi;

/**
 * The bits of the 16-bit float types, held in a {@code short}: F16 is IEEE 754 half precision,
 * BF16 the top 16 bits of an F32. Conversions from float round to nearest even, as PyTorch's
 * {@code c10::Half} and {@code c10::BFloat16} do.
 */
public final class HalfFloats {
    /** The quiet NaN PyTorch writes for any NaN converted to BF16. */
    private static final short BF16_NAN = 0x7FC0;

    private HalfFloats() {
    }

    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    public static short floatToF16(float v) {
        return Float.floatToFloat16(v);
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    public static short floatToBf16(float v) {
        if (Float.isNaN(v)) {
            return BF16_NAN;
        }
        int bits = Float.floatToRawIntBits(v);
        // round to nearest, ties to the even upper half: add 0x7FFF plus the lowest kept bit
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}
