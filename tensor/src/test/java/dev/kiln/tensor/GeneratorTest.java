package dev.kiln.tensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The generator gives the same numbers on every machine. The golden values were computed by an
 * independent Python implementation of SplitMix64 seeding, xoshiro256** and Box–Muller.
 */
class GeneratorTest {

    @Test
    void nextLongFollowsXoshiro256StarStarSeededBySplitMix64() {
        Generator g = new Generator(42);
        assertThat(new long[] {g.nextLong(), g.nextLong(), g.nextLong()})
                .containsExactly(1546998764402558742L, 6990951692964543102L, -5902157311460992607L);
        Generator zero = new Generator(0);
        assertThat(new long[] {zero.nextLong(), zero.nextLong()})
                .containsExactly(-7355399402456485196L, -4652746763540216534L);
        Generator minusOne = new Generator(-1);
        assertThat(new long[] {minusOne.nextLong(), minusOne.nextLong()})
                .containsExactly(-8118546653352383224L, -4290065566684577747L);
    }

    @Test
    void nextDoubleUsesTheTop53Bits() {
        Generator g = new Generator(7);
        assertThat(g.nextDouble()).isEqualTo(0.7005764821796896);
        assertThat(g.nextDouble()).isEqualTo(0.2787512294737843);
    }

    @Test
    void nextGaussianIsBoxMullerAndUsesTheSpare() {
        Generator g = new Generator(42);
        double[] golden = {-0.303263064678738, 0.28846173882942383, 1.3438117634372806, -0.6879751798977497};
        for (double want : golden) {
            assertThat(g.nextGaussian()).isCloseTo(want, within(1e-15));
        }
    }

    @Test
    void randIsUniformFloatsWith24Bits() {
        Tensor t = Tensor.rand(new Generator(42), 5);
        assertThat(t.dtype()).isEqualTo(DType.F32);
        assertThat(t.toFloatArray()).containsExactly(0.08386296033859253f, 0.37898021936416626f, 0.6800433993339539f,
                0.9246929287910461f, 0.9918038845062256f);
    }

    @Test
    void randnGoldenValues() {
        Tensor t = Tensor.randn(new Generator(3), 2, 3);
        assertThat(t.shape()).containsExactly(2, 3);
        assertThat(t.toFloatArray()).containsExactly(-0.9721068739891052f, -1.1838481426239014f, -0.6858471035957336f,
                -0.14861352741718292f, -0.8486563563346863f, 0.620602011680603f);
    }

    @Test
    void randintGoldenValuesAndRange() {
        Tensor t = Tensor.randint(new Generator(5), -3, 10, 2, 4);
        assertThat(t.dtype()).isEqualTo(DType.I32);
        assertThat(t.shape()).containsExactly(2, 4);
        assertThat(t.toIntArray()).containsExactly(-2, 2, 5, -2, 7, 3, 8, 6);
        int[] many = Tensor.randint(new Generator(6), 0, 3, 3000).toIntArray();
        int[] counts = new int[3];
        for (int v : many) {
            counts[v]++;
        }
        for (int c : counts) {
            assertThat(c).isBetween(900, 1100);
        }
    }

    @Test
    void randintCoversTheWholeIntRange() {
        int[] v = Tensor.randint(new Generator(8), Integer.MIN_VALUE, Integer.MAX_VALUE, 100).toIntArray();
        assertThat(Arrays.stream(v).anyMatch(x -> x < 0)).isTrue();
        assertThat(Arrays.stream(v).anyMatch(x -> x > 0)).isTrue();
    }

