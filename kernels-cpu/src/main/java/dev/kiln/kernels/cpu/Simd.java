package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one place kernels take their vector species from. Chosen at start from the hardware's
 * preferred width, or forced with {@code -Dkiln.simd=512|256|128|scalar} (tests run every width
 * in a JVM of its own). With "scalar" kernels take their scalar paths only.
 */
public final class Simd {
    /** The float species every kernel uses. */
    public static final VectorSpecies<Float> F32 = chooseF32();
    /** False when forced to scalar: kernels then run only their scalar loops. */
    public static final boolean ENABLED = !"scalar".equals(requested());

    /* Rotations by 8, 4, 2 and 1 lanes, for the fixed-order lane sum. */
    private static final VectorShuffle<Float> ROT8 = VectorShuffle.iota(F32, 8, 1, true);
    private static final VectorShuffle<Float> ROT4 = VectorShuffle.iota(F32, 4, 1, true);
    private static final VectorShuffle<Float> ROT2 = VectorShuffle.iota(F32, 2, 1, true);
    private static final VectorShuffle<Float> ROT1 = VectorShuffle.iota(F32, 1, 1, true);

    static {
        // before any kernel is compiled: kernels read Simd first (see JitDirectives for why)
        JitDirectives.begin();
    }

    private Simd() {
    }

    /**
     * The sum of v's lanes, added in one fixed tree order. Kernels use this, not
     * {@code reduceLanes(ADD)}: that one adds in another order in its Java fallback than in C2's
     * compiled code, so a result would depend on whether the JIT had compiled the kernel yet (and
     * a resumed training run would not repeat the uninterrupted one bit for bit). Lanewise adds and
     * shuffles give the same bits either way.
     */
    public static float sum(FloatVector v) {
        int n = v.length();
        if (n >= 16) {
            v = v.add(v.rearrange(ROT8));
        }
        if (n >= 8) {
            v = v.add(v.rearrange(ROT4));
        }
        if (n >= 4) {
            v = v.add(v.rearrange(ROT2));
        }
        v = v.add(v.rearrange(ROT1));
        return v.lane(0);
    }

    private static String requested() {
        String p = System.getProperty("kiln.simd");
        return p == null ? "" : p.trim().toLowerCase(java.util.Locale.ROOT);
    }

    private static VectorSpecies<Float> chooseF32() {
        return switch (requested()) {
            case "", "auto", "preferred" -> FloatVector.SPECIES_PREFERRED;
            case "512" -> FloatVector.SPECIES_512;
            case "256" -> FloatVector.SPECIES_256;
            case "128" -> FloatVector.SPECIES_128;
            case "scalar" -> FloatVector.SPECIES_64; // unused: ENABLED is false
            default -> throw new IllegalArgumentException("kiln.simd: expected 512, 256, 128 or scalar, got '"
                    + System.getProperty("kiln.simd") + "'");
        };
    }

    /** "AVX-512 (16 floats)" style description for the start-up log line. */
    public static String describe() {
        if (!ENABLED) {
            return "scalar (forced)";
        }
        int bits = F32.vectorBitSize();
        String name = switch (bits) {
            case 512 -> "512-bit (AVX-512)";
            case 256 -> "256-bit (AVX2)";
            case 128 -> "128-bit (SSE/NEON)";
            default -> bits + "-bit";
        };
        return name + ", " + F32.length() + " floats per vector"
                + (F32.vectorShape() == VectorShape.preferredShape() ? "" : " (forced)");
    }
}
