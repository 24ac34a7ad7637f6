package dev.kiln.layers.suite;

/**
 * NumPy's legacy generator as the suite uses it: {@code np.random.seed(0)} then
 * {@code np.random.uniform(low, high, size).astype(np.float32)} for each input shape in turn. The
 * fixture stores the shapes and bounds, not the values, and the values are drawn again here
 * (MT19937 seeded by init_genrand, 53-bit doubles as NumPy's random_sample).
 */
final class NumpyUniform {
    private final int[] mt = new int[624];
    private int index;

    /** The generator after {@code np.random.seed(seed)}. */
    NumpyUniform(long seed) {
        mt[0] = (int) seed;
        for (int k = 1; k < 624; k++) {
            mt[k] = 1812433253 * (mt[k - 1] ^ (mt[k - 1] >>> 30)) + k;
        }
        index = 624;
    }

    private int next() {
        if (index >= 624) {
            for (int k = 0; k < 624; k++) {
                int y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
                mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
            }
            index = 0;
        }
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** random_sample: a double in [0, 1) from two draws. */
    double randomSample() {
        long a = (next() >>> 5) & 0xffffffffL;
        long b = (next() >>> 6) & 0xffffffffL;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /** {@code uniform(low, high, n).astype(float32)}. */
    float[] uniform(double low, double high, int n) {
        float[] out = new float[n];
        for (int k = 0; k < n; k++) {
            out[k] = (float) (low + (high - low) * randomSample());
        }
        return out;
    }
}
