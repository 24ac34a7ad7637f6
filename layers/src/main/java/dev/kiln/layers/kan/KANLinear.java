package dev.kiln.layers.kan;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Init;
import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.layers.activation.SiLU;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Linalg;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * One Kolmogorov–Arnold layer (Liu et al., "KAN: Kolmogorov-Arnold Networks"; docs/formulas/kan.md) in
 * efficient-kan's matmul form. Each edge (input i → output o) carries
 * φ_{o,i}(x) = w_b[o,i]·b(x) + w_s[o,i]·Σ_c C[o,i,c]·B_c(x), and y_o = Σ_i φ_{o,i}(x_i), computed as
 * y = b(x)·W_bᵀ + B(x)·(C ⊙ w_s)ᵀ with B(x) [N, in·n] from the {@link Basis} (B-splines by default,
 * on the fused {@link dev.kiln.tensor.Splines#bsplineBasis} op) and b = SiLU by default.
 *
 * <pre>{@code
 * var layer = KANLinear.builder(2, 5).gridSize(5).splineOrder(3).gridRange(-1, 1).build(rng);
 * Tensor y = layer.forward(x);              // x [..., 2] → [..., 5]
 * layer.updateGrid(x);                      // knots follow the data, outputs on x unchanged
 * KANLinear finer = layer.refine(10);       // G = 5 → 10, fitted to this layer's curves
 * Tensor reg = layer.regularizationLoss(x); // L1 + entropy of the edges' mean |φ|
 * }</pre>
 *
 * <p>State dict keys are efficient-kan's: {@code base_weight} [out, in], {@code spline_weight}
 * C [out, in, n], {@code spline_scaler} w_s [out, in] (when the standalone spline scale is on), the
 * buffer {@code grid} [in, G + 2k + 1] (B-spline bases), and for a {@link MixedBasis}
 * {@code mixing_weight} [out, in, F] with the buffer {@code family_mask}.
 *
 * <p>Initialisation (efficient-kan): W_b and w_s as torch.nn.Linear, U(±1/√in), here multiplied by
 * scaleBase and scaleSpline (efficient-kan passes the scales as kaiming's {@code a} instead; both
 * give U(±1/√in) at the default 1, and pykan uses them as multipliers, as here); C is the
 * least-squares fit of noise (U(0, 1) − ½)·scaleNoise/G at the grid points. The base activation
 * module is created per layer by a supplier, so layers never share one by accident. pykan's
 * initialisation is two options away: {@link Builder#scaleBaseMu} (W_b = (μ + scaleBase·U(−1, 1))/√in,
 * pykan's scale_base_mu and scale_base_sigma) and {@link SplineScaleInit#CONSTANT} (w_s = scaleSpline/√in).
 */
public final class KANLinear extends Module {
    /** How the standalone spline scale w_s starts. */
    public enum SplineScaleInit {
        /** U(±1/√in)·scaleSpline, as torch.nn.Linear (efficient-kan; the default). */
        UNIFORM,
        /** scaleSpline/√in on every edge: pykan's constant scale_sp, which pykan does not divide by √in. */
        CONSTANT
    }

    private final int inFeatures;
    private final int outFeatures;
    private final Basis basis;
    private final double scaleNoise;
    private final double scaleBase;
    private final double scaleBaseMu;
    private final double scaleSpline;
    private final SplineScaleInit splineScaleInit;
    private final boolean standaloneScaleSpline;
    private final double gridEps;
    private final Supplier<Module> baseActivationFactory;
    private final Module baseActivation;
    private final Parameter baseWeight;
    private final Parameter splineWeight;
    private final Parameter splineScaler;
    private final Parameter mixingWeight;
    private final Tensor familyIndex;

    /** efficient-kan's defaults: G = 5 cubic B-splines on [−1, 1], SiLU base, F32. */
    public KANLinear(int inFeatures, int outFeatures, Generator rng) {
        this(builder(inFeatures, outFeatures), null, rng);
    }

    /** Options with efficient-kan's (and pykan's) names and defaults. */
    public static Builder builder(int inFeatures, int outFeatures) {
        return new Builder(inFeatures, outFeatures);
    }

    /**
     * Builds the structure; initialises from rng, or, when {@code grid} is given (refinement), leaves the
     * parameters to the caller.
     */
    private KANLinear(Builder b, Tensor grid, Generator rng) {
        if (b.inFeatures < 1 || b.outFeatures < 1) {
            throw new IllegalArgumentException("KANLinear: sizes must be >= 1, got inFeatures " + b.inFeatures
                    + " and outFeatures " + b.outFeatures);
        }
        this.inFeatures = b.inFeatures;
        this.outFeatures = b.outFeatures;
        this.basis = b.resolvedBasis();
        this.scaleNoise = b.scaleNoise;
        this.scaleBase = b.scaleBase;
        this.scaleBaseMu = b.scaleBaseMu;
        this.scaleSpline = b.scaleSpline;
        this.splineScaleInit = b.splineScaleInit;
        this.standaloneScaleSpline = b.enableStandaloneScaleSpline;
        this.gridEps = b.gridEps;
        this.baseActivationFactory = b.baseActivation;
        DType dtype = b.dtype;
        int n = basis.size();
        this.baseWeight = baseActivationFactory == null ? null
                : registerParameter("base_weight", new Parameter(Tensor.zeros(dtype, outFeatures, inFeatures)));
        this.splineWeight = registerParameter("spline_weight", new Parameter(Tensor.zeros(dtype, outFeatures, inFeatures, n)));
        this.splineScaler = standaloneScaleSpline
                ? registerParameter("spline_scaler", new Parameter(Tensor.zeros(dtype, outFeatures, inFeatures))) : null;
        if (basis instanceof MixedBasis mixed) {
            int families = mixed.families().size();
            this.mixingWeight = registerParameter("mixing_weight",
                    new Parameter(Tensor.full(1.0 / families, dtype, outFeatures, inFeatures, families)));
            this.familyIndex = Tensor.of(mixed.familyOfColumn());
            registerBuffer("family_mask", Tensor.ones(dtype, outFeatures, inFeatures, families));
        } else {
            this.mixingWeight = null;
            this.familyIndex = null;
        }
        Tensor g = grid != null ? grid : basis.initialGrid(inFeatures, dtype);
        if (g != null) {
            registerBuffer("grid", g);
        }
        this.baseActivation = baseActivationFactory == null ? null
                : registerModule("base_activation", baseActivationFactory.get().to(dtype)); // a PReLU's slope in the layer's dtype
        if (rng != null) {
            initialise(rng);
        }
    }

    private void initialise(Generator rng) {
        try (NoGrad ignored = NoGrad.enter()) {
            if (baseWeight != null) {
                Init.linearDefault_(baseWeight.tensor(), null, rng);
                baseWeight.tensor().mul_(scaleBase).add_(Tensor.scalar(scaleBaseMu / Math.sqrt(inFeatures), dtype()));
            }
            Tensor points = basis.initPoints(gridOrNull(), inFeatures, DType.F64);
            int p = points.size(0);
            double amplitude = scaleNoise / Math.max(p - 1, 1);
            Tensor noise = Init.uniform_(Tensor.zeros(DType.F64, p, inFeatures, outFeatures), -0.5, 0.5, rng).mul(amplitude);
            Tensor c = fit(points, noise, gridOrNull());
            splineWeight.tensor().copy_(standaloneScaleSpline ? c : c.mul(scaleSpline));
            if (splineScaler != null) {
                if (splineScaleInit == SplineScaleInit.CONSTANT) {
                    splineScaler.tensor().fill_(scaleSpline / Math.sqrt(inFeatures));
                } else {
                    Init.linearDefault_(splineScaler.tensor(), null, rng);
                    splineScaler.tensor().mul_(scaleSpline);
                }
            }
        }
    }

    // ------------------------------------------------------------------ forward

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFeatures(describe(), x, inFeatures, dtype());
        int[] shape = x.shape();
        int rows = x.numel() / inFeatures;
        Tensor flat = x.reshape(rows, inFeatures);
        Tensor y = basis.evaluate(flat, gridOrNull()).reshape(rows, inFeatures * basis.size())
                .matmul(scaledSplineWeight().reshape(outFeatures, inFeatures * basis.size()).t());
        if (baseActivation != null) {
            y = baseActivation.forward(flat).matmul(baseWeight.tensor().t()).add(y);
        }
        shape[shape.length - 1] = outFeatures;
        return y.reshape(shape);
    }

    /**
     * C ⊙ w_s (⊙ the mixing weights of a mixed basis, per family): the weight [out, in, n] that
     * multiplies the basis; differentiable.
     */
    public Tensor scaledSplineWeight() {
        Tensor w = splineWeight.tensor();
        if (splineScaler != null) {
            w = w.mul(splineScaler.tensor().unsqueeze(-1));
        }
        if (mixingWeight != null) {
            Tensor mix = mixingWeight.tensor().mul(buffer("family_mask"));
            w = w.mul(mix.indexSelect(2, familyIndex));
        }
        return w;
    }

    /**
     * Every edge's activation φ_{o,i}(x_i) on a batch x [..., in], as [N, out, in] (N the flattened
     * leading dims): w_b·b(x_i) + w_s·Σ_c C·B_c(x_i). Summed over the last dim it is the layer's output.
     */
    public Tensor edgeActivations(Tensor x) {
        Inputs.requireFeatures(describe(), x, inFeatures, dtype());
        Tensor flat = x.reshape(x.numel() / inFeatures, inFeatures);
        Tensor spline = edgeCurves(basis.evaluate(flat, gridOrNull()), scaledSplineWeight()); // [in, N, out]
        if (baseActivation != null) {
            Tensor base = baseActivation.forward(flat).t().unsqueeze(-1).mul(baseWeight.tensor().t().unsqueeze(1));
            spline = spline.add(base);
        }
        return spline.permute(1, 2, 0);
    }

    /** Σ_c w[o, i, c]·B[b, i, c] for every edge: [in, N, out]. */
    private static Tensor edgeCurves(Tensor bases, Tensor w) {
        return bases.permute(1, 0, 2).matmul(w.permute(1, 2, 0));
    }

    // ------------------------------------------------------------------ regularisation

    /** {@link #regularizationLoss(Tensor, double, double)} with pykan's weights λ_l1 = 1, λ_entropy = 2. */
    public Tensor regularizationLoss(Tensor x) {
        return regularizationLoss(x, 1, 2);
    }

    /**
     * The KAN paper's sparsity regulariser on a batch (section 2.5.1): with a_{o,i} = mean over the
     * batch of |φ_{o,i}(x_i)|, λ_l1·Σ a + λ_entropy·S where S = −Σ p·ln p, p = a/Σ a. A 0-d tensor
     * to add to the loss; differentiable in the parameters and in x.
     */
    public Tensor regularizationLoss(Tensor x, double lambL1, double lambEntropy) {
        return regularization(edgeActivations(x).abs().mean(0), lambL1, lambEntropy);
    }

    /**
     * λ_l1·Σ a + λ_entropy·(−Σ p·ln p) with p = a/Σ a, for one layer's mean |activations| a. The paper
     * writes the entropy with ln; pykan's code uses log2(p + 1e-4) (and in later versions row and
     * column entropies). Here p·ln p is 0 at p = 0, and an all-zero layer has entropy 0.
     */
    public static Tensor regularization(Tensor meanAbs, double lambL1, double lambEntropy) {
        Tensor l1 = meanAbs.sum();
        Tensor p = meanAbs.div(l1.clampMin(1e-30));
        Tensor entropy = p.mul(p.clampMin(1e-30).log()).sum().neg();
        return l1.mul(lambL1).add(entropy.mul(lambEntropy));
    }

    // ------------------------------------------------------------------ grid update and refinement

    /** {@link #updateGrid(Tensor, double)} with efficient-kan's margin 0.01. */
    public void updateGrid(Tensor x) {
        updateGrid(x, 0.01);
    }

    /**
     * Moves the knots to the data and refits C so that the layer's output on x is unchanged
     * (docs/formulas/kan.md): per input, sort the B samples; adaptive knots a_j = sample ⌊B·j/G⌋ (j = 0..G,
     * the last one the largest sample); uniform knots u_j over [min − margin, max + margin];
     * knots ε·u + (1 − ε)·a with ε = gridEps, extended by k knots of the uniform step on each side
     * (efficient-kan); then C is the least-squares fit, on x, of each edge's old spline curve
     * Σ_c C·B_c. The fit targets the unscaled curve: efficient-kan fits C ⊙ w_s and so applies w_s
     * twice; this does not. In place, without recording; optimizer state stays valid.
     *
     * <p>Samples outside the old interior [t_k, t_{G+k}] keep the old curve's value as their target,
     * its tail falling to 0 over the k extension intervals and 0 beyond (as pykan and efficient-kan):
     * that is what the layer computed and what training fitted. The new knots, which now span those
     * samples, can follow such a tail only roughly, so outputs there can move by more than inside
     * (the least-squares error of the new knots); the fit minimises the change over the whole batch.
     * Continuing the curve along its tangent or its end polynomial instead keeps the interior closer
     * in some cases but moves the batch's outputs far more, and on the kan-fit problem a grid update
     * then set an L-BFGS fit back (RMSE 0.049 → 0.18 where the tail target gives 0.048).
     */
    public void updateGrid(Tensor x, double margin) {
        BSplineBasis spline = requireBSpline("updateGrid");
        Inputs.requireFeatures(describe() + ".updateGrid", x, inFeatures);
        if (!(margin >= 0) || Double.isInfinite(margin)) {
            throw new IllegalArgumentException("updateGrid: margin must be finite and >= 0, got " + margin);
        }
        Tensor x64 = x.detach().reshape(x.numel() / inFeatures, inFeatures).to(DType.F64);
        int batch = x64.size(0);
        if (batch == 0) {
            throw new IllegalArgumentException("updateGrid: the batch is empty; the grid follows the data, so it needs samples");
        }
        double[] xs = x64.toDoubleArray();
        for (double v : xs) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("updateGrid: the batch contains " + v + "; knots must be finite");
            }
        }
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor oldGrid = grid().to(DType.F64);
            Tensor targets = curves(x64, oldGrid);
            int g = spline.gridSize();
            int k = spline.order();
            int knots = spline.knots();
            double[] grid = new double[inFeatures * knots];
            double[] column = new double[batch];
            for (int i = 0; i < inFeatures; i++) {
                for (int b = 0; b < batch; b++) {
                    column[b] = xs[b * inFeatures + i];
                }
                Arrays.sort(column);
                double step = (column[batch - 1] - column[0] + 2 * margin) / g;
                int row = i * knots;
                for (int j = 0; j <= g; j++) {
                    double adaptive = column[(int) Math.min((long) batch * j / g, batch - 1)];
                    double uniform = column[0] - margin + j * step;
                    grid[row + k + j] = gridEps * uniform + (1 - gridEps) * adaptive;
                }
                for (int s = 1; s <= k; s++) {
                    grid[row + k - s] = grid[row + k] - s * step;
                    grid[row + k + g + s] = grid[row + k + g] + s * step;
                }
            }
            // the fit uses the knots as the layer will store them (rounded to its dtype)
            Tensor newGrid = Tensor.of(grid, inFeatures, knots).to(dtype()).to(device());
            Tensor c = fit(x64, targets, newGrid);
            buffer("grid").copy_(newGrid);
            splineWeight.tensor().copy_(c);
        }
    }

    /**
     * A new layer with G′ = newGridSize intervals fitted to this layer's curves (grid extension,
     * docs/formulas/kan.md: "fit the finer grid's coefficients to the coarse curve"), on dense points: for
     * each input, 4·(G′ + k) + 1 points evenly spaced over this layer's interior knots [t_k, t_{G+k}].
     * See {@link #refine(int, Tensor)}.
     */
    public KANLinear refine(int newGridSize) {
        return refine(newGridSize, null);
    }

    /**
     * A new layer with G′ = newGridSize intervals whose spline curves are the least-squares fit of
     * this layer's on the samples x [..., in] (pykan fits on the training inputs), or on dense points
     * over the whole extended grid when x is null. The new interior knots subdivide the old ones
     * piecewise linearly (position j·G/G′ in the old interior knots, j = 0..G′, as pykan's
     * initialize_grid_from_parent), so a uniform grid stays uniform and an adapted grid keeps its
     * shape. The k extension knots on each side are the old ones (pykan spaces them (t′_{G′} − t′_0)/G′
     * instead): then, when G′ is a multiple of G, every old knot is kept, the old curve lies in the
     * new spline space everywhere, its tails outside the interior included, and the refined layer
     * computes what this one did on every input. With pykan's narrower extension, samples that a
     * hidden layer has carried outside its interior (it drifts between grid updates) lose the tail
     * they were trained with: on the kan-fit problem that cost an order of magnitude in RMSE at
     * every refinement. Base weight, spline scaler, options and the base activation's state are
     * copied into fresh parameters: build the optimizer anew for the new layer.
     */
    public KANLinear refine(int newGridSize, Tensor x) {
        BSplineBasis spline = requireBSpline("refine");
        if (newGridSize < 1) {
            throw new IllegalArgumentException("refine: newGridSize must be >= 1, got " + newGridSize);
        }
        int g = spline.gridSize();
        int k = spline.order();
        int knots = spline.knots();
        int newKnots = newGridSize + 2 * k + 1;
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor oldGrid = grid().to(DType.F64);
            double[] old = oldGrid.toDoubleArray();
            double[] grid = new double[inFeatures * newKnots];
            for (int i = 0; i < inFeatures; i++) {
                int row = i * newKnots;
                for (int j = 0; j <= newGridSize; j++) {
                    double pos = (double) j * g / newGridSize;
                    int a = Math.min((int) Math.floor(pos), g - 1);
                    double frac = pos - a;
                    double ta = old[i * knots + k + a];
                    double tb = old[i * knots + k + a + 1];
                    grid[row + k + j] = j == newGridSize ? old[i * knots + k + g] : ta + frac * (tb - ta);
                }
                // The old extension knots, not pykan's (t'_{G'} - t'_0)/G' spacing: the old tails stay
                // representable, so inputs a hidden layer has carried past its interior keep their outputs.
                for (int s = 1; s <= k; s++) {
                    grid[row + k - s] = old[i * knots + k - s];
                    grid[row + k + newGridSize + s] = old[i * knots + k + g + s];
                }
            }
            Tensor newGrid = Tensor.of(grid, inFeatures, newKnots).to(dtype()).to(device());
            Tensor points;
            if (x != null) {
                Inputs.requireFeatures(describe() + ".refine", x, inFeatures);
                points = x.detach().reshape(x.numel() / inFeatures, inFeatures).to(DType.F64);
                if (points.size(0) == 0) {
                    throw new IllegalArgumentException("refine: the batch is empty");
                }
            } else {
                points = densePoints(old, g, k, 4 * (newGridSize + 2 * k) + 1);
            }
            Tensor targets = curves(points, oldGrid);
            Builder b = toBuilder().gridSize(newGridSize).basis(spline.withGridSize(newGridSize));
            KANLinear refined = new KANLinear(b, newGrid, null);
            refined.splineWeight.tensor().copy_(refined.fit(points, targets, newGrid));
            if (baseWeight != null) {
                refined.baseWeight.tensor().copy_(baseWeight.tensor());
            }
            if (splineScaler != null) {
                refined.splineScaler.tensor().copy_(splineScaler.tensor());
            }
            if (baseActivation != null) {
                refined.baseActivation.loadStateDict(baseActivation.stateDict()); // a trained PReLU keeps its slope
            }
            return refined;
        }
    }

    /** [count, in]: per input, count points evenly spaced over the whole extended grid t_0..t_{G+2k} of grid. */
    private Tensor densePoints(double[] grid, int g, int k, int count) {
        int knots = g + 2 * k + 1;
        double[] v = new double[count * inFeatures];
        for (int i = 0; i < inFeatures; i++) {
            double lo = grid[i * knots];
            double hi = grid[i * knots + knots - 1];
            for (int p = 0; p < count; p++) {
                v[p * inFeatures + i] = lo + (hi - lo) * p / (count - 1);
            }
        }
        return Tensor.of(v, count, inFeatures);
    }

    /** Each edge's unscaled spline curve Σ_c C[o,i,c]·B_c(x_i) on points x [P, in] (F64), with the given knots: [P, in, out]. */
    private Tensor curves(Tensor x64, Tensor grid64) {
        Tensor c = splineWeight.tensor().detach().to(DType.F64);
        return edgeCurves(basis.evaluate(x64, grid64), c).permute(1, 0, 2);
    }

    /**
     * efficient-kan's curve2coeff: the coefficients C [out, in, n] whose curves Σ_c C[o,i,c]·B_c(x_i)
     * best fit y [P, in, out] at the points x [P, in] in least squares (minimum norm when
     * underdetermined), on this layer's current grid. It sets nothing: copy the result into
     * {@link #splineWeight()} (inside a NoGrad scope) to give the edges those curves.
     */
    public Tensor curve2coeff(Tensor x, Tensor y) {
        Inputs.requireFeatures(describe() + ".curve2coeff", x, inFeatures);
        if (x.dim() != 2 || y.dim() != 3 || y.size(0) != x.size(0) || y.size(1) != inFeatures || y.size(2) != outFeatures) {
            throw new IllegalArgumentException("curve2coeff: expected x [P, " + inFeatures + "] and y [P, " + inFeatures
                    + ", " + outFeatures + "], got " + Shapes.str(x.shape()) + " and " + Shapes.str(y.shape()));
        }
        try (NoGrad ignored = NoGrad.enter()) {
            return fit(x.detach(), y.detach(), gridOrNull());
        }
    }

    /** curve2coeff on the given knots: one lstsq per input, in F64; returned in the layer's dtype. */
    private Tensor fit(Tensor x, Tensor y, Tensor grid) {
        int n = basis.size();
        Tensor a = basis.evaluate(x.to(DType.F64), grid == null ? null : grid.to(DType.F64));
        Tensor y64 = y.to(DType.F64);
        double[] c = new double[outFeatures * inFeatures * n];
        for (int i = 0; i < inFeatures; i++) {
            double[] s = Linalg.lstsq(a.select(1, i), y64.select(1, i)).toDoubleArray(); // [n, out]
            for (int j = 0; j < n; j++) {
                for (int o = 0; o < outFeatures; o++) {
                    c[(o * inFeatures + i) * n + j] = s[j * outFeatures + o];
                }
            }
        }
        return Tensor.of(c, outFeatures, inFeatures, n).to(dtype()).to(device());
    }

    // ------------------------------------------------------------------ S-KAN family selection

    /**
     * The pruning step of S-KAN on a {@link MixedBasis} (unverified, see there): on every edge, keeps the
     * family with the largest |mixing weight| and masks the others off (they no longer contribute or
     * receive gradient). Returns the chosen family per edge, I32 [out, in].
     */
    public Tensor selectFamilies() {
        if (mixingWeight == null) {
            throw new IllegalStateException("selectFamilies: " + describe() + " has no mixed basis");
        }
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor live = mixingWeight.tensor().mul(buffer("family_mask")).abs();
            Tensor best = live.argmax(2, true);
            int families = mixingWeight.shape()[2];
            Tensor ids = Tensor.arange(families).reshape(1, 1, families);
            buffer("family_mask").copy_(best.eq(ids).to(dtype()));
            return best.squeeze(2);
        }
    }

    // ------------------------------------------------------------------ accessors

    private BSplineBasis requireBSpline(String method) {
        if (!(basis instanceof BSplineBasis s)) {
            throw new IllegalStateException(method + ": " + describe() + " has a " + basis.describe()
                    + " basis; only B-spline layers have a grid to update or refine");
        }
        return s;
    }

    private Tensor gridOrNull() {
        return namedBuffers().containsKey("grid") ? buffer("grid") : null;
    }

    /** The knots [in, G + 2k + 1] (a live buffer; null for bases without a grid). */
    public Tensor grid() {
        return gridOrNull();
    }

    public Basis basis() {
        return basis;
    }

    /** W_b [out, in], or null without a base activation. */
    public Parameter baseWeight() {
        return baseWeight;
    }

    /** C [out, in, n]. */
    public Parameter splineWeight() {
        return splineWeight;
    }

    /** w_s [out, in], or null when the standalone spline scale is off. */
    public Parameter splineScaler() {
        return splineScaler;
    }

    /** The S-KAN mixing weights [out, in, F], or null unless the basis is a {@link MixedBasis}. */
    public Parameter mixingWeight() {
        return mixingWeight;
    }

    /** The base activation b, or null. */
    public Module baseActivation() {
        return baseActivation;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    /** G of a B-spline basis. */
    public int gridSize() {
        return requireBSpline("gridSize").gridSize();
    }

    /** k of a B-spline basis. */
    public int splineOrder() {
        return requireBSpline("splineOrder").order();
    }

    public double gridEps() {
        return gridEps;
    }

    private DType dtype() {
        return splineWeight.dtype();
    }

    private dev.kiln.tensor.Device device() {
        return splineWeight.device();
    }

    /** A builder with this layer's options (dtype included). */
    Builder toBuilder() {
        Builder b = builder(inFeatures, outFeatures).basis(basis).scaleNoise(scaleNoise).scaleBase(scaleBase)
                .scaleBaseMu(scaleBaseMu).scaleSpline(scaleSpline).splineScaleInit(splineScaleInit)
                .enableStandaloneScaleSpline(standaloneScaleSpline)
                .baseActivation(baseActivationFactory).gridEps(gridEps).dtype(dtype());
        return b;
    }

    @Override
    protected String extraRepr() {
        return "inFeatures=" + inFeatures + ", outFeatures=" + outFeatures + ", basis=" + basis.describe()
                + ", baseActivation=" + (baseActivation == null ? "none" : baseActivation.describe());
    }

    // ------------------------------------------------------------------ builder

    /** KANLinear's options; defaults as efficient-kan: G = 5, k = 3, [−1, 1], scales 1, noise 0.1, ε = 0.02, SiLU. */
    public static final class Builder {
        private final int inFeatures;
        private final int outFeatures;
        private int gridSize = 5;
        private int splineOrder = 3;
        private double lo = -1;
        private double hi = 1;
        private Basis basis;
        private double scaleNoise = 0.1;
        private double scaleBase = 1.0;
        private double scaleBaseMu = 0.0;
        private double scaleSpline = 1.0;
        private SplineScaleInit splineScaleInit = SplineScaleInit.UNIFORM;
        private boolean enableStandaloneScaleSpline = true;
        private Supplier<Module> baseActivation = SiLU::new;
        private double gridEps = 0.02;
        private DType dtype = DType.F32;

        private Builder(int inFeatures, int outFeatures) {
            this.inFeatures = inFeatures;
            this.outFeatures = outFeatures;
        }

        /** G, the number of grid intervals of the B-spline basis. */
        public Builder gridSize(int g) {
            this.gridSize = g;
            return this;
        }

        /** k, the order of the B-splines (3: cubic). */
        public Builder splineOrder(int k) {
            this.splineOrder = k;
            return this;
        }

        /** The range [lo, hi] of the initial B-spline grid. */
        public Builder gridRange(double lo, double hi) {
            this.lo = lo;
            this.hi = hi;
            return this;
        }

        /** Another basis (Chebyshev, RBF, mixed); it replaces gridSize, splineOrder and gridRange. */
        public Builder basis(Basis basis) {
            this.basis = basis;
            return this;
        }

        /** The amplitude of the noise the initial spline coefficients fit (0.1). */
        public Builder scaleNoise(double s) {
            this.scaleNoise = s;
            return this;
        }

        /** Multiplies the initial base weight (1). */
        public Builder scaleBase(double s) {
            this.scaleBase = s;
            return this;
        }

        /**
         * μ, the mean of the initial base weight in units of 1/√in (0): W_b = (μ + scaleBase·U(−1, 1))/√in.
         * pykan's scale_base_mu, with scaleBase as its scale_base_sigma (pykan 0.2 draws 0 and 1, its first
         * release about 1 and 0.1: every edge starting with the same sign).
         */
        public Builder scaleBaseMu(double mu) {
            this.scaleBaseMu = mu;
            return this;
        }

        /** Multiplies the initial spline scaler (or the coefficients, without a standalone scaler) (1). */
        public Builder scaleSpline(double s) {
            this.scaleSpline = s;
            return this;
        }

        /** How the standalone spline scale starts: {@link SplineScaleInit#UNIFORM} (efficient-kan, the default) or CONSTANT (pykan). */
        public Builder splineScaleInit(SplineScaleInit init) {
            this.splineScaleInit = init;
            return this;
        }

        /** Whether each edge has its own learnable spline scale w_s (true). */
        public Builder enableStandaloneScaleSpline(boolean on) {
            this.enableStandaloneScaleSpline = on;
            return this;
        }

        /** Makes the base activation b, one instance per layer (SiLU); null for no base branch (ChebyKAN-style). */
        public Builder baseActivation(Supplier<Module> factory) {
            this.baseActivation = factory;
            return this;
        }

        /** ε, the weight of the uniform grid in {@link KANLinear#updateGrid} (0.02). */
        public Builder gridEps(double eps) {
            this.gridEps = eps;
            return this;
        }

        /** The parameter dtype, F32 or F64 (F32). */
        public Builder dtype(DType dtype) {
            this.dtype = dtype;
            return this;
        }

        Basis resolvedBasis() {
            return basis != null ? basis : new BSplineBasis(gridSize, splineOrder, lo, hi);
        }

        public KANLinear build(Generator rng) {
            if (rng == null) {
                throw new IllegalArgumentException("KANLinear: a Generator is required (initialisation is seeded)");
            }
            check();
            return new KANLinear(this, null, rng);
        }

        void check() {
            if (dtype == null || !dtype.isFloatingPoint()) {
                throw new IllegalArgumentException("KANLinear: dtype must be F32 or F64, got " + dtype);
            }
            if (!(gridEps >= 0 && gridEps <= 1)) {
                throw new IllegalArgumentException("KANLinear: gridEps must be in [0, 1], got " + gridEps);
            }
            for (double s : new double[] {scaleNoise, scaleBase, scaleBaseMu, scaleSpline}) {
                if (!Double.isFinite(s)) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT,
                            "KANLinear: scales must be finite, got scaleNoise %s, scaleBase %s, scaleBaseMu %s, scaleSpline %s",
                            scaleNoise, scaleBase, scaleBaseMu, scaleSpline));
                }
            }
            if (splineScaleInit == null) {
                throw new IllegalArgumentException("KANLinear: splineScaleInit is null; use UNIFORM or CONSTANT");
            }
            resolvedBasis(); // BSplineBasis checks gridSize, order and range
        }

        @Override
        public String toString() {
            return "KANLinear.Builder(" + inFeatures + ", " + outFeatures + ", " + resolvedBasis().describe() + ", dtype="
                    + dtype + ", shape " + Shapes.str(new int[] {outFeatures, inFeatures}) + ")";
        }
    }
}
