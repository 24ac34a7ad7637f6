package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
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

    private Simd() {
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
