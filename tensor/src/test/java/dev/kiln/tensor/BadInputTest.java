package dev.kiln.tensor;

import dev.kiln.tensor.spi.Autograd;
import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.testing.TensorAssert.assertRefusesState;
import static dev.kiln.tensor.testing.TensorAssert.assertRejects;

/**
 * Each kind of bad input, its own test: an IllegalArgumentException (IllegalStateException for
 * misuse of state) whose message starts with the op and names the shapes, dtypes, devices or values at fault.
 */
class BadInputTest {

    /** A storage that claims to live on a CUDA device: enough to reach the device checks, which run first. */
    private static final class ElsewhereStorage extends Storage {
        ElsewhereStorage(DType dtype, int size) {
            super(dtype, size);
        }

        @Override
        public Device device() {
            return Device.cuda(0);
        }
    }

    private static Tensor onCuda(int... shape) {
        int n = Shapes.numel(shape);
        return Tensor.fromStorage(new ElsewhereStorage(DType.F32, n), shape, Shapes.contiguousStrides(shape), 0);
    }

    private static Tensor onCudaIndex(int... shape) {
        int n = Shapes.numel(shape);
        return Tensor.fromStorage(new ElsewhereStorage(DType.I32, n), shape, Shapes.contiguousStrides(shape), 0);
    }

    @Test
    void shapeMismatchInABinaryOp() {
        assertRejects(() -> Tensor.zeros(2, 3).add(Tensor.zeros(4)), "add", "[2, 3]", "[4]", "cannot be broadcast");
        assertRejects(() -> Tensor.zeros(2, 3).mul(Tensor.zeros(3, 2)), "mul", "[2, 3]", "[3, 2]");
        assertRejects(() -> Tensor.zeros(5).lt(Tensor.zeros(4)), "lt", "[5]", "[4]");
    }

    @Test
    void issue15ElementwiseAndActivationArguments() {
        assertRejects(() -> Tensor.zeros(2, 3).atan2(Tensor.zeros(4)), "atan2", "[2, 3]", "[4]");
        assertRejects(() -> Tensor.zeros(2).fmod(Tensor.zeros(3)), "fmod", "[2]", "[3]");
        assertRejects(() -> Tensor.arange(3).remainder(Tensor.of(new int[] {1, 0, 2})), "remainder", "division by zero");
        assertRejects(() -> Tensor.zeros(2).div(Tensor.ones(2), "round"), "div", "\"round\"");
        assertRejects(() -> Tensor.zeros(2).bitwiseXor(Tensor.zeros(2)), "bitwiseXor", "F32");
        assertRejects(() -> Tensor.arange(2).bitwiseRightShift(Tensor.zeros(DType.BOOL, 2)), "bitwiseRightShift", "BOOL");
        assertRejects(() -> Tensor.zeros(2).isclose(Tensor.zeros(2), 1e-5, -1), "isclose", "atol -1.0");
        assertRejects(() -> Tensor.zeros(2).isclose(Tensor.zeros(DType.F64, 2)), "isclose", "F32", "F64");
        assertRejects(() -> Tensor.zeros(2).lerp(Tensor.zeros(3), 0.5), "lerp", "[2]", "[3]");
        assertRejects(() -> Tensor.zeros(2).lerp(Tensor.zeros(2), Tensor.zeros(DType.F64, 2)), "lerp", "F64");
        assertRejects(() -> Tensor.arange(2).frac(), "frac", "I32");
        assertRejects(() -> Tensor.zeros(2).hardtanh(1, -1), "hardtanh", "minVal 1.0", "maxVal -1.0");
        assertRejects(() -> Tensor.zeros(2).softshrink(-0.5), "softshrink", "lambd", "-0.5");
        assertRejects(() -> Tensor.zeros(2).celu(0), "celu", "alpha", "0");
        assertRejects(() -> Tensor.zeros(2).elu(Double.NaN), "elu", "NaN");
        assertRejects(() -> Tensor.zeros(2).softplus(0), "softplus", "beta 0.0");
        assertRejects(() -> Tensor.zeros(2, 3).glu(1), "glu", "[2, 3]", "odd size 3");
        assertRejects(() -> Tensor.zeros(2).glu(2), "glu", "2");
        assertRejects(() -> Tensor.arange(4).elu(), "elu", "I32");
    }

