package dev.kiln.autograd;

import java.util.function.Supplier;

/**
 * A per-thread scope in which ops are not recorded (PyTorch's {@code torch.no_grad()}):
 * <pre>{@code try (var ng = NoGrad.enter()) { ... } }</pre>
 * Scopes nest; closing one restores what was there before.
 */
public final class NoGrad extends FlagScope {
    private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> Boolean.TRUE);

    private NoGrad() {
        super(ENABLED, false);
    }

    /** Turns recording off on this thread until {@link #close()}. */
    public static NoGrad enter() {
        return new NoGrad();
    }

    /** Runs {@code body} with recording off and returns its result. */
    public static <T> T run(Supplier<T> body) {
        try (NoGrad ignored = enter()) {
            return body.get();
        }
    }

    /** Whether ops on this thread are recorded right now. */
    public static boolean isGradEnabled() {
        return ENABLED.get();
    }
}
