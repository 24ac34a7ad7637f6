package dev.kiln.autograd;

/**
 * A per-thread boolean set for the life of a scope and restored when it closes (scopes nest):
 * what {@link NoGrad} and {@link RecycleActivations} share.
 */
abstract class FlagScope implements AutoCloseable {
    private final ThreadLocal<Boolean> flag;
    private final boolean previous;
    private boolean closed;

    FlagScope(ThreadLocal<Boolean> flag, boolean value) {
        this.flag = flag;
        this.previous = flag.get();
        flag.set(value);
    }

    /** Restores the value the flag had when this scope was entered; a second call does nothing. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            flag.set(previous);
        }
    }
}
