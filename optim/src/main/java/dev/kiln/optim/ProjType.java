package dev.kiln.optim;

/**
 * Which side of an m×n gradient GaLore compresses (docs/formulas/optimizers.md; the official code's
 * {@code proj_type}).
 */
public enum ProjType {
    /** The smaller side: P = Vᵀ[:r, :] on the right when m ≥ n, else P = U[:, :r] on the left. */
    STD,
    /** The larger side: the opposite of {@link #STD}. */
    REVERSE_STD,
    /** Always P = U[:, :r]: R = Pᵀ·G (r×n). */
    LEFT,
    /** Always P = Vᵀ[:r, :]: R = G·Pᵀ (m×r). */
    RIGHT,
    /** Both sides: R = Aᵀ·G·Bᵀ (r×r) with A = U[:, :r], B = Vᵀ[:r, :]. */
    FULL
}
