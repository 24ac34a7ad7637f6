package dev.kiln.tensor;

/**
 * A seeded source of random numbers that gives the same sequence on every machine and JDK:
 * xoshiro256** seeded through SplitMix64, normals by the Box–Muller transform with
 * {@link StrictMath} (whose results are specified bit for bit, unlike {@link Math}'s).
 * Not thread-safe: give each thread its own generator.
 */
public final class Generator {
    private long s0;
    private long s1;
    private long s2;
    private long s3;
    private double spareNormal;
    private boolean hasSpare;

    public Generator(long seed) {
        manualSeed(seed);
    }

    /** Restarts the sequence from a seed (PyTorch's {@code manual_seed}). */
    public void manualSeed(long seed) {
        long x = seed;
        x += 0x9E3779B97F4A7C15L;
        s0 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s1 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s2 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s3 = mix(x);
        hasSpare = false;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** 64 uniformly random bits. */
    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform integer in [0, bound), without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("Generator.nextInt: bound must be positive, got " + bound);
        }
        long limit = (1L << 32) - ((1L << 32) % bound);
        while (true) {
            long r = nextLong() >>> 32;
            if (r < limit) {
                return (int) (r % bound);
            }
        }
    }

    /** Standard normal. */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareNormal;
        }
        double u1 = 1.0 - nextDouble(); // (0, 1]: log is finite
        double u2 = nextDouble();
        double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
        double theta = 2.0 * Math.PI * u2;
        spareNormal = r * StrictMath.sin(theta);
        hasSpare = true;
        return r * StrictMath.cos(theta);
    }

    /**
     * The whole state (PyTorch's {@code get_state}): the four xoshiro256** words, then the pending
     * Box–Muller normal as raw double bits and 1 if it is pending, else 0. {@link #setState} on any
     * generator continues this one's sequence bit for bit, so a run that saves it in a checkpoint
     * (Dropout masks, noise) resumes exactly.
     */
    public long[] getState() {
        return new long[] {s0, s1, s2, s3, Double.doubleToRawLongBits(spareNormal), hasSpare ? 1 : 0};
    }

    /** Restores a state from {@link #getState()} (PyTorch's {@code set_state}). */
    public void setState(long[] state) {
        if (state == null || state.length != 6) {
            throw new IllegalArgumentException("Generator.setState: expected the 6 longs of getState(), got "
                    + (state == null ? "null" : state.length + " longs"));
        }
        if ((state[0] | state[1] | state[2] | state[3]) == 0) {
            // the one state xoshiro never leaves: it would give zeros for ever
            throw new IllegalArgumentException("Generator.setState: the four state words are all zero, which no "
                    + "seeded generator reaches");
        }
        if (state[5] != 0 && state[5] != 1) {
            throw new IllegalArgumentException("Generator.setState: the last word says whether a normal is pending "
                    + "and must be 0 or 1, got " + state[5]);
        }
        s0 = state[0];
        s1 = state[1];
        s2 = state[2];
        s3 = state[3];
        spareNormal = Double.longBitsToDouble(state[4]);
        hasSpare = state[5] == 1;
    }

    /** A new generator whose sequence is independent of this one's continuation (for worker threads). */
    public Generator split() {
        return new Generator(nextLong());
    }
}
