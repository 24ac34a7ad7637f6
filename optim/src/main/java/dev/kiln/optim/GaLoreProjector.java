package dev.kiln.optim;

import dev.kiln.tensor.Linalg;
import dev.kiln.tensor.Tensor;

/**
 * GaLore's gradient projector (docs/formulas/optimizers.md): the matrices P (or A and B for FULL) from a
 * thin SVD of the raw gradient, kept in a parameter's state as "projector" (or "projector_left"
 * and "projector_right"), and the projections R = project(G) and project_back(N)·α.
 *
 * <p>The SVD is Kiln's {@link Linalg#svd}: computed in float64, rounded to the gradient's dtype,
 * with its documented sign convention; each use of P appears twice (project and project back),
 * so within one projector period the update does not depend on the signs.
 */
final class GaLoreProjector {
    private GaLoreProjector() {
    }

    /** Where the projection acts for an m×n matrix. */
    enum Side { LEFT, RIGHT, FULL }

    static Side side(ProjType type, int m, int n) {
        return switch (type) {
            case STD -> m >= n ? Side.RIGHT : Side.LEFT;
            case REVERSE_STD -> m >= n ? Side.LEFT : Side.RIGHT;
            case LEFT -> Side.LEFT;
            case RIGHT -> Side.RIGHT;
            case FULL -> Side.FULL;
        };
    }

    /** The shape of R = project(G) for an m×n gradient. */
    static int[] lowRankShape(Side side, int m, int n, int rank) {
        return switch (side) {
            case LEFT -> new int[] {rank, n};
            case RIGHT -> new int[] {m, rank};
            case FULL -> new int[] {rank, rank};
        };
    }

    /** Recomputes the projector of state s from gradient g (m×n). */
    static void recompute(ParamState s, Tensor g, int rank, Side side) {
        Linalg.Svd svd = Linalg.svd(g.detach());
        Tensor a = svd.u().narrow(1, 0, rank).contiguous();      // U[:, :r], m×r
        Tensor b = svd.vh().narrow(0, 0, rank).contiguous();     // Vᵀ[:r, :], r×n
        switch (side) {
            case LEFT -> Optimizer.putState(s, "projector", a);
            case RIGHT -> Optimizer.putState(s, "projector", b);
            case FULL -> {
                Optimizer.putState(s, "projector_left", a);
                Optimizer.putState(s, "projector_right", b);
            }
        }
    }

    static boolean exists(ParamState s, Side side) {
        return s.get(side == Side.FULL ? "projector_left" : "projector") != null;
    }

    /** R = project(G). */
    static Tensor project(ParamState s, Tensor g, Side side) {
        return switch (side) {
            case LEFT -> s.get("projector").t().matmul(g);
            case RIGHT -> g.matmul(s.get("projector").t());
            case FULL -> s.get("projector_left").t().matmul(g).matmul(s.get("projector_right").t());
        };
    }

    /** project_back(N)·α. */
    static Tensor projectBack(ParamState s, Tensor lowRank, Side side, double scale) {
        Tensor full = switch (side) {
            case LEFT -> s.get("projector").matmul(lowRank);
            case RIGHT -> lowRank.matmul(s.get("projector"));
            case FULL -> s.get("projector_left").matmul(lowRank).matmul(s.get("projector_right"));
        };
        return full.mul(scale);
    }

    /** The names and shapes of the projector state for an m×n matrix. */
    static void checkState(Optimizer opt, int index, ParamState s, Side side, int m, int n, int rank) {
        switch (side) {
            case LEFT -> opt.requireStateTensor(index, s, "projector", new int[] {m, rank});
            case RIGHT -> opt.requireStateTensor(index, s, "projector", new int[] {rank, n});
            case FULL -> {
                opt.requireStateTensor(index, s, "projector_left", new int[] {m, rank});
                opt.requireStateTensor(index, s, "projector_right", new int[] {rank, n});
            }
        }
    }
}
