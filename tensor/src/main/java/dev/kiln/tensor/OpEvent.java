package dev.kiln.tensor;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A JFR event per backend call: which op asked for it, the kernel, the tensors' shapes and dtype,
 * the backend, its duration and the bytes the calling thread allocated meanwhile (the output
 * included). Off unless a recording enables {@value #NAME}, e.g. {@code kiln profile}, or
 * {@code java -XX:StartFlightRecording:+dev.kiln.Op#enabled=true,filename=ops.jfr ...}; while it
 * is off, ops get their backend unwrapped and pay one check per op.
 */
@Name(OpEvent.NAME)
@Label("Kiln Op")
@Category("Kiln")
@Description("One backend kernel call of a Kiln tensor op")
@Enabled(false)
@StackTrace(false)
public final class OpEvent extends Event {
    /** The event type's name, for {@code Recording.enable(String)} and event settings. */
    public static final String NAME = "dev.kiln.Op";

    /** Used only to ask whether the event type is enabled, so the check allocates nothing. */
    private static final OpEvent PROBE = new OpEvent();

    @Label("Op")
    @Description("The tensor op, e.g. matmul, add, softmaxBackward; or the backend method when no op named it (copy, fill)")
    String op;

    @Label("Kernel")
    @Description("The Backend method called, e.g. matmul, binary, allocate")
    String kernel;

    @Label("Shapes")
    @Description("Shapes of the call's tensors, outputs first")
    String shapes;

    @Label("DType")
    @Description("The dtype the call allocates or writes (its first tensor's)")
    String dtype;

    @Label("Backend")
    String backend;

    @Label("Allocated")
    @Description("Heap bytes the calling thread allocated during the call (-1 where the JVM cannot tell)")
    @DataAmount
    long allocated;

    OpEvent() {
    }

    /** Whether a running recording has this event enabled. */
    static boolean isRecording() {
        return PROBE.isEnabled();
    }
}
