package dev.kiln.layers.kan;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Several families side by side, for S-KAN (Yang et al., "Activation Space Selectable
 * Kolmogorov-Arnold Networks"): the columns of every family concatenated, [N, in, Σ n_f]. A
 * {@link KANLinear} built on a mixed basis gets one learnable mixing weight per edge and family,
 * {@code mixing_weight} [out, in, F], that multiplies that family's part of the edge's spline.
 *
 * <p><b>Unverified:</b> docs/formulas/kan.md marks S-KAN's details as unverified and so is this: the
 * mixing weights here are plain learnable scalars initialised to 1/F (no softmax, no
 * temperature), one per edge and family; the paper's three training phases (all families,
 * selective training, pruning to the best family per node) are left to the training loop, with
 * {@link KANLinear#selectFamilies()} as the pruning step (it keeps the family of largest |mixing
 * weight| on each edge). Wavelet families are not implemented; any {@link Basis} can be added.
 * At most one family may be a {@link BSplineBasis}, whose knots are the layer's grid.
 */
public final class MixedBasis implements Basis {
    private final List<Basis> families;
    private final int[] familyOfColumn;
    private final BSplineBasis spline;

    public MixedBasis(List<Basis> families) {
        if (families == null || families.isEmpty()) {
            throw new IllegalArgumentException("MixedBasis: at least one family is needed");
        }
        BSplineBasis found = null;
        List<Integer> columns = new ArrayList<>();
        for (int f = 0; f < families.size(); f++) {
            Basis b = families.get(f);
            if (b == null || b instanceof MixedBasis) {
                throw new IllegalArgumentException("MixedBasis: family " + f + " is " + (b == null ? "null" : "itself mixed"));
            }
            if (b instanceof BSplineBasis s) {
                if (found != null) {
                    throw new IllegalArgumentException("MixedBasis: at most one B-spline family (its knots are the layer's grid)");
                }
                found = s;
            }
            for (int c = 0; c < b.size(); c++) {
                columns.add(f);
            }
        }
        this.families = List.copyOf(families);
        this.familyOfColumn = columns.stream().mapToInt(Integer::intValue).toArray();
        this.spline = found;
    }

    public MixedBasis(Basis... families) {
        this(List.of(families));
    }

    public List<Basis> families() {
        return families;
    }

    /** For each of the {@link #size()} columns, the index of its family. */
    public int[] familyOfColumn() {
        return familyOfColumn.clone();
    }

    @Override
    public int size() {
        return familyOfColumn.length;
    }

    @Override
    public Tensor initialGrid(int inFeatures, DType dtype) {
        return spline == null ? null : spline.initialGrid(inFeatures, dtype);
    }

    @Override
    public Tensor evaluate(Tensor x, Tensor grid) {
        List<Tensor> parts = new ArrayList<>(families.size());
        for (Basis b : families) {
            parts.add(b.evaluate(x, b instanceof BSplineBasis ? grid : null));
        }
        return parts.size() == 1 ? parts.get(0) : Tensor.cat(parts, -1);
    }

    /** The B-spline family's grid points if there is one, else the first family's points. */
    @Override
    public Tensor initPoints(Tensor grid, int inFeatures, DType dtype) {
        return spline != null ? spline.initPoints(grid, inFeatures, dtype) : families.get(0).initPoints(null, inFeatures, dtype);
    }

    @Override
    public String describe() {
        return "Mixed(" + families.stream().map(Basis::describe).collect(Collectors.joining(", ")) + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
