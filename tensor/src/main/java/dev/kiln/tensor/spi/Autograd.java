package dev.kiln.tensor.spi;

import dev.kiln.tensor.Tensor;
import java.util.ServiceLoader;

/**
 * The one seam between {@code tensor} and the autograd module: every op tells it what it
 * computed, and {@link Tensor#backward()} hands over to it. The implementation registers itself
 * through {@link ServiceLoader}; without it nothing is recorded and backward explains what is missing.
 */
public interface Autograd {

    /** Whether ops on this thread are recorded (false inside a NoGrad scope). */
    boolean isGradEnabled();

    /**
     * Records that {@code op} made {@code out} from {@code inputs}. Called only when grad is
     * enabled and some input requires grad.
     */
    void record(Op op, Tensor out, Tensor[] inputs);

    /** Runs reverse-mode differentiation from {@code root} with the given seed gradient. */
    void backward(Tensor root, Tensor seed, boolean retainGraph);

    /** The registered implementation, or one that records nothing. */
    static Autograd get() {
        return Holder.INSTANCE;
    }

    /** Whether the autograd module is on the class path. */
    static boolean isAvailable() {
        return Holder.INSTANCE != Holder.ABSENT;
    }

    final class Holder {
        private static final Autograd ABSENT = new Autograd() {
            @Override
            public boolean isGradEnabled() {
                return false;
            }

            @Override
            public void record(Op op, Tensor out, Tensor[] inputs) {
            }

            @Override
            public void backward(Tensor root, Tensor seed, boolean retainGraph) {
                throw new IllegalStateException("backward: the autograd module is not on the class path; "
                        + "add the dependency dev.kiln:kiln-autograd");
            }
        };
        static final Autograd INSTANCE = ServiceLoader.load(Autograd.class).findFirst().orElse(ABSENT);

        private Holder() {
        }
    }
}