    @Test
    void nonBroadcastablePairInWhere() {
        Tensor cond = Tensor.zeros(DType.BOOL, 2, 3);
        assertRejects(() -> Tensor.where(cond, Tensor.zeros(3), Tensor.zeros(4)), "where", "[3]", "[4]");
        assertRejects(() -> Tensor.where(cond, Tensor.zeros(3, 3), Tensor.zeros(3)), "where", "[2, 3]", "[3, 3]");
    }

    @Test
    void dtypeMismatch() {
        // elementwise ops promote mixed dtypes (TypePromotionTest); matmul does not, as PyTorch
        assertRejects(() -> Tensor.zeros(2, 2).matmul(Tensor.zeros(DType.F64, 2, 2)), "matmul", "F32", "F64");
        assertRejects(() -> Tensor.zeros(DType.I32, 2).add_(Tensor.zeros(2)), "add_", "F32", "I32");
        assertRejects(() -> Tensor.zeros(DType.I32, 2).mul_(0.5), "mul_", "F32", "I32");
        assertRejects(() -> Tensor.zeros(DType.I32, 2).div_(Tensor.ones(DType.I32, 2)), "div_", "F32", "I32");
        assertRejects(() -> Tensor.zeros(2).bitwiseAnd(Tensor.zeros(DType.I32, 2)), "bitwiseAnd", "F32", "I32");
        assertRejects(() -> Tensor.zeros(DType.BOOL, 2).sub(Tensor.zeros(DType.BOOL, 2)), "sub", "BOOL", "logicalXor");
        assertRejects(() -> Tensor.zeros(DType.BOOL, 2).pow(Tensor.zeros(DType.BOOL, 2)), "pow", "BOOL");
        assertRejects(() -> Tensor.arange(3).pow(-1), "pow", "negative", "I32");
        assertRejects(() -> Tensor.where(Tensor.zeros(2), Tensor.zeros(2), Tensor.zeros(2)), "where", "BOOL", "F32");
        assertRejects(() -> Tensor.zeros(3).indexAdd(0, Tensor.arange(1), Tensor.zeros(DType.F64, 1)), "indexAdd",
                "F32", "F64");
        assertRejects(() -> Tensor.zeros(3).scatterAdd(0, Tensor.arange(1), Tensor.zeros(DType.F64, 1)), "scatterAdd",
                "F32", "F64");
        assertRejects(() -> Tensor.zeros(3).gather(0, Tensor.zeros(3)), "gather", "I32", "F32");
        assertRejects(() -> Tensor.zeros(3).indexSelect(0, Tensor.zeros(DType.F64, 1)), "indexSelect", "I32", "F64");
        assertRejects(() -> Tensor.embedding(Tensor.zeros(2), Tensor.zeros(4, 2)), "embedding", "I32", "F32");
        assertRejects(() -> Tensor.zeros(DType.BOOL, 2).remainder(Tensor.zeros(DType.BOOL, 2)), "remainder", "BOOL");
        assertRejects(() -> Tensor.zeros(DType.BOOL, 2).neg(), "neg", "BOOL");
        assertRejects(() -> Tensor.zeros(DType.I32, 2).requiresGrad(true), "requiresGrad", "I32");
    }

