package dev.kiln.kernels.cuda;

import static dev.kiln.kernels.cuda.Param.ATTN_SHAPE;
import static dev.kiln.kernels.cuda.Param.CONV_GEOM;
import static dev.kiln.kernels.cuda.Param.DOUBLE;
import static dev.kiln.kernels.cuda.Param.INT;
import static dev.kiln.kernels.cuda.Param.LAYOUT;
import static dev.kiln.kernels.cuda.Param.LONG;
import static dev.kiln.kernels.cuda.Param.POOL_DIMS;
import static dev.kiln.kernels.cuda.Param.PTR;
import static dev.kiln.kernels.cuda.Param.REDUCE_LAYOUT;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.kiln.tensor.DType;

/**
 * Every kernel Kiln launches, with its module and parameter list: the one place the Java side
 * states what the CUDA sources define. KernelSignatureTest holds this list against the PTX.
 */
final class Kernels {
    private Kernels() {
    }

    static final List<String> ALL_TYPES = List.of("f32", "f64", "i32", "u8");
    /** Every dtype's suffix: fill and copy (with conversion) take them all; other kernels only ALL_TYPES. */
    static final List<String> STORAGE_TYPES = List.of("f32", "f64", "i32", "u8", "f16", "bf16", "i64", "i8", "uint8");
    static final List<String> NUMERIC = List.of("f32", "f64", "i32");
    static final List<String> FLOATS = List.of("f32", "f64");
    static final List<String> NONE = List.of("");

    // elementwise.cu
    static final KernelSpec FILL = spec("elementwise", "fill", STORAGE_TYPES, LAYOUT, PTR, DOUBLE);
    static final KernelSpec COPY = spec("elementwise", "copy", pairs(STORAGE_TYPES), LAYOUT, PTR, PTR);
    static final KernelSpec UNARY = spec("elementwise", "unary", NUMERIC, LAYOUT, INT, PTR, PTR);
    static final KernelSpec UNARY_VEC4 = spec("elementwise", "unary_f32_vec4", NONE, INT, INT, PTR, PTR);
    static final KernelSpec BINARY = spec("elementwise", "binary", NUMERIC, LAYOUT, INT, PTR, PTR, PTR);
    static final KernelSpec BINARY_VEC4 = spec("elementwise", "binary_f32_vec4", NONE, INT, INT, PTR, PTR, PTR);
    static final KernelSpec COMPARE = spec("elementwise", "compare", NUMERIC, LAYOUT, INT, PTR, PTR, PTR);
    static final KernelSpec CLAMP = spec("elementwise", "clamp", NUMERIC, LAYOUT, PTR, PTR, DOUBLE, DOUBLE);
    static final KernelSpec WHERE = spec("elementwise", "where", ALL_TYPES, LAYOUT, PTR, PTR, PTR, PTR);

    // activation.cu
    static final KernelSpec UNARY_BACKWARD = spec("activation", "unary_backward", FLOATS, LAYOUT, INT, PTR, PTR, PTR);
    static final KernelSpec ACTIVATION = spec("activation", "activation", FLOATS, LAYOUT, INT, DOUBLE, DOUBLE, DOUBLE,
            DOUBLE, PTR, PTR);
    static final KernelSpec ACTIVATION_BACKWARD = spec("activation", "activation_backward", FLOATS, LAYOUT, INT, DOUBLE,
            DOUBLE, DOUBLE, DOUBLE, PTR, PTR, PTR);
    static final KernelSpec PRELU = spec("activation", "prelu", FLOATS, INT, INT, INT, PTR, PTR, PTR);
    static final KernelSpec PRELU_BACKWARD = spec("activation", "prelu_backward", FLOATS, INT, INT, INT, PTR, PTR, PTR,
            PTR);
    static final KernelSpec PRELU_WEIGHT_PARTIAL = spec("activation", "prelu_weight_partial", FLOATS, INT, INT, INT, INT,
            PTR, PTR, PTR);
    static final KernelSpec PAU = spec("activation", "pau", FLOATS, INT, INT, INT, PTR, PTR, PTR, PTR);
    static final KernelSpec PAU_BACKWARD = spec("activation", "pau_backward", FLOATS, INT, INT, INT, PTR, PTR, PTR, PTR,
            PTR, PTR);

    // attention.cu
    static final KernelSpec ATTENTION_FORWARD = spec("attention", "attention_forward", FLOATS, ATTN_SHAPE, INT, DOUBLE,
            PTR, PTR, PTR, PTR, PTR, PTR);
    static final KernelSpec ATTENTION_ROWDOT = spec("attention", "attention_rowdot", FLOATS, ATTN_SHAPE, PTR, PTR, PTR);
    static final KernelSpec ATTENTION_DQ = spec("attention", "attention_dq", FLOATS, ATTN_SHAPE, INT, DOUBLE, PTR, PTR,
            PTR, PTR, PTR, PTR, PTR, PTR, PTR);
    static final KernelSpec ATTENTION_DKDV = spec("attention", "attention_dkdv", FLOATS, ATTN_SHAPE, INT, DOUBLE, PTR,
            PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR);

