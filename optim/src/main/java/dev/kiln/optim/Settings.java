package dev.kiln.optim;

/**
 * Typed optimizer settings: a record whose components are the hyperparameters. A state dict
 * stores each component under its name in snake_case ({@code weightDecay} → "weight_decay",
 * PyTorch's key), so the records' component names and order are part of the checkpoint format.
 */
public interface Settings {
    /** Checks every value; the message names the optimizer {@code opt}, the setting and the value. */
    void check(String opt);
}
