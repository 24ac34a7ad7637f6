package dev.kiln.kernels.cuda;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.spi.ReduceOp;
import dev.kiln.tensor.spi.ScanOp;
import dev.kiln.tensor.UnaryOp;

/**
 * The op codes the kernels switch on, the same numbers as the {@code KILN_*} defines of
 * {@code kiln.cuh} (OpCodesTest compares them). Unary ops and activations carry their codes in
 * their declarations ({@link UnaryOp}, {@link Activation.Kind}); the other switches are exhaustive
 * without a default, so an op added to an enum does not compile here until it has a code.
 */
final class OpCodes {
    private OpCodes() {
    }

    /** Declared with the op ({@link UnaryOp#cudaCode()}), where the op is declared. */
    static int unary(UnaryOp op) {
        return op.cudaCode();
    }

    /** Arithmetic ops (comparisons have their own codes, see {@link #compare}). */
    static int binary(BinaryOp op) {
        return switch (op) {
            case ADD -> 0;
            case SUB -> 1;
            case MUL -> 2;
            case DIV -> 3;
            case POW -> 4;
            case MAXIMUM -> 5;
            case MINIMUM -> 6;
            case ATAN2 -> 7;
            case COPYSIGN -> 8;
            case LOGADDEXP -> 9;
            case LOGADDEXP2 -> 10;
            case HYPOT -> 11;
            case FMOD -> 12;
            case REMAINDER -> 13;
            case DIV_TRUNC -> 14;
            case DIV_FLOOR -> 15;
            case BITWISE_AND -> 16;
            case BITWISE_OR -> 17;
            case BITWISE_XOR -> 18;
            case BITWISE_LEFT_SHIFT -> 19;
            case BITWISE_RIGHT_SHIFT -> 20;
            case EQ, NE, LT, LE, GT, GE -> throw new IllegalArgumentException("OpCodes.binary: " + op + " is a comparison");
        };
    }

    static int compare(BinaryOp op) {
        return switch (op) {
            case EQ -> 0;
            case NE -> 1;
            case LT -> 2;
            case LE -> 3;
            case GT -> 4;
            case GE -> 5;
            case ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, ATAN2, COPYSIGN, LOGADDEXP, LOGADDEXP2, HYPOT, FMOD,
                 REMAINDER, DIV_TRUNC, DIV_FLOOR, BITWISE_AND, BITWISE_OR, BITWISE_XOR, BITWISE_LEFT_SHIFT,
                 BITWISE_RIGHT_SHIFT -> throw new IllegalArgumentException("OpCodes.compare: " + op + " is not a comparison");
        };
    }

    static int reduce(ReduceOp op) {
        return switch (op) {
            case SUM -> 0;
            case MAX -> 1;
            case MIN -> 2;
        };
    }

    static int scan(ScanOp op) {
        return switch (op) {
            case CUMSUM -> 0;
            case CUMPROD -> 1;
            case CUMMAX -> 2;
            case CUMMIN -> 3;
            case LOGCUMSUMEXP -> 4;
        };
    }

    /** Declared with the kind ({@link Activation.Kind#cudaCode()}). */
    static int activation(Activation.Kind kind) {
        return kind.cudaCode();
    }

    static int adam(AdamConfig.Mode mode) {
        return switch (mode) {
            case ADAM -> 0;
            case ADAMW -> 1;
            case ADAMW_HF -> 2;
        };
    }

    /** Every code by its kiln.cuh name (without the KILN_ prefix), for OpCodesTest. */
    static Map<String, Integer> all() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (UnaryOp op : UnaryOp.values()) {
            m.put("UNARY_" + op.name(), unary(op));
        }
        for (BinaryOp op : BinaryOp.values()) {
            m.put(op.isComparison() ? "COMPARE_" + op.name() : "BINARY_" + op.name(),
                    op.isComparison() ? compare(op) : binary(op));
        }
        for (ReduceOp op : ReduceOp.values()) {
            m.put("REDUCE_" + op.name(), reduce(op));
        }
        for (ScanOp op : ScanOp.values()) {
            m.put("SCAN_" + op.name(), scan(op));
        }
        for (Activation.Kind kind : Activation.Kind.values()) {
            m.put("ACTIVATION_" + kind.name(), activation(kind));
        }
        for (AdamConfig.Mode mode : AdamConfig.Mode.values()) {
            m.put("ADAM_" + mode.name(), adam(mode));
        }
        return m;
    }
}