    // kan.cu
    static final KernelSpec BSPLINE_BASIS = spec("kan", "bspline_basis", FLOATS, INT, INT, INT, INT, PTR, PTR, PTR, PTR);
    static final KernelSpec BSPLINE_BASIS_BACKWARD = spec("kan", "bspline_basis_backward", FLOATS, INT, INT, PTR, PTR,
            PTR);
    /** As KILN_KAN_MAX_KNOTS: the basis kernel keeps a row of order-0 indicators per thread. */
    static final int KAN_MAX_KNOTS = 128;

    // reduce.cu
    static final KernelSpec REDUCE_ROWS = spec("reduce", "reduce_rows", ALL_TYPES, REDUCE_LAYOUT, INT, PTR, PTR, PTR, INT);
    static final KernelSpec REDUCE_COLS = spec("reduce", "reduce_cols", ALL_TYPES, REDUCE_LAYOUT, INT, PTR, PTR, PTR, INT);
    static final KernelSpec REDUCE_FINISH = spec("reduce", "reduce_finish", NUMERIC, INT, INT, INT, PTR, PTR);
    static final KernelSpec ARGREDUCE_ROWS = spec("reduce", "argreduce_rows", NUMERIC, REDUCE_LAYOUT, INT, PTR, PTR);
    static final KernelSpec ARGREDUCE_COLS = spec("reduce", "argreduce_cols", NUMERIC, REDUCE_LAYOUT, INT, PTR, PTR);

    // scan.cu
    static final KernelSpec PROD = spec("scan", "prod", NUMERIC, INT, INT, INT, PTR, PTR);
    static final KernelSpec SCAN = spec("scan", "scan", NUMERIC, INT, INT, INT, INT, PTR, PTR, PTR);
    static final KernelSpec SORT_TILE = spec("scan", "sort_tile", NUMERIC, INT, INT, INT, PTR, PTR, PTR);
    static final KernelSpec SORT_MERGE = spec("scan", "sort_merge", NUMERIC, INT, INT, INT, INT, INT, PTR, PTR, PTR, PTR);

    // softmax.cu
    static final KernelSpec SOFTMAX_ROWS = spec("softmax", "softmax_rows", FLOATS, INT, INT, PTR, PTR);
    static final KernelSpec SOFTMAX_COLS = spec("softmax", "softmax_cols", FLOATS, INT, INT, INT, INT, PTR, PTR);
    static final KernelSpec SOFTMAX_BACKWARD_ROWS = spec("softmax", "softmax_backward_rows", FLOATS, INT, INT, PTR, PTR, PTR);
    static final KernelSpec SOFTMAX_BACKWARD_COLS = spec("softmax", "softmax_backward_cols", FLOATS, INT, INT, INT, INT,
            PTR, PTR, PTR);
    static final KernelSpec CROSS_ENTROPY = spec("softmax", "cross_entropy", FLOATS, INT, INT, PTR, PTR, PTR);
    static final KernelSpec CROSS_ENTROPY_BACKWARD = spec("softmax", "cross_entropy_backward", FLOATS, INT, INT, PTR, PTR,
            PTR, PTR);

    // norm.cu
    static final KernelSpec LAYER_NORM = spec("norm", "layer_norm", FLOATS, INT, DOUBLE, PTR, PTR, PTR, PTR, PTR, PTR);
    static final KernelSpec RMS_NORM = spec("norm", "rms_norm", FLOATS, INT, DOUBLE, PTR, PTR, PTR, PTR);
    static final KernelSpec NORM_BACKWARD = spec("norm", "norm_backward", FLOATS, INT, PTR, PTR, PTR, PTR, PTR, PTR);
    static final KernelSpec NORM_PARAMS_PARTIAL = spec("norm", "norm_params_partial", FLOATS, INT, INT, INT, PTR, PTR, PTR,
            PTR, PTR, PTR);
    static final KernelSpec COLUMN_SUM = spec("norm", "column_sum", FLOATS, INT, INT, PTR, PTR);
    static final KernelSpec BATCH_NORM = spec("norm", "batch_norm", FLOATS, INT, INT, INT, DOUBLE, PTR, PTR, PTR, PTR,
            PTR, PTR);
    static final KernelSpec BATCH_NORM_BACKWARD = spec("norm", "batch_norm_backward", FLOATS, INT, INT, INT, PTR, PTR,
            PTR, PTR, PTR, PTR, PTR, PTR);
    static final KernelSpec BATCH_NORM_EVAL = spec("norm", "batch_norm_eval", FLOATS, INT, INT, INT, PTR, PTR, PTR, PTR);

