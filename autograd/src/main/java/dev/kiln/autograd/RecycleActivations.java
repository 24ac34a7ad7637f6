package dev.kiln.autograd;

/**
 * A per-thread promise, for a training step: nothing reads the intermediate results of the graph
 * once backward is done, only the loss (the root) and the leaves' gradients.
 * <pre>{@code try (var r = RecycleActivations.enter()) { model.forward(x).crossEntropy(y).backward(); } }</pre>
 * Inside it, a backward that frees its graph also gives the buffers of the graph's intermediate
 * results (the outputs of the ops it went through, which it saved for their rules) back to the
 * backend's pool, so the next step's forward writes into memory that is still in cache instead of
 * fresh memory the JVM must zero ({@link dev.kiln.tensor.Storage#recycle()}). Kept: the root, the
 * leaves and whatever they view (parameters and their transposed views, the inputs), and tensors
 * that retain their gradient. A tensor that breaks the promise (an activation read after backward)
 * fails loudly on its next use: a recycled storage refuses every access. Scopes nest; closing one
 * restores what was there before. Gradients are recycled as they are consumed whether or not this is on;
 * the parameters' gradients that an optimizer's {@code zeroGrad()} clears inside it are recycled too
 * (so a step calls it inside the scope, and nothing may keep a parameter's old gradient across it).
 */
public final class RecycleActivations extends FlagScope {
    private static final ThreadLocal<Boolean> ACTIVE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private RecycleActivations() {
        super(ACTIVE, true);
    }

    /** Makes backward on this thread recycle the activations of the graphs it frees until {@link #close()}. */
    public static RecycleActivations enter() {
        return new RecycleActivations();
    }

    /** Whether a backward on this thread recycles activations now. */
    public static boolean isActive() {
        return ACTIVE.get();
    }
}
