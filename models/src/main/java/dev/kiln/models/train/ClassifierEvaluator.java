package dev.kiln.models.train;

import dev.kiln.layers.Module;
import dev.kiln.models.data.Batch;
import dev.kiln.models.data.TensorDataset;
import dev.kiln.models.nn.ModelDevice;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** Mean cross-entropy and accuracy of a classifier over a whole data set, in batches, in order. */
public final class ClassifierEvaluator implements Evaluator {
    private final TensorDataset data;
    private final int batchSize;

    public ClassifierEvaluator(TensorDataset data, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("ClassifierEvaluator: batchSize must be >= 1, got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
    }

    @Override
    public Map<String, Double> evaluate(Module model) {
        int n = data.size();
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        double lossSum = 0;
        long correct = 0;
        for (int from = 0; from < n; from += batchSize) {
            Batch b = data.gather(all, from, Math.min(n, from + batchSize));
            Tensor logits = model.forward(ModelDevice.input(model, b.input()));
            lossSum += logits.crossEntropy(ModelDevice.input(model, b.target()), Reduction.SUM, -100).item();
            int[] pred = logits.argmax(1, false).toIntArray();
            int[] y = b.target().toIntArray();
            for (int i = 0; i < y.length; i++) {
                if (pred[i] == y[i]) {
                    correct++;
                }
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("loss", n == 0 ? Double.NaN : lossSum / n);
        out.put("accuracy", n == 0 ? Double.NaN : (double) correct / n);
        return out;
    }
}