    @Test
    void randpermGoldenValuesAndIsAPermutation() {
        assertThat(Tensor.randperm(new Generator(9), 10).toIntArray()).containsExactly(3, 6, 1, 4, 5, 9, 7, 0, 2, 8);
        int[] p = Tensor.randperm(new Generator(10), 257).toIntArray();
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertThat(sorted[i]).isEqualTo(i);
        }
        assertThat(Tensor.randperm(new Generator(1), 0).shape()).containsExactly(0);
    }

    @Test
    void sameSeedSameNumbersAndManualSeedRestarts() {
        Generator a = new Generator(123);
        Tensor first = Tensor.randn(a, 4, 4);
        a.manualSeed(123);
        assertThat(Tensor.randn(a, 4, 4).toFloatArray()).containsExactly(first.toFloatArray());
        assertThat(Tensor.randn(new Generator(124), 4, 4).toFloatArray()).isNotEqualTo(first.toFloatArray());
    }

    @Test
    void manualSeedDropsTheSpareNormal() {
        Generator a = new Generator(42);
        a.nextGaussian(); // leaves a spare
        a.manualSeed(42);
        assertThat(a.nextGaussian()).isCloseTo(-0.303263064678738, within(1e-15));
    }

    @Test
    void splitGivesAnIndependentDeterministicStream() {
        Generator a = new Generator(5);
        Generator b = new Generator(5);
        Generator childA = a.split();
        Generator childB = b.split();
        assertThat(childA.nextLong()).isEqualTo(childB.nextLong());
        assertThat(a.nextLong()).isEqualTo(b.nextLong());
        assertThat(childA.nextLong()).isNotEqualTo(a.nextLong());
    }

    @Test
    void uniformAndNormalMomentsAreRight() {
        Generator g = new Generator(77);
        Tensor u = Tensor.rand(g, 20000).to(DType.F64);
        assertThat(u.mean().item()).isCloseTo(0.5, within(0.01));
        assertThat(u.min().item()).isGreaterThanOrEqualTo(0);
        assertThat(u.max().item()).isLessThan(1);
        Tensor n = Tensor.randn(g, 20000).to(DType.F64);
        assertThat(n.mean().item()).isCloseTo(0, within(0.03));
        assertThat(n.std().item()).isCloseTo(1, within(0.03));
    }

    @Test
    void badArguments() {
        assertRejects(() -> new Generator(1).nextInt(0), "Generator.nextInt", "0");
        assertRejects(() -> Tensor.randint(new Generator(1), 5, 5, 3), "randint", "5");
        assertRejects(() -> Tensor.randperm(new Generator(1), -1), "randperm", "-1");
        assertRejects(() -> Tensor.rand(new Generator(1), 2, -3), "rand", "[2, -3]");
        assertRejects(() -> Tensor.randn(new Generator(1), -1), "randn", "[-1]");
        assertRejects(() -> Tensor.randint(new Generator(1), 0, 4, -2), "randint", "[-2]");
    }

    @Test
    void aSavedStateContinuesTheSequenceExactly() {
        Generator g = new Generator(5);
        g.nextLong();
        g.nextGaussian(); // leaves the second normal of the pair pending
        long[] state = g.getState();
        double[] expected = {g.nextGaussian(), g.nextDouble(), g.nextGaussian(), g.nextFloat(), g.nextInt(1000)};
        Generator h = new Generator(999);
        h.nextGaussian();
        h.setState(state);
        assertThat(new double[] {h.nextGaussian(), h.nextDouble(), h.nextGaussian(), h.nextFloat(), h.nextInt(1000)})
                .containsExactly(expected);
        // the state is a copy: changing the array changes nothing
        long[] copy = h.getState();
        long before = h.getState()[0];
        copy[0] ^= 1;
        assertThat(h.getState()[0]).isEqualTo(before);
        // and so is a tensor drawn after restoring
        Generator a = new Generator(11);
        long[] s = a.getState();
        float[] first = Tensor.randn(a, 3, 5).toFloatArray();
        a.setState(s);
        assertThat(Tensor.randn(a, 3, 5).toFloatArray()).containsExactly(first);
    }

    @Test
    void aMalformedStateIsRefused() {
        Generator g = new Generator(1);
        long[] good = g.getState();
        assertRejects(() -> g.setState(new long[5]), "Generator.setState", "6 longs", "5 longs");
        assertRejects(() -> g.setState(null), "Generator.setState", "null");
        assertRejects(() -> g.setState(new long[6]), "Generator.setState", "all zero");
        long[] badFlag = good.clone();
        badFlag[5] = 2;
        assertRejects(() -> g.setState(badFlag), "Generator.setState", "0 or 1", "2");
        assertThat(g.getState()).containsExactly(good); // a refused state changes nothing
    }
}
