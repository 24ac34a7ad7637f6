package dev.kiln.models.train;

import java.util.Map;

/** The result of a periodic evaluation after {@code step} steps: metric name to value ("loss", "accuracy"). */
public record EvalEvent(long step, long epoch, String split, Map<String, Double> metrics) {
}
