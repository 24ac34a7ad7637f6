package dev.kiln.layers;

import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

/**
 * A lookup table, as {@code torch.nn.Embedding}: weight [num, dim] initialised N(0, 1); forward
 * takes I32 indices of any shape and returns [..., dim]. With a paddingIdx, that row starts at
 * zero and never receives a gradient.
 */
public class Embedding extends Module {
    private final int numEmbeddings;
    private final int embeddingDim;
    private final Integer paddingIdx;
    private final Parameter weight;

    public Embedding(int numEmbeddings, int embeddingDim, Generator rng) {
        this(numEmbeddings, embeddingDim, null, rng);
    }

    /** paddingIdx may be null (none) or negative (counted from the end). */
    public Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx, Generator rng) {
        if (numEmbeddings < 0 || embeddingDim < 0) {
            throw new IllegalArgumentException("Embedding: sizes must be >= 0, got numEmbeddings " + numEmbeddings
                    + " and embeddingDim " + embeddingDim);
        }
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.paddingIdx = paddingIdx == null ? null
                : Functional.normalizePaddingIdx("Embedding", paddingIdx, numEmbeddings);
        this.weight = registerParameter("weight", new Parameter(Tensor.zeros(numEmbeddings, embeddingDim)));
        Init.normal_(weight.tensor(), 0, 1, rng);
        if (this.paddingIdx != null) {
            try (NoGrad ignored = NoGrad.enter()) {
                weight.tensor().select(0, this.paddingIdx).zero_();
            }
        }
    }

    @Override
    public Tensor forward(Tensor indices) {
        if (indices == null || indices.dtype() != DType.I32) {
            throw new IllegalArgumentException(describe() + ": expected I32 indices, got "
                    + (indices == null ? "null" : indices.dtype() + " " + Shapes.str(indices.shape())));
        }
        return paddingIdx == null ? Functional.embedding(indices, weight.tensor())
                : Functional.embedding(indices, weight.tensor(), paddingIdx);
    }

    public Parameter weight() {
        return weight;
    }

    public int numEmbeddings() {
        return numEmbeddings;
    }

    public int embeddingDim() {
        return embeddingDim;
    }

    /** The padding row, or null. */
    public Integer paddingIdx() {
        return paddingIdx;
    }

    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + embeddingDim + (paddingIdx == null ? "" : ", paddingIdx=" + paddingIdx);
    }
}
