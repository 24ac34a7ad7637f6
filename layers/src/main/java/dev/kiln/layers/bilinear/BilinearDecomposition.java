package dev.kiln.layers.bilinear;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Gate;
import dev.kiln.layers.Linear;
import dev.kiln.layers.ffn.Bilinear;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Linalg;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The weight-based eigendecomposition of a bilinear model (Pearce et al., "Bilinear MLPs enable
 * weight-based mechanistic interpretability"; docs/formulas/bilinear.md). For a model
 * logits = P·g(z) + b_P with the pure bilinear layer g(z) = (L·z) ⊙ (R·z) and an output direction u
 * (a row of P, or any unit vector), the interaction matrix
 * B_u = Σ_o (uᵀP)_o·(l_o r_oᵀ + r_o l_oᵀ)/2 gives uᵀ·P·g(z) = zᵀ·B_u·z exactly, and its
 * eigendecomposition B_u = Σ λ_i v_i v_iᵀ (ascending eigenvalues) gives uᵀ·P·g(z) = Σ λ_i (v_iᵀz)².
 *
 * <p>Biases use the constant-1 trick: a bilinear layer with bias [b_L; b_R] is the bias-free layer
 * on z' = [z; 1] with L' = [L | b_L] and R' = [R | b_R], so the eigenvectors then have one more
 * entry, the weight of the constant. The readout bias is added to the logits as uᵀb_P. With an
 * input embedding z = E·x (+ e), the eigenvectors drawn in input space are Eᵀ·v_i (of the non-constant
 * entries of v_i): {@link Eigen#inputSpaceEigenvectors()}, e.g. 28×28 images for MNIST.
 *
 * <p>Everything is computed in float64 from the weights (F32 weights are widened), with
 * {@link Linalg#eigh}; the reconstruction of an F64 model's logits is exact to about 1e-12, of an
 * F32 model's to F32 rounding. Only the pure bilinear layer (identity gate) has such a
 * decomposition; gated variants (SwiGLU, GeGLU, GLU) are refused.
 */
public final class BilinearDecomposition {
    private final Tensor left;
    private final Tensor right;
    private final Tensor readout;
    private final Tensor readoutBias;
    private final Tensor embedding;
    private final Tensor embeddingBias;
    private final boolean constantOne;

    private BilinearDecomposition(Tensor left, Tensor right, Tensor readout, Tensor readoutBias, Tensor embedding,
                                  Tensor embeddingBias, boolean constantOne) {
        this.left = left;
        this.right = right;
        this.readout = readout;
        this.readoutBias = readoutBias;
        this.embedding = embedding;
        this.embeddingBias = embeddingBias;
        this.constantOne = constantOne;
    }

    /**
     * From raw weights: L and R [hidden, d] and the readout P [outputs, hidden], no biases, no
     * embedding (any float dtype; widened to F64).
     */
    public static BilinearDecomposition of(Tensor left, Tensor right, Tensor readout) {
        String op = "BilinearDecomposition.of";
        require2d(op, "left", left);
        require2d(op, "right", right);
        require2d(op, "readout", readout);
        if (left.size(0) != right.size(0) || left.size(1) != right.size(1)) {
            throw new IllegalArgumentException(op + ": left " + Shapes.str(left.shape()) + " and right "
                    + Shapes.str(right.shape()) + " must have one shape [hidden, d]");
        }
        if (readout.size(1) != left.size(0)) {
            throw new IllegalArgumentException(op + ": readout " + Shapes.str(readout.shape()) + " must be [outputs, "
                    + left.size(0) + "] for halves " + Shapes.str(left.shape()));
        }
        return new BilinearDecomposition(f64(left), f64(right), f64(readout), null, null, null, false);
    }

    /** A bilinear layer read out by a head: logits = head(layer(z)). */
    public static BilinearDecomposition of(Bilinear layer, Linear head) {
        return of(null, layer, head);
    }

    /**
     * The official MNIST model (docs/formulas/bilinear.md): logits = head(layer(embed(x))). {@code embed} may
     * be null (no embedding); any biases of the three layers are handled (see the class comment).
     */
    public static BilinearDecomposition of(Linear embed, Bilinear layer, Linear head) {
        String op = "BilinearDecomposition.of";
        if (layer == null || head == null) {
            throw new IllegalArgumentException(op + ": the bilinear layer and the head are required");
        }
        if (layer.gate() != Gate.IDENTITY) {
            throw new IllegalArgumentException(op + ": " + layer.describe() + " has gate " + layer.gate()
                    + "; only the pure bilinear layer (Gate.IDENTITY) is a quadratic form with an exact eigendecomposition");
        }
        if (head.inFeatures() != layer.outFeatures()) {
            throw new IllegalArgumentException(op + ": " + head.describe() + " cannot read " + layer.describe());
        }
        if (embed != null && embed.outFeatures() != layer.inFeatures()) {
            throw new IllegalArgumentException(op + ": " + embed.describe() + " does not feed " + layer.describe());
        }
        Tensor l = f64(layer.left());
        Tensor r = f64(layer.right());
        boolean bias = layer.bias() != null;
        if (bias) {
            Tensor b = f64(layer.bias().tensor());
            int out = layer.outFeatures();
            l = Tensor.cat(1, l, b.narrow(0, 0, out).unsqueeze(1));
            r = Tensor.cat(1, r, b.narrow(0, out, out).unsqueeze(1));
        }
        return new BilinearDecomposition(l, r, f64(head.weight().tensor()),
                head.bias() == null ? null : f64(head.bias().tensor()),
                embed == null ? null : f64(embed.weight().tensor()),
                embed == null || embed.bias() == null ? null : f64(embed.bias().tensor()), bias);
    }

    private static void require2d(String op, String what, Tensor t) {
        if (t == null || t.dim() != 2 || !t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": " + what + " must be a 2-D floating-point matrix, got "
                    + (t == null ? "null" : t.dtype() + " " + Shapes.str(t.shape())));
        }
    }

    private static Tensor f64(Tensor t) {
        return t.detach().to(DType.F64).contiguous();
    }

    // ------------------------------------------------------------------ interaction matrices

    /**
     * B = Σ_o w_o·(l_o r_oᵀ + r_o l_oᵀ)/2 for halves L, R [hidden, d] and output weights w [hidden]
     * (w = uᵀP): the symmetric [d, d] matrix with zᵀBz = Σ_o w_o·(l_o·z)(r_o·z), in F64.
     */
    public static Tensor interactionMatrix(Tensor left, Tensor right, Tensor w) {
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor m = f64(left).t().mul(f64(w).reshape(1, -1)).matmul(f64(right)); // Lᵀ·diag(w)·R
            return m.add(m.t()).mul(0.5);
        }
    }

    /** B_u for an output direction u [outputs] (a row of P is u = e_c; any unit vector works). */
    public Tensor interactionMatrix(Tensor u) {
        return interactionMatrix(left, right, readoutWeights(u));
    }

    /** B_c for output c, u = e_c. */
    public Tensor interactionMatrix(int output) {
        return interactionMatrix(unit(output));
    }

    private Tensor readoutWeights(Tensor u) {
        checkDirection(u);
        try (NoGrad ignored = NoGrad.enter()) {
            return f64(u).reshape(1, -1).matmul(readout).reshape(-1); // uᵀP
        }
    }

    private void checkDirection(Tensor u) {
        if (u == null || u.dim() != 1 || u.size(0) != outputs() || !u.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("BilinearDecomposition: an output direction must be a floating-point vector ["
                    + outputs() + "], got " + (u == null ? "null" : u.dtype() + " " + Shapes.str(u.shape())));
        }
    }

    private Tensor unit(int output) {
        if (output < 0 || output >= outputs()) {
            throw new IllegalArgumentException("BilinearDecomposition: output " + output + " is out of range [0, "
                    + outputs() + ")");
        }
        double[] e = new double[outputs()];
        e[output] = 1;
        return Tensor.of(e);
    }

    // ------------------------------------------------------------------ eigendecompositions

    /** The eigendecomposition of B_u, with uᵀb_P as the constant term. */
    public Eigen decompose(Tensor u) {
        Linalg.Eigh e = Linalg.eigh(interactionMatrix(u));
        double bias = 0;
        if (readoutBias != null) {
            bias = f64(u).mul(readoutBias).sum().item();
        }
        return new Eigen(f64(u), e.eigenvalues(), e.eigenvectors(), bias, this);
    }

    /** The eigendecomposition of output c's interaction matrix. */
    public Eigen decompose(int output) {
        return decompose(unit(output));
    }

    /** Every output's decomposition, in output order. */
    public List<Eigen> decomposeAll() {
        List<Eigen> all = new ArrayList<>(outputs());
        for (int c = 0; c < outputs(); c++) {
            all.add(decompose(c));
        }
        return all;
    }

    /**
     * The vector the quadratic forms act on, for model inputs x [N, inputs]: z = E·x + e (or x), with a
     * trailing 1 when the bilinear layer has a bias; [N, d] in F64.
     */
    public Tensor features(Tensor input) {
        int inputs = embedding != null ? embedding.size(1) : left.size(1) - (constantOne ? 1 : 0);
        if (input == null || input.dim() != 2 || input.size(1) != inputs || !input.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("BilinearDecomposition.features: expected a floating-point input [N, " + inputs
                    + "], got " + (input == null ? "null" : input.dtype() + " " + Shapes.str(input.shape())));
        }
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor z = f64(input);
            if (embedding != null) {
                z = z.matmul(embedding.t());
                if (embeddingBias != null) {
                    z = z.add(embeddingBias);
                }
            }
            if (constantOne) {
                z = Tensor.cat(1, z, Tensor.ones(DType.F64, z.size(0), 1));
            }
            return z;
        }
    }

    /** The model's logits from the decompositions, Σ_i λ_i (v_iᵀz)² + b_c per output: [N, outputs] in F64. */
    public Tensor logits(Tensor input) {
        return truncatedLogits(input, dimension());
    }

    /**
     * Approximate logits keeping, for each output, only the k eigenvectors of largest |λ| (the
     * accuracy-against-k curve of the paper): [N, outputs] in F64. k = {@link #dimension()} is exact.
     */
    public Tensor truncatedLogits(Tensor input, int k) {
        if (k < 0 || k > dimension()) {
            throw new IllegalArgumentException("truncatedLogits: k must be in [0, " + dimension() + "], got " + k);
        }
        Tensor z = features(input);
        List<Tensor> columns = new ArrayList<>(outputs());
        for (Eigen e : decomposeAll()) {
            columns.add(e.topK(k).apply(z));
        }
        return Tensor.stack(columns, 1);
    }

    /**
     * For each output c and input n, the terms λ_i (v_iᵀz_n)² ordered by |λ| descending: [outputs, N, d]
     * in F64. The cumulative sum over the last dim plus the bias gives the truncated logits for every
     * k at once.
     */
    public Tensor sortedContributions(Tensor input) {
        Tensor z = features(input);
        List<Tensor> all = new ArrayList<>(outputs());
        for (Eigen e : decomposeAll()) {
            Eigen sorted = e.topK(dimension());
            all.add(sorted.contributions(z));
        }
        return Tensor.stack(all, 0);
    }

    /**
     * The fraction of inputs whose argmax of {@link #truncatedLogits} is the label, for each k in ks
     * (labels I32 [N]). One output at a time, so memory stays at N·d per output (MNIST's test set:
     * 10,000 × 257 doubles) plus the logits for each k.
     */
    public double[] topKAccuracy(Tensor input, Tensor labels, int... ks) {
        if (labels == null || input == null || labels.dim() != 1 || labels.size(0) != input.size(0)
                || labels.dtype() != DType.I32) {
            throw new IllegalArgumentException("topKAccuracy: labels must be I32 [" + (input == null ? "N" : input.size(0))
                    + "], got " + (labels == null ? "null" : labels.dtype() + " " + Shapes.str(labels.shape())));
        }
        int d = dimension();
        for (int k : ks) {
            if (k < 0 || k > d) {
                throw new IllegalArgumentException("topKAccuracy: k must be in [0, " + d + "], got " + k);
            }
        }
        Tensor z = features(input);
        int n = input.size(0);
        int classes = outputs();
        double[][] logits = new double[ks.length][n * classes]; // [k][i·C + c]
        for (int c = 0; c < classes; c++) {
            Eigen sorted = decompose(c).topK(d);
            double[] v = sorted.contributions(z).toDoubleArray(); // [N, d], largest |λ| first
            for (int i = 0; i < n; i++) {
                double[] prefix = new double[d + 1];
                for (int j = 0; j < d; j++) {
                    prefix[j + 1] = prefix[j] + v[i * d + j];
                }
                for (int q = 0; q < ks.length; q++) {
                    logits[q][i * classes + c] = sorted.bias() + prefix[ks[q]];
                }
            }
        }
        int[] y = labels.toIntArray();
        double[] acc = new double[ks.length];
        for (int q = 0; q < ks.length; q++) {
            int correct = 0;
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    best = logits[q][i * classes + c] > logits[q][i * classes + best] ? c : best;
                }
                correct += best == y[i] ? 1 : 0;
            }
            acc[q] = n == 0 ? 0 : (double) correct / n;
        }
        return acc;
    }

    /** The number of outputs (rows of P). */
    public int outputs() {
        return readout.size(0);
    }

    /** The size d of the interaction matrices: the bilinear layer's input size, + 1 with the constant-1 trick. */
    public int dimension() {
        return left.size(1);
    }

    /** Whether the last coordinate of z is the constant 1 (the bilinear layer has a bias). */
    public boolean hasConstantOne() {
        return constantOne;
    }

    /** The input embedding E [d_z, inputs] (F64), or null. */
    public Tensor embedding() {
        return embedding;
    }

    /**
     * One output direction's eigendecomposition: eigenvalues [d] ascending and eigenvectors [d, d] as
     * columns (each with its entry of largest magnitude positive), and the constant uᵀb_P.
     */
    public static final class Eigen {
        private final Tensor direction;
        private final Tensor eigenvalues;
        private final Tensor eigenvectors;
        private final double bias;
        private final BilinearDecomposition owner;

        Eigen(Tensor direction, Tensor eigenvalues, Tensor eigenvectors, double bias, BilinearDecomposition owner) {
            this.direction = direction;
            this.eigenvalues = eigenvalues;
            this.eigenvectors = eigenvectors;
            this.bias = bias;
            this.owner = owner;
        }

        /** u [outputs]. */
        public Tensor direction() {
            return direction;
        }

        /** λ [m], ascending (m = d, or k after {@link #topK}). */
        public Tensor eigenvalues() {
            return eigenvalues;
        }

        /** V [d, m], eigenvector i in column i. */
        public Tensor eigenvectors() {
            return eigenvectors;
        }

        /** v_i [d]. */
        public Tensor eigenvector(int i) {
            return eigenvectors.select(1, i).contiguous();
        }

        /** uᵀb_P, the readout bias along u (0 without one). */
        public double bias() {
            return bias;
        }

        /** Σ_i λ_i (v_iᵀz)² + bias for z [N, d] (see {@link BilinearDecomposition#features}): [N]. */
        public Tensor apply(Tensor z) {
            return contributions(z).sum(1).add(bias);
        }

        /** λ_i (v_iᵀz)² for z [N, d]: [N, m], in this decomposition's eigenvector order. */
        public Tensor contributions(Tensor z) {
            try (NoGrad ignored = NoGrad.enter()) {
                return f64(z).matmul(eigenvectors).square().mul(eigenvalues);
            }
        }

        /**
         * The k eigenpairs of largest |λ|, ordered by |λ| descending (ties: the larger λ first), with the
         * same bias.
         */
        public Eigen topK(int k) {
            int m = eigenvalues.size(0);
            if (k < 0 || k > m) {
                throw new IllegalArgumentException("topK: k must be in [0, " + m + "], got " + k);
            }
            double[] lambda = eigenvalues.toDoubleArray();
            Integer[] order = new Integer[m];
            for (int i = 0; i < m; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> {
                int c = Double.compare(Math.abs(lambda[b]), Math.abs(lambda[a]));
                return c != 0 ? c : Double.compare(lambda[b], lambda[a]);
            });
            int[] keep = new int[k];
            for (int i = 0; i < k; i++) {
                keep[i] = order[i];
            }
            Tensor index = Tensor.of(keep);
            return new Eigen(direction, eigenvalues.indexSelect(0, index), eigenvectors.indexSelect(1, index), bias, owner);
        }

        /**
         * The eigenvectors seen from the model's input: row i is Eᵀ·v_i over the non-constant entries of
         * v_i, [m, inputs] (without an embedding, the eigenvectors' non-constant entries themselves).
         * Reshape a row to 28×28 to draw it.
         */
        public Tensor inputSpaceEigenvectors() {
            int dz = owner.dimension() - (owner.constantOne ? 1 : 0);
            Tensor v = eigenvectors.narrow(0, 0, dz); // [d_z, m]
            try (NoGrad ignored = NoGrad.enter()) {
                return owner.embedding == null ? v.t().contiguous() : v.t().matmul(owner.embedding);
            }
        }
    }
}
