package dev.kiln.autograd;

import dev.kiln.tensor.Backends;
import dev.kiln.tensor.spi.Autograd;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.GradNode;
import dev.kiln.tensor.spi.Op;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Storage;
import dev.kiln.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reverse-mode differentiation: records a {@link Node} per op, and on backward walks the nodes
 * in reverse topological order, applying each op's rule from {@link Derivatives}. Registered
 * with {@code tensor} through {@link java.util.ServiceLoader}.
 */
public final class Engine implements Autograd {

    /** Public for {@link java.util.ServiceLoader}. */
    public Engine() {
    }

    @Override
    public boolean isGradEnabled() {
        return NoGrad.isGradEnabled();
    }

    @Override
    public void record(Op op, Tensor out, Tensor[] inputs) {
        if (!out.dtype().isFloatingPoint()) {
            return; // integer results carry no gradient
        }
        out.attachGradFn(new Node(op, out, inputs));
    }

    @Override
    public void backward(Tensor root, Tensor seed, boolean retainGraph) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward: the tensor does not require grad and has no grad_fn; "
                    + "call requiresGrad(true) on the leaves you want gradients for");
        }
        Tensor g = checkedSeed(root, seed);
        boolean seedOwned = seed == null; // a seed we made ourselves; the caller's may be held elsewhere
        if (root.isLeaf()) {
            accumulate(root, g, seedOwned);
            return;
        }
        Node rootNode = (Node) root.gradFn();
        try (NoGrad ignored = NoGrad.enter()) {
            if (root.retainsGrad()) {
                accumulate(root, g, false);
            }
            List<Node> order = topologicalOrder(rootNode);
            Recycler activations = !retainGraph && RecycleActivations.isActive() ? new Recycler() : null;
            if (activations != null) {
                activations.keep(root.storage()); // the loss is read after backward
            }
            Map<Node, Grad> pending = new IdentityHashMap<>();
            pending.put(rootNode, new Grad(g, seedOwned)); // a retained root grad is a copy
            for (Node node : order) {
                Grad gradOut = pending.remove(node);
                if (gradOut == null) {
                    continue;
                }
                long mark = Storage.nextSerial();
                Tensor[] grads = Derivatives.backward(node.op(), node, gradOut.tensor());
                int count = node.inputCount();
                Tensor[] gis = new Tensor[count];
                for (int i = 0; i < count; i++) {
                    if (node.needsGrad(i) && grads[i] != null) {
                        gis[i] = sumToShape(grads[i], node.inputShape(i));
                    }
                }
                // the last holder of a shared gradient owns it
                boolean outOwned = gradOut.owned() || gradOut.share() != null && gradOut.share().last();
                Storage passedOn = outOwned ? gradOut.tensor().storage() : null;
                Share outShare = outOwned ? null : gradOut.share();
                Recycler spent = new Recycler();
                spent.mayRecycle(passedOn);
                for (int i = 0; i < count; i++) {
                    if (grads[i] != null && grads[i].storage().serial() >= mark) {
                        spent.mayRecycle(grads[i].storage()); // e.g. the unreduced gradient before sumToShape
                    }
                }
                Share[] shares = shares(gis, mark, passedOn, outShare);
                for (int i = 0; i < count; i++) {
                    Tensor gi = gis[i];
                    if (gi == null) {
                        continue;
                    }
                    boolean owned = owned(gis, i, mark, passedOn);
                    if (owned) {
                        spent.mayRecycle(gi.storage());
                    }
                    Grad incoming = new Grad(gi, owned, shares[i]);
                    Tensor input = node.inputTensor(i);
                    GradNode next = node.next(i);
                    if (next == null) {
                        if (accumulate(input, gi, owned)) {
                            spent.keep(gi.storage());
                        }
                        release(incoming, spent);
                        continue;
                    }
                    if (input.retainsGrad()) {
                        accumulate(input, gi, false); // gi also travels on below
                    }
                    Grad before = pending.get(next);
                    if (before == null) {
                        pending.put((Node) next, incoming);
                        spent.keep(gi.storage());
                    } else if (addsInto(before, gi)) {
                        // the engine alone holds before's buffer: sum into it, no new buffer
                        addInto(before.tensor(), gi);
                        release(incoming, spent);
                    } else if (addsInto(incoming, before.tensor())) {
                        // or gi's (a + b is b + a exactly, so the sum is the same either way)
                        addInto(gi, before.tensor());
                        pending.put((Node) next, incoming);
                        spent.keep(gi.storage());
                        release(before, spent);
                    } else {
                        pending.put((Node) next, new Grad(before.tensor().add(gi), true, null));
                        release(before, spent);
                        release(incoming, spent);
                    }
                }
                if (outShare != null) {
                    release(gradOut, spent);
                }
                // gradients no one will read again: their buffers go back to the backend's pool
                spent.recycle();
                if (activations != null) {
                    sawActivations(activations, node);
                }
                if (!retainGraph) {
                    node.free();
                }
            }
            if (activations != null) {
                activations.recycle();
            }
        }
    }

    /**
     * A gradient on its way to a node, and whether the engine holds its storage alone (so the
     * leaf it reaches may keep the buffer instead of a copy).
     */
    private record Grad(Tensor tensor, boolean owned, Share share) {
        Grad(Tensor tensor, boolean owned) {
            this(tensor, owned, null);
        }
    }

    /**
     * A gradient buffer the engine made that several pending gradients hold (an add's rule hands
     * one gradient to both of its inputs: every residual connection). Counted, so that the last
     * holder may treat it as its own and its buffer goes back to the pool when all are done.
     */
    private static final class Share {
        private final Storage storage;
        private int holders;

        Share(Storage storage, int holders) {
            this.storage = storage;
            this.holders = holders;
        }

        boolean last() {
            return holders == 1;
        }
    }

    /** One holder of g is done with it: a buffer the engine held alone, or the last share of one, is dead. */
    private static void release(Grad g, Recycler spent) {
        if (g.owned()) {
            spent.mayRecycle(g.tensor().storage());
        } else if (g.share() != null && --g.share().holders == 0) {
            spent.mayRecycle(g.share().storage);
        }
    }

    /**
     * The share each of a rule's gradients belongs to: gradients on one buffer the engine made
     * (fresh from the rule, or the gradient passed on) share a new one when there are several;
     * gradients on the buffer of a shared incoming gradient join its share.
     */
    private static Share[] shares(Tensor[] gis, long mark, Storage passedOn, Share outShare) {
        Share[] shares = new Share[gis.length];
        for (int i = 0; i < gis.length; i++) {
            if (gis[i] == null || shares[i] != null) {
                continue;
            }
            Storage s = gis[i].storage();
            if (outShare != null && s == outShare.storage) {
                shares[i] = outShare;
                outShare.holders++;
            } else if ((s.serial() >= mark || s == passedOn) && !owned(gis, i, mark, passedOn)) {
                Share share = new Share(s, 0);
                for (int j = i; j < gis.length; j++) {
                    if (gis[j] != null && gis[j].storage() == s) {
                        shares[j] = share;
                        share.holders++;
                    }
                }
            }
        }
        return shares;
    }

    /**
     * Whether gradient i of one rule call is the only view of a buffer no one else holds: one the
     * rule (or the summing back to the input's shape) allocated, since {@code mark}, or the
     * incoming gradient's own buffer when the engine held that alone ({@code passedOn}, else
     * null), and in both cases shared with no other gradient of the same call (an addition hands
     * its incoming gradient to both inputs).
     */
    /**
     * Whether another gradient may be added into g's buffer: the engine holds that buffer alone, it
     * is dense, and both have one shape and dtype (a residual connection's two gradients, the
     * commonest case, then cost no new buffer).
     */
    private static boolean addsInto(Grad g, Tensor other) {
        Tensor sum = g.tensor();
        return g.owned() && dense(sum) && sum.dtype() == other.dtype() && sum.storage() != other.storage()
                && Arrays.equals(sum.shape(), other.shape()) && sum.device().equals(other.device());
    }

    /** sum += other, in place. */
    private static void addInto(Tensor sum, Tensor other) {
        Backends.forDevice(sum.device()).binary(BinaryOp.ADD, sum, sum, other);
    }

    private static boolean owned(Tensor[] gis, int i, long mark, Storage passedOn) {
        Storage s = gis[i].storage();
        if (s.serial() < mark && s != passedOn) {
            return false;
        }
        for (int j = 0; j < gis.length; j++) {
            if (j != i && gis[j] != null && gis[j].storage() == s) {
                return false;
            }
        }
        return true;
    }

    private static Tensor checkedSeed(Tensor root, Tensor seed) {
        if (seed == null) {
            if (root.numel() != 1) {
                throw new IllegalArgumentException("backward: a gradient can be created implicitly only for a "
                        + "one-element output, got shape " + Shapes.str(root.shape()) + "; pass a seed of that shape");
            }
            return Tensor.onesLike(root.detach());
        }
        if (!Arrays.equals(seed.shape(), root.shape()) || seed.dtype() != root.dtype()
                || !seed.device().equals(root.device())) {
            throw new IllegalArgumentException("backward: seed " + seed.dtype() + " " + Shapes.str(seed.shape()) + " on "
                    + seed.device() + " does not match the output " + root.dtype() + " " + Shapes.str(root.shape())
                    + " on " + root.device());
        }
        return seed.detach();
    }

    /** Nodes reachable from root, each after every node that feeds gradient into it (iterative DFS). */
    private static List<Node> topologicalOrder(Node root) {
        List<Node> post = new ArrayList<>();
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        Deque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        seen.put(root, Boolean.TRUE);
        if (root.isFreed()) {
            root.inputTensor(0); // throws the explanatory error
        }
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Node node = (Node) frame[0];
            int i = (Integer) frame[1];
            if (i < node.inputCount()) {
                frame[1] = i + 1;
                GradNode nx = node.next(i);
                if (nx instanceof Node child && node.needsGrad(i) && seen.put(child, Boolean.TRUE) == null) {
                    if (child.isFreed()) {
                        child.inputTensor(0);
                    }
                    stack.push(new Object[] {child, 0});
                }
            } else {
                stack.pop();
                post.add(node);
            }
        }
        java.util.Collections.reverse(post);
        return post;
    }

    /** Sums a broadcast gradient back to the shape of the input it belongs to: the one place this happens. */
    static Tensor sumToShape(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) {
            return g;
        }
        int lead = gs.length - shape.length;
        int[] dims = new int[gs.length];
        int n = 0;
        for (int d = 0; d < gs.length; d++) {
            if (d < lead || (shape[d - lead] == 1 && gs[d] != 1)) {
                dims[n++] = d;
            }
        }
        Tensor summed = n == 0 ? g : g.sum(Arrays.copyOf(dims, n), true);
        return summed.reshape(shape);
    }

    /**
     * Buffers that may be dead, less those found to be kept; {@link #recycle()} hands the dead ones
     * back ({@link Storage#recycle()}), so the next allocation of their size reuses memory that is
     * still in cache instead of fresh memory the JVM must zero. Used twice: for the gradients of
     * one rule call that the engine held alone (kept: those that travel on to the next node or
     * become a leaf's .grad), and for a graph's intermediate results inside
     * {@link RecycleActivations} (see {@link #sawActivations}).
     */
    private static final class Recycler {
        private final Map<Storage, Boolean> dead = new IdentityHashMap<>(8);

        void mayRecycle(Storage s) {
            if (s != null) {
                dead.putIfAbsent(s, Boolean.TRUE);
            }
        }

        void keep(Storage s) {
            dead.put(s, Boolean.FALSE);
        }

        void recycle() {
            dead.forEach((s, d) -> {
                if (d) {
                    s.recycle();
                }
            });
        }
    }

    /**
     * A node's part of the graph's intermediate results: its output (and a fused linear's
     * pre-activation), unless it retains its gradient; every buffer a leaf (a node input no node
     * made) views is kept, which covers parameters read through views such as a transpose.
     * Collected over the whole backward and
     * recycled at its end, since one buffer may be viewed by several nodes' tensors.
     */
    private static void sawActivations(Recycler activations, Node node) {
        Tensor out = node.outputTensor();
        if (out.retainsGrad()) {
            activations.keep(out.storage());
        } else {
            activations.mayRecycle(out.storage());
        }
        if (node.op() instanceof Op.Linear l && l.pre() != null) {
            activations.mayRecycle(l.pre().storage()); // the fused linear's pre-activation, made by its forward alone
        }
        for (int i = 0; i < node.inputCount(); i++) {
            if (node.next(i) == null) {
                activations.keep(node.inputTensor(i).storage());
            }
        }
    }

    /**
     * Adds into a tensor's .grad, and says whether g itself became the .grad. The first gradient
     * is copied unless the engine owns its buffer and it is dense (PyTorch's AccumulateGrad steals the incoming gradient likewise); a copy is
     * contiguous, so no two tensors share a gradient buffer and no .grad is a broadcast view.
     */
    private static boolean accumulate(Tensor t, Tensor g, boolean owned) {
        Tensor old = t.grad();
        if (old != null) {
            t.setGrad(old.add(g));
            return false;
        }
        boolean steal = owned && dense(g);
        t.setGrad(steal ? g : g.clone());
        return steal;
    }

    /** Whether g is contiguous and covers its whole storage from offset 0. */
    private static boolean dense(Tensor g) {
        return g.offset() == 0 && g.numel() == g.storage().size() && g.isContiguous();
    }
}
