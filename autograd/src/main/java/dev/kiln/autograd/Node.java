package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.GradNode;
import dev.kiln.tensor.spi.Op;
import dev.kiln.tensor.Tensor;

/**
 * One recorded op: what it was, what it read and what it made. Derivative rules reach the saved
 * tensors through {@link #input(int)} and {@link #output()}, which refuse a tensor that was
 * overwritten in place after it was saved, or a graph already freed by backward.
 */
public final class Node implements GradNode {
    private final Op op;
    private final int[][] inputShapes;
    private final DType[] inputDTypes;
    private final boolean[] needsGrad;
    private final GradNode[] next;
    private Tensor[] inputs;
    private Tensor output;
    private final long[] inputVersions;
    private final long outputVersion;

    Node(Op op, Tensor out, Tensor[] inputs) {
        this.op = op;
        this.inputs = inputs.clone();
        this.output = out;
        int n = inputs.length;
        this.inputShapes = new int[n][];
        this.inputDTypes = new DType[n];
        this.needsGrad = new boolean[n];
        this.next = new GradNode[n];
        this.inputVersions = new long[n];
        for (int i = 0; i < n; i++) {
            inputShapes[i] = inputs[i].shape();
            inputDTypes[i] = inputs[i].dtype();
            needsGrad[i] = inputs[i].requiresGrad();
            next[i] = inputs[i].gradFn();
            inputVersions[i] = inputs[i].storage().version();
        }
        this.outputVersion = out.storage().version();
    }

    public Op op() {
        return op;
    }

    @Override
    public String name() {
        return op.gradName();
    }

    public int inputCount() {
        return inputShapes.length;
    }

    /** Whether input i wants a gradient. */
    public boolean needsGrad(int i) {
        return needsGrad[i];
    }

    public int[] inputShape(int i) {
        return inputShapes[i].clone();
    }

    public DType inputDType(int i) {
        return inputDTypes[i];
    }

    /** The saved input i, checked to be unchanged since the op ran. */
    public Tensor input(int i) {
        requireSaved();
        Tensor t = inputs[i];
        if (t.storage().version() != inputVersions[i]) {
            throw modified("input " + i, t);
        }
        return t;
    }

    /** The saved output, checked to be unchanged since the op ran. */
    public Tensor output() {
        requireSaved();
        if (output.storage().version() != outputVersion) {
            throw modified("output", output);
        }
        return output;
    }

    boolean isFreed() {
        return inputs == null;
    }

    /** The input tensor itself (for the engine's routing), without the version check. */
    Tensor inputTensor(int i) {
        requireSaved();
        return inputs[i];
    }

    /** The output tensor itself (for the engine's recycling), without the version check. */
    Tensor outputTensor() {
        requireSaved();
        return output;
    }

    /** The node that made input i, or null for a leaf. */
    GradNode next(int i) {
        return next[i];
    }

    /** Drops the saved tensors so their memory can go; a second backward then fails clearly. */
    void free() {
        inputs = null;
        output = null;
    }

    private void requireSaved() {
        if (inputs == null) {
            throw new IllegalStateException("backward: trying to backward through " + name()
                    + " a second time, but its saved tensors were freed by the first backward; "
                    + "pass retainGraph = true to the first backward if you need to call it twice");
        }
    }

    private IllegalStateException modified(String what, Tensor t) {
        return new IllegalStateException("backward: " + what + " of " + name() + " (shape "
                + java.util.Arrays.toString(t.shape()) + ") was modified in place after it was used; "
                + "its gradient cannot be computed (clone it before modifying)");
    }

    @Override
    public String toString() {
        return "<" + name() + ">";
    }
}
