package dev.kiln.models.data;

import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataLoaderTest {
    /** Sample i has feature row (i, i) and label i, so batches reveal their indices. */
    private static TensorDataset indexed(int n) {
        float[] x = new float[n * 2];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = i;
            y[i] = i;
        }
        return new TensorDataset(Tensor.of(x, n, 2), Tensor.of(y));
    }

    @Test
    void eachEpochIsAFreshPermutationWithAPartialLastBatch() {
        DataLoader dl = new DataLoader(indexed(10), 4, 5);
        assertThat(dl.stepsPerEpoch()).isEqualTo(3);
        int[][] epochs = new int[2][];
        for (int e = 0; e < 2; e++) {
            int[] seen = new int[0];
            for (int s = 0; s < 3; s++) {
                Batch b = dl.batch(e * 3L + s);
                assertThat(b.size()).isEqualTo(s < 2 ? 4 : 2);
                float[] f = b.input().toFloatArray();
                int[] y = b.target().toIntArray();
                for (int i = 0; i < y.length; i++) {
                    assertThat(f[2 * i]).isEqualTo(y[i]);
                }
                int[] joined = Arrays.copyOf(seen, seen.length + y.length);
                System.arraycopy(y, 0, joined, seen.length, y.length);
                seen = joined;
            }
            int[] sorted = seen.clone();
            Arrays.sort(sorted);
            assertThat(sorted).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            epochs[e] = seen;
        }
        assertThat(epochs[0]).isNotEqualTo(epochs[1]);
        assertThat(epochs[0]).isNotEqualTo(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    }

    @Test
    void batchesArePureFunctionsOfSeedAndStep() {
        DataLoader a = new DataLoader(indexed(37), 8, 11);
        DataLoader b = new DataLoader(indexed(37), 8, 11);
        // b visits the steps in another order; every batch must still match a's
        long[] order = {13, 2, 7, 0, 25, 13};
        for (long s : order) {
            assertThat(b.batch(s).target().toIntArray()).isEqualTo(a.batch(s).target().toIntArray());
        }
        DataLoader other = new DataLoader(indexed(37), 8, 12);
        assertThat(other.batch(0).target().toIntArray()).isNotEqualTo(a.batch(0).target().toIntArray());
    }

    @Test
    void dropLastAndNoShuffle() {
        DataLoader dl = new DataLoader(indexed(10), 4, false, true, 0);
        assertThat(dl.stepsPerEpoch()).isEqualTo(2);
        assertThat(dl.batch(0).target().toIntArray()).containsExactly(0, 1, 2, 3);
        assertThat(dl.batch(3).target().toIntArray()).containsExactly(4, 5, 6, 7);
        assertThatThrownBy(() -> new DataLoader(indexed(3), 4, true, true, 0)).hasMessageContaining("no batch");
        assertThatThrownBy(() -> new DataLoader(indexed(3), 0, 0)).hasMessageContaining("batchSize");
    }

    @Test
    void seededSplitIsDisjointCompleteAndRepeatable() {
        TensorDataset d = indexed(100);
        TensorDataset[] a = d.split(0.2, 9);
        TensorDataset[] b = d.split(0.2, 9);
        assertThat(a[0].size()).isEqualTo(80);
        assertThat(a[1].size()).isEqualTo(20);
        assertThat(a[1].targets().toIntArray()).isEqualTo(b[1].targets().toIntArray());
        Set<Integer> all = new HashSet<>();
        for (int v : a[0].targets().toIntArray()) {
            all.add(v);
        }
        for (int v : a[1].targets().toIntArray()) {
            assertThat(all.add(v)).isTrue();
        }
        assertThat(all).hasSize(100);
        assertThat(d.split(0.2, 10)[1].targets().toIntArray()).isNotEqualTo(a[1].targets().toIntArray());
    }

    @Test
    void noisyInputsArePureFunctionsOfTheStepAndLeaveTargetsAlone() {
        DataLoader dl = new DataLoader(indexed(40), 8, 3);
        NoisyInputs a = new NoisyInputs(dl, 0.5, 7);
        NoisyInputs b = new NoisyInputs(new DataLoader(indexed(40), 8, 3), 0.5, 7);
        Batch clean = dl.batch(6);
        Batch noisy = a.batch(6);
        assertThat(noisy.target().toIntArray()).isEqualTo(clean.target().toIntArray());
        assertThat(b.batch(6).input().toFloatArray()).isEqualTo(noisy.input().toFloatArray());
        float[] x = clean.input().toFloatArray();
        float[] y = noisy.input().toFloatArray();
        double sq = 0;
        for (int i = 0; i < x.length; i++) {
            sq += (y[i] - x[i]) * (y[i] - x[i]);
        }
        assertThat(Math.sqrt(sq / x.length)).isBetween(0.25, 0.85); // about sigma = 0.5 over 16 values
        assertThat(a.batch(7).input().toFloatArray()).isNotEqualTo(dl.batch(7).input().toFloatArray());
        assertThat(new NoisyInputs(dl, 0, 7).batch(6).input().toFloatArray()).isEqualTo(x);
    }

    @Test
    void byteCorpusWindowsAreShiftedByOneAndSeeded() {
        String text = "abcdefghijklmnopqrstuvwxyz0123456789";
        ByteCorpus c = ByteCorpus.of(text);
        BatchSource w = c.windows(3, 5, 1);
        Batch b = w.batch(4);
        int[] x = b.input().toIntArray();
        int[] y = b.target().toIntArray();
        assertThat(b.input().shape()).containsExactly(3, 5);
        for (int i = 0; i < 3; i++) {
            for (int t = 0; t < 4; t++) {
                assertThat(y[i * 5 + t]).isEqualTo(x[i * 5 + t + 1]);
            }
            // the window is a slice of the text; the last target is the byte after it
            int off = text.indexOf(x[i * 5]);
            for (int t = 0; t < 5; t++) {
                assertThat(x[i * 5 + t]).isEqualTo(text.charAt(off + t));
            }
            assertThat(y[i * 5 + 4]).isEqualTo(text.charAt(off + 5));
        }
        assertThat(c.windows(3, 5, 1).batch(4).input().toIntArray()).isEqualTo(x);
        assertThat(w.itemsPerBatch(b)).isEqualTo(15);
        ByteCorpus[] parts = c.split(0.25);
        assertThat(parts[0].size() + parts[1].size()).isEqualTo(c.size());
        assertThat(parts[1].size()).isEqualTo(9);
    }

    @Test
    void aBatchSizeNearIntMaxIsOneBatchOfEverything() {
        TensorDataset d = new TensorDataset(Tensor.zeros(5, 2), Tensor.of(new int[] {0, 1, 2, 3, 4}));
        DataLoader loader = new DataLoader(d, Integer.MAX_VALUE, 1);
        assertThat(loader.stepsPerEpoch()).isEqualTo(1); // (n + batch - 1) / batch overflowed int to 0
        assertThat(loader.batch(0).target().shape()).containsExactly(5);
        assertThat(loader.batch(1).target().shape()).containsExactly(5);
    }
}
