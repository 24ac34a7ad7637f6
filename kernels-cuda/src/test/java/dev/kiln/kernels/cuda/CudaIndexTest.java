package dev.kiln.kernels.cuda;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/** index_select, index_add, gather, scatter_add, embedding, cat and stack; skipped without a GPU. */
class CudaIndexTest extends GpuTesting {

    @Test
    void indexSelectAndEmbedding() {
        for (DType t : DType.values()) {
            Tensor x = randn(DType.F32, 6, 5, 4).mul(3).to(t);
            for (int dim = 0; dim < 3; dim++) {
                int d = dim;
                Tensor idx = randint(0, x.size(d), 9);
                check("indexSelect " + t + " dim " + d, EXACT, in -> in[0].indexSelect(d, in[1]), x, idx);
                check("indexSelect of a view " + t + " dim " + d, EXACT,
                        in -> in[0].transpose(0, 2).indexSelect(d, in[1].slice(0, 0, 9, 2)), x,
                        randint(0, x.size(2 - d), 9));
            }
            check("indexSelect of a 0-d", EXACT, in -> in[0].indexSelect(0, in[1]), Tensor.scalar(4).to(t),
                    Tensor.of(new int[] {0})); // a 0-d input takes a one-element index
        }
        Tensor weight = randn(DType.F32, 50, 16);
        check("embedding", EXACT, in -> Tensor.embedding(in[1], in[0]), weight, randint(0, 50, 4, 7));
    }

    @Test
    void indexAddWithDuplicates() {
        for (DType t : new DType[] {DType.F32, DType.F64, DType.I32}) {
            Tol tol = t == DType.I32 ? EXACT : floats(t, new Tol(1e-6, 1e-6), F64_SUMS);
            Tensor self = randn(DType.F32, 7, 5).mul(3).to(t);
            Tensor idx = Tensor.of(new int[] {0, 3, 3, 6, 0, 0, 2});
            check("indexAdd dim 0 " + t, tol, in -> in[0].indexAdd(0, in[1], in[2]), self, idx,
                    randn(DType.F32, 7, 5).mul(3).to(t));
            check("indexAdd dim 1 " + t, tol, in -> in[0].indexAdd(1, in[1], in[2].t()), self,
                    Tensor.of(new int[] {4, 4, 1}), randn(DType.F32, 3, 7).mul(3).to(t));
        }
        // the embedding backward: many rows into few
        check("indexAdd many duplicates", new Tol(1e-5, 1e-5), in -> in[0].indexAdd(0, in[1], in[2]),
                Tensor.zeros(10, 32), randint(0, 10, 5000), randn(DType.F32, 5000, 32));
    }

    @Test
    void gatherAndScatterAdd() {
        for (DType t : new DType[] {DType.F32, DType.F64, DType.I32}) {
            Tol tol = t == DType.I32 ? EXACT : floats(t, new Tol(1e-6, 1e-6), F64_SUMS);
            Tensor x = randn(DType.F32, 5, 6, 7).mul(3).to(t);
            for (int dim = 0; dim < 3; dim++) {
                int d = dim;
                int[] ishape = {4, 5, 6};
                Tensor idx = randint(0, x.size(d), ishape);
                check("gather " + t + " dim " + d, EXACT, in -> in[0].gather(d, in[1]), x, idx);
                check("gather from a view " + t + " dim " + d, EXACT, in -> in[0].permute(2, 0, 1).gather(d, in[1]),
                        x, randint(0, x.permute(2, 0, 1).size(d), 3, 4, 5));
                check("scatterAdd " + t + " dim " + d, tol, in -> in[0].scatterAdd(d, in[1], in[2]), x, idx,
                        randn(DType.F32, 4, 5, 6).mul(3).to(t));
            }
        }
        check("gather along the class dim (cross-entropy style)", EXACT,
                in -> in[0].gather(1, in[1].unsqueeze(1)), randn(DType.F32, 64, 1000), randint(0, 1000, 64));
    }

    @Test
    void catAndStack() {
        for (DType t : DType.values()) {
            Tensor a = randn(DType.F32, 3, 4).mul(2).to(t);
            Tensor b = randn(DType.F32, 2, 4).mul(2).to(t);
            check("cat dim 0 " + t, EXACT, in -> Tensor.cat(0, in[0], in[1]), a, b);
            check("cat dim 1 of views " + t, EXACT, in -> Tensor.cat(1, in[0].t(), in[1].t()), a, b);
            check("stack " + t, EXACT, in -> Tensor.stack(1, in[0], in[0].flatten().reshape(3, 4)), a);
        }
    }
}