    // conv.cu
    static final KernelSpec IM2COL = spec("conv", "im2col", FLOATS, CONV_GEOM, PTR, PTR);
    static final KernelSpec COL2IM = spec("conv", "col2im", FLOATS, CONV_GEOM, PTR, PTR);

    // pool.cu: PoolDims, [divisor,] window table, out, ...
    static final KernelSpec MAX_POOL = spec("pool", "max_pool", FLOATS, POOL_DIMS, PTR, PTR, PTR, PTR);
    static final KernelSpec AVG_POOL = spec("pool", "avg_pool", FLOATS, POOL_DIMS, INT, PTR, PTR, PTR);
    static final KernelSpec AVG_POOL_BACKWARD = spec("pool", "avg_pool_backward", FLOATS, POOL_DIMS, INT, PTR, PTR, PTR);
    // planes, inPlane, outPlane, dx, dy, indices
    static final KernelSpec MAX_POOL_BACKWARD = spec("pool", "max_pool_backward", FLOATS, INT, INT, INT, PTR, PTR, PTR);

    // index.cu
    static final KernelSpec GATHER = spec("index", "gather", ALL_TYPES, LAYOUT, INT, PTR, PTR, PTR);
    static final KernelSpec SCATTER_ADD = spec("index", "scatter_add", NUMERIC, LAYOUT, INT, PTR, PTR, PTR);

    // optim.cu
    static final KernelSpec ADAM = spec("optim", "adam", FLOATS, INT, INT, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE,
            DOUBLE, PTR, PTR, PTR, PTR, PTR);

    // gemm.cu: M, N, K, A, lda, strideA, B, ldb, strideB, C, ldc, strideC
    private static final Param[] GEMM_PARAMS = {INT, INT, INT, PTR, INT, LONG, PTR, INT, LONG, PTR, INT, LONG};
    static final KernelSpec GEMM_TILED = spec("gemm", "gemm_tiled", FLOATS, GEMM_PARAMS);
    static final KernelSpec SGEMM_128 = spec("gemm", "sgemm_128x128", NONE, GEMM_PARAMS);
    static final KernelSpec SGEMM_128_VEC4 = spec("gemm", "sgemm_128x128_vec4", NONE, GEMM_PARAMS);

    private static final List<KernelSpec> ALL = List.of(FILL, COPY, UNARY, UNARY_VEC4, BINARY, BINARY_VEC4, COMPARE, CLAMP,
            WHERE, UNARY_BACKWARD, ACTIVATION, ACTIVATION_BACKWARD, PRELU, PRELU_BACKWARD, PRELU_WEIGHT_PARTIAL, PAU,
            PAU_BACKWARD, ATTENTION_FORWARD, ATTENTION_ROWDOT, ATTENTION_DQ, ATTENTION_DKDV, BSPLINE_BASIS, BSPLINE_BASIS_BACKWARD, REDUCE_ROWS, REDUCE_COLS, REDUCE_FINISH, ARGREDUCE_ROWS, ARGREDUCE_COLS, PROD, SCAN, SORT_TILE, SORT_MERGE, SOFTMAX_ROWS, SOFTMAX_COLS,
            SOFTMAX_BACKWARD_ROWS, SOFTMAX_BACKWARD_COLS, CROSS_ENTROPY, CROSS_ENTROPY_BACKWARD, LAYER_NORM, RMS_NORM,
            NORM_BACKWARD, NORM_PARAMS_PARTIAL, COLUMN_SUM, BATCH_NORM, BATCH_NORM_BACKWARD, BATCH_NORM_EVAL, IM2COL,
            COL2IM, MAX_POOL, AVG_POOL, AVG_POOL_BACKWARD, MAX_POOL_BACKWARD, GATHER, SCATTER_ADD, ADAM, GEMM_TILED,
            SGEMM_128,
            SGEMM_128_VEC4);

    /** Every kernel family, for KernelSignatureTest. */
    static List<KernelSpec> all() {
        return ALL;
    }

    /** The modules (src/main/cuda/NAME.cu) the families live in. */
    static List<String> modules() {
        return ALL.stream().map(KernelSpec::module).distinct().toList();
    }

    /** The kernel-name suffix of a dtype. */
    static String suffix(DType dtype) {
        return switch (dtype) {
            case F32 -> "f32";
            case F64 -> "f64";
            case I32 -> "i32";
            case BOOL -> "u8";
            case U8 -> "uint8";
            case I64 -> "i64";
            case I8 -> "i8";
            case F16 -> "f16";
            case BF16 -> "bf16";
        };
    }

    private static KernelSpec spec(String module, String base, List<String> suffixes, Param... params) {
        return new KernelSpec(module, base, suffixes, Arrays.asList(params));
    }

    private static List<String> pairs(List<String> types) {
        List<String> out = new ArrayList<>();
        for (String s : types) {
            for (String d : types) {
                out.add(s + "_" + d);
            }
        }
        return out;
    }
}
