package dev.kiln.models.nn;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Samples bytes from a byte-level language model: any module that maps I32 tokens [1, T] to
 * logits [T, 256] (a row per position, the last predicting the next byte). Temperature scales
 * the logits; top-k keeps the k most likely bytes. Seeded, so a sample can be reproduced.
 */
public final class TextSampler {
    private final Module model;
    private final int window;

    /** {@code window}: the most recent bytes the model sees (its block size). */
    public TextSampler(Module model, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("TextSampler: window must be >= 1, got " + window);
        }
        this.model = model;
        this.window = window;
    }

    /** The prompt's bytes followed by {@code length} sampled bytes, as UTF-8 text (malformed bytes replaced). */
    public String sample(String prompt, int length, double temperature, int topK, Generator rng) {
        if (length < 0 || !(temperature > 0) || topK < 0) {
            throw new IllegalArgumentException("TextSampler.sample: need length >= 0, temperature > 0 and topK >= 0, got "
                    + length + ", " + temperature + ", " + topK);
        }
        byte[] p = prompt.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(p);
        int[] ctx = new int[p.length + length];
        for (int i = 0; i < p.length; i++) {
            ctx[i] = p[i] & 0xff;
        }
        int n = p.length;
        boolean wasTraining = model.isTraining();
        model.eval();
        try (NoGrad ignored = NoGrad.enter()) {
            for (int s = 0; s < length; s++) {
                int from = Math.max(0, n - window);
                int len = n - from;
                int next;
                if (len == 0) {
                    next = '\n'; // no prompt: start as after a line break
                } else {
                    int[] w = java.util.Arrays.copyOfRange(ctx, from, n);
                    Tensor logits = model.forward(ModelDevice.input(model, Tensor.of(w, 1, len)));
                    float[] last = logits.select(0, logits.size(0) - 1).toFloatArray();
                    next = pick(last, temperature, topK, rng);
                }
                ctx[n++] = next;
                out.write(next);
            }
        } finally {
            model.train(wasTraining);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static int pick(float[] logits, double temperature, int topK, Generator rng) {
        int v = logits.length;
        double[] z = new double[v];
        double cut = Double.NEGATIVE_INFINITY;
        if (topK > 0 && topK < v) {
            float[] sorted = logits.clone();
            java.util.Arrays.sort(sorted);
            cut = sorted[v - topK];
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            z[i] = logits[i] >= cut ? logits[i] / temperature : Double.NEGATIVE_INFINITY;
            max = Math.max(max, z[i]);
        }
        double sum = 0;
        for (int i = 0; i < v; i++) {
            z[i] = Math.exp(z[i] - max);
            sum += z[i];
        }
        double u = rng.nextDouble() * sum;
        for (int i = 0; i < v; i++) {
            u -= z[i];
            if (u < 0) {
                return i;
            }
        }
        return v - 1;
    }
}
