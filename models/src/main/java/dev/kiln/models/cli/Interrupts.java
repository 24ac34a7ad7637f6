package dev.kiln.models.cli;

import dev.kiln.models.Cli;
import dev.kiln.models.train.StepEvent;
import dev.kiln.models.train.TrainCallback;
import dev.kiln.models.train.Trainer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * What Ctrl-C does in the {@code kiln} command: during training the first press lets the step in
 * progress finish, and the run then saves its checkpoint, says where, and exits with 130; a second
 * press, or one outside training (nothing to save), exits at once.
 */
public final class Interrupts {
    private static final AtomicReference<Watch> TRAINING = new AtomicReference<>();
    static final SignalHandler HANDLER = s -> onInterrupt();
    static volatile boolean installed;
    // replaced by tests, which must not end their JVM
    static volatile IntConsumer exit = code -> Runtime.getRuntime().halt(code);
    static volatile PrintStream console = System.err;

    private Interrupts() {
    }

    /** Takes over SIGINT for this JVM (the command line's main does this; library callers keep the JVM's default). */
    public static void install() {
        installed = true;
        claim();
    }

    /**
     * Takes SIGINT back if {@link #install} took it before: the progress bar's terminal library
     * (JLine) resets SIGINT to the JVM's default when it opens a terminal, which would make the
     * first Ctrl-C end the run without its checkpoint.
     */
    static void reclaim() {
        if (installed) {
            claim();
        }
    }

    private static void claim() {
        try {
            Signal.handle(new Signal("INT"), HANDLER); // made here: the constructor throws where there is no SIGINT
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGINT on this platform, or the JVM runs with -Xrs: Ctrl-C keeps ending it at once
            installed = false;
        }
    }

    /** One Ctrl-C. */
    static void onInterrupt() {
        Watch w = TRAINING.get();
        if (w != null && !w.stopRequested) {
            w.stopRequested = true;
            console.println("\nkiln: Ctrl-C: stopping after this step to save a checkpoint (press it again to quit at once)");
            console.flush();
        } else {
            exit.accept(Cli.INTERRUPTED);
        }
    }

    /** A callback that makes its trainer the one Ctrl-C stops, from its start until {@link Watch#close}. */
    static Watch watch() {
        return new Watch();
    }

    /** Stops its trainer after the step in which Ctrl-C was pressed (on the training thread, between steps). */
    static final class Watch implements TrainCallback, AutoCloseable {
        private volatile boolean stopRequested;

        private boolean reclaimed;

        @Override
        public void onStart(Trainer trainer) {
            TRAINING.set(this);
            reclaim(); // the progress bar (an earlier callback) may have opened its terminal just now
        }

        @Override
        public void onStep(Trainer trainer, StepEvent e) {
            if (!reclaimed) {
                reclaim(); // or on its first redraw
                reclaimed = true;
            }
            if (stopRequested) {
                trainer.requestStop();
            }
        }

        /** Whether Ctrl-C stopped this run. */
        boolean stopped() {
            return stopRequested;
        }

        @Override
        public void close() {
            TRAINING.compareAndSet(this, null);
        }
    }

    /** A run that Ctrl-C stopped after saving its checkpoint; the command line exits with {@link Cli#INTERRUPTED}. */
    public static final class Stopped extends RuntimeException {
        Stopped(String message) {
            super(message);
        }
    }
}