    @Test
    void deviceMismatch() {
        Tensor cpu = Tensor.zeros(2);
        Tensor gpu = onCuda(2);
        assertRejects(() -> cpu.add(gpu), "add", "cpu", "cuda:0");
        assertRejects(() -> cpu.matmul(gpu), "matmul", "cpu", "cuda:0");
        assertRejects(() -> Tensor.cat(0, cpu, gpu), "cat", "cpu", "cuda:0");
        assertRejects(() -> Tensor.stack(0, cpu, gpu), "stack", "cpu", "cuda:0");
        assertRejects(() -> Tensor.where(cpu.gt(0), cpu, gpu), "where", "cpu", "cuda:0");
        assertRejects(() -> cpu.copy_(gpu), "copy_", "cpu", "cuda:0");
        assertRejects(() -> cpu.gather(0, onCudaIndex(2)), "gather", "cpu", "cuda:0");
        assertRejects(() -> cpu.indexSelect(0, onCudaIndex(1)), "indexSelect", "cpu", "cuda:0");
        assertRejects(() -> Tensor.embedding(onCudaIndex(1), Tensor.zeros(3, 2)), "embedding", "cpu", "cuda:0");
        assertRejects(() -> Tensor.zeros(2, 3).crossEntropy(onCudaIndex(2)), "crossEntropy", "cpu", "cuda:0");
        assertRejects(() -> cpu.mseLoss(gpu), "sub", "cpu", "cuda:0");
        assertRejects(() -> Tensor.zeros(2, 3).layerNorm(new int[] {3}, onCuda(3), null, 1e-5), "layerNorm", "cpu",
                "cuda:0");
    }

    @Test
    void batchNormArguments() {
        Tensor x = Tensor.zeros(4, 3, 2);
        assertRejects(() -> Tensor.zeros(3).batchNorm(null, null, null, null, true, 0.1, 1e-5), "batchNorm", "[3]",
                "at least 2 dims");
        assertRejects(() -> Tensor.zeros(DType.I32, 4, 3).batchNorm(null, null, null, null, true, 0.1, 1e-5),
                "batchNorm", "I32");
        assertRejects(() -> x.batchNorm(null, null, Tensor.ones(4), null, true, 0.1, 1e-5), "batchNorm", "weight",
                "[3]", "[4]");
        assertRejects(() -> x.batchNorm(null, null, null, Tensor.ones(DType.F64, 3), true, 0.1, 1e-5), "batchNorm",
                "bias", "F64");
        assertRejects(() -> x.batchNorm(Tensor.zeros(3), null, null, null, true, 0.1, 1e-5), "batchNorm",
                "runningMean and runningVar");
        assertRejects(() -> x.batchNorm(onCuda(3), Tensor.ones(3), null, null, true, 0.1, 1e-5), "batchNorm",
                "runningMean", "cuda:0", "cpu");
        assertRejects(() -> x.batchNorm(null, null, null, null, true, 0.1, Double.NaN), "batchNorm", "eps", "NaN");
        assertRejects(() -> x.batchNorm(null, null, null, null, true, 1.5, 1e-5), "batchNorm", "momentum", "1.5");
        assertRejects(() -> Tensor.zeros(1, 3, 1).batchNorm(null, null, null, null, true, 0.1, 1e-5), "batchNorm",
                "more than 1 value per channel", "[1, 3, 1]");
        assertRejects(() -> Tensor.zeros(4, 3).addRelu(Tensor.zeros(4, 2)), "addRelu", "[4, 3]", "[4, 2]");
        // the fused batchNormRelu checks the same, under its own name
        assertRejects(() -> x.batchNormRelu(null, null, Tensor.ones(4), null, true, 0.1, 1e-5), "batchNormRelu",
                "weight", "[3]", "[4]");
        assertRejects(() -> Tensor.zeros(1, 3, 1).batchNormRelu(null, null, null, null, true, 0.1, 1e-5),
                "batchNormRelu", "more than 1 value per channel");
    }

