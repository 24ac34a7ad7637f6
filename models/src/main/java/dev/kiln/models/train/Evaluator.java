package dev.kiln.models.train;

import dev.kiln.layers.Module;

import java.util.Map;

/** Measures a model on held-out data; runs in eval mode without recording gradients. */
@FunctionalInterface
public interface Evaluator {
    /** Metric name to value, e.g. {"loss": 0.31, "accuracy": 0.887}. */
    Map<String, Double> evaluate(Module model);
}