    @Test
    void fusedOptimizerSteps() {
        SgdConfig momentum = new SgdConfig(0.1, 0.9, 0, 0, false, true);
        SgdConfig plain = new SgdConfig(0.1, 0, 0, 0, false, false);
        assertRejects(() -> Fused.sgdStep(Tensor.zeros(4), Tensor.zeros(5), Tensor.zeros(4), momentum), "sgdStep", "grad",
                "[5]", "[4]");
        assertRejects(() -> Fused.sgdStep(Tensor.zeros(4), Tensor.zeros(4), Tensor.zeros(DType.F64, 4), momentum),
                "sgdStep", "momentumBuffer", "F64");
        assertRejects(() -> Fused.sgdStep(Tensor.zeros(4), Tensor.zeros(4), null, momentum), "sgdStep",
                "momentumBuffer", "0.9");
        assertRejects(() -> Fused.sgdStep(Tensor.zeros(4), Tensor.zeros(4), Tensor.zeros(4), plain), "sgdStep",
                "momentumBuffer", "null");
        assertRejects(() -> Fused.sgdStep(Tensor.zeros(4, 3), Tensor.zeros(3, 4).t(), null, plain), "sgdStep", "grad",
                "contiguous");
        assertRejects(() -> Fused.sgdStep(Tensor.zeros(DType.I32, 4), Tensor.zeros(DType.I32, 4), null, plain),
                "sgdStep", "I32");
        assertRejects(() -> Fused.sgdStep(Tensor.zeros(4), onCuda(4), null, plain), "sgdStep", "cuda:0", "cpu");
        assertRejects(() -> new SgdConfig(-1, 0, 0, 0, false, false), "sgdStep", "lr", "-1");
        assertRejects(() -> new SgdConfig(0.1, Double.NaN, 0, 0, false, false), "sgdStep", "momentum", "NaN");
        assertRejects(() -> new SgdConfig(0.1, 0.9, 0.1, 0, true, false), "sgdStep", "Nesterov", "dampening 0.1");
        assertRejects(() -> new SgdConfig(0.1, 0, 0, -1e-4, false, false), "sgdStep", "weightDecay");
    }

    @Test
    void dimOutOfRange() {
        Tensor x = Tensor.zeros(2, 3);
        assertRejects(() -> x.sum(2), "sum", "dim 2", "rank 2");
        assertRejects(() -> x.softmax(-3), "softmax", "dim -3", "rank 2");
        assertRejects(() -> x.transpose(0, 5), "transpose", "dim 5");
        assertRejects(() -> x.select(2, 0), "select", "dim 2");
        assertRejects(() -> x.narrow(-3, 0, 1), "narrow", "dim -3");
        assertRejects(() -> x.gather(2, Tensor.zeros(DType.I32, 2, 3)), "gather", "dim 2");
        assertRejects(() -> x.indexSelect(3, Tensor.arange(1)), "indexSelect", "dim 3");
        assertRejects(() -> Tensor.cat(2, x, x), "cat", "dim 2");
        assertRejects(() -> x.argmin(-3, false), "argmin", "dim -3");
        assertRejects(() -> x.unsqueeze(4), "unsqueeze", "dim 4");
        assertRejects(() -> x.movedim(0, 2), "movedim", "dim 2");
    }

    @Test
    void indexOutOfBoundsInGather() {
        Tensor x = Tensor.zeros(2, 3);
        assertRejects(() -> x.gather(1, Tensor.of(new int[] {0, 3, 1, 1}, 2, 2)), "gather", "index 3", "[0, 3)");
        assertRejects(() -> x.gather(0, Tensor.of(new int[] {-1, 0}, 1, 2)), "gather", "index -1", "[0, 2)");
        assertRejects(() -> x.gather(1, Tensor.zeros(DType.I32, 3, 1)), "gather", "[3, 1]", "[2, 3]");
        assertRejects(() -> x.gather(1, Tensor.zeros(DType.I32, 2)), "gather", "[2]", "[2, 3]", "number of dims");
    }

    @Test
    void indexOutOfBoundsInEmbedding() {
        Tensor w = Tensor.zeros(10, 4);
        assertRejects(() -> Tensor.embedding(Tensor.of(new int[] {1, 10}), w), "embedding", "index 10", "position 1",
                "[0, 10)");
        assertRejects(() -> Tensor.embedding(Tensor.of(new int[] {-1}), w), "embedding", "index -1");
        assertRejects(() -> Tensor.embedding(Tensor.of(new int[] {1}), Tensor.zeros(10)), "embedding", "[10]", "2-D");
    }

    @Test
    void indexOutOfBoundsInIndexSelect() {
        Tensor x = Tensor.zeros(4, 3);
        assertRejects(() -> x.indexSelect(1, Tensor.of(new int[] {0, 3})), "indexSelect", "index 3", "[0, 3)");
        assertRejects(() -> x.indexSelect(0, Tensor.of(new int[] {-5})), "indexSelect", "index -5", "[0, 4)");
        assertRejects(() -> x.indexSelect(0, Tensor.zeros(DType.I32, 1, 1)), "indexSelect", "[1, 1]", "1-D");
    }

    @Test
    void indexOutOfBoundsInScatterAddAndIndexAdd() {
        Tensor x = Tensor.zeros(2, 3);
        assertRejects(() -> x.scatterAdd(1, Tensor.of(new int[] {0, 4}, 1, 2), Tensor.zeros(1, 2)), "scatterAdd",
                "index 4", "[0, 3)");
        assertRejects(() -> x.scatterAdd(1, Tensor.zeros(DType.I32, 3, 1), Tensor.zeros(3, 3)), "scatterAdd", "[3, 1]",
                "[2, 3]");
        assertRejects(() -> x.scatterAdd(0, Tensor.zeros(DType.I32, 1, 2), Tensor.zeros(1, 1)), "scatterAdd", "[1, 2]",
                "[1, 1]");
        assertRejects(() -> x.indexAdd(0, Tensor.of(new int[] {2}), Tensor.zeros(1, 3)), "indexAdd", "index 2", "[0, 2)");
        assertRejects(() -> x.indexAdd(0, Tensor.of(new int[] {1}), Tensor.zeros(2, 3)), "indexAdd", "[2, 3]", "[1, 3]");
    }

    @Test
    void reshapeThatChangesTheElementCount() {
        assertRejects(() -> Tensor.zeros(2, 3).reshape(5), "reshape", "[2, 3]", "6 elements", "[5]");
        assertRejects(() -> Tensor.zeros(2, 3).view(3, 3), "view", "[2, 3]", "[3, 3]");
    }

    @Test
    void labelOutOfRangeInCrossEntropy() {
        assertRejects(() -> Tensor.zeros(3, 5).crossEntropy(Tensor.of(new int[] {0, 5, 1})), "crossEntropy",
                "label 5", "[0, 5)");
        assertRejects(() -> Tensor.zeros(3, 5).crossEntropy(Tensor.of(new int[] {0, 1, -2}), Reduction.SUM, -1),
                "crossEntropy", "label -2", "ignore index -1");
    }

    @Test
    void nanLabelsInCrossEntropy() {
        assertRejects(() -> Tensor.zeros(3, 5).crossEntropy(Tensor.of(new float[] {0, Float.NaN, 1})), "crossEntropy",
                "NaN", "[3]");
        assertRejects(() -> Tensor.zeros(3, 5).crossEntropy(Tensor.full(Double.NaN, 3, 5)), "crossEntropy", "NaN",
                "[3, 5]");
    }

    @Test
    void matmulInnerDimMismatch() {
        assertRejects(() -> Tensor.zeros(32, 784).matmul(Tensor.zeros(512, 10)), "matmul",
                "cannot multiply [32, 784] by [512, 10]: inner dimensions 784 and 512 differ");
    }

    @Test
    void stateMisuse() {
        assertRefusesState(() -> Tensor.zeros(2).retainGrad(), "retainGrad", "does not require grad");
        assertRejects(() -> Tensor.zeros(2).setGrad(Tensor.zeros(3)), "setGrad", "[3]", "[2]");
        // without the autograd module backward explains what is missing (other modules rerun this class with it)
        if (!Autograd.isAvailable()) {
            assertRefusesState(() -> Tensor.scalar(1).requiresGrad(true).backward(), "backward", "kiln-autograd");
        }
    }
}
