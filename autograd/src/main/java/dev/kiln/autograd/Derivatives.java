package dev.kiln.autograd;

import dev.kiln.tensor.ActivationOps;
import dev.kiln.tensor.AttentionOps;
import dev.kiln.tensor.ConvOps;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.ElementwiseOps;
import dev.kiln.tensor.LossFunctions;
import dev.kiln.tensor.LossOps;
import dev.kiln.tensor.NormOps;
import dev.kiln.tensor.spi.Op;
import dev.kiln.tensor.Pool3dOps;
import dev.kiln.tensor.PoolOps;
import dev.kiln.tensor.ScanOps;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Splines;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.RoundingMode;
import dev.kiln.tensor.UnaryOp;

/**
 * One derivative rule per op, in the spirit of PyTorch's derivatives.yaml: given the node and
 * the gradient of its output, the gradient of each input (null where none is needed). Rules are
 * written with tensor ops, so they run on any backend; broadcast gradients are summed back by
 * the engine, not here. Ties and edge cases follow PyTorch, as noted.
 */
final class Derivatives {
    private Derivatives() {
    }

    static Tensor[] backward(Op op, Node n, Tensor g) {
        return switch (op) {
            case Op.Unary u -> new Tensor[] {unary(u.kind(), n, g)};
            case Op.Binary b -> binary(b.kind(), n, g);
            case Op.AddRelu r -> {
                // out > 0 exactly where a + b > 0, so the output stands in for the sum
                Tensor d = ElementwiseOps.unaryBackward(UnaryOp.RELU, n.output(), g);
                yield new Tensor[] {d, d};
            }
            case Op.Clamp c -> {
                // PyTorch: the gradient passes where min <= x <= max (NaN x gets none)
                Tensor x = n.input(0);
                yield new Tensor[] {Tensor.where(x.ge(c.min()), Tensor.where(x.le(c.max()), g, 0), 0)};
            }
            case Op.Where w -> {
                Tensor cond = n.input(0);
                yield new Tensor[] {null, Tensor.where(cond, g, 0), Tensor.where(cond, 0, g)};
            }
            case Op.Sum s -> new Tensor[] {keepDims(g, n.inputShape(0), s.dims(), s.keepDim()).expand(n.inputShape(0))};
            case Op.Extremum e -> {
                // amax/amin: ties share the gradient evenly, as PyTorch's amax backward
                Tensor x = n.input(0);
                Tensor y = keepDims(n.output(), n.inputShape(0), e.dims(), e.keepDim());
                Tensor gk = keepDims(g, n.inputShape(0), e.dims(), e.keepDim());
                Tensor mask = x.eq(y);
                Tensor count = e.dims().length == 0 ? mask.sum() : mask.sum(e.dims(), true);
                yield new Tensor[] {Tensor.where(mask, gk.div(count.to(g.dtype())), 0)};
            }
            case Op.Prod p -> new Tensor[] {prodBackward(p, n.input(0), g)};
            case Op.VectorNorm v -> new Tensor[] {vectorNormBackward(v, n.input(0), n.output(), g, n.inputShape(0))};
            case Op.Cumsum c -> new Tensor[] {ScanOps.reverseCumsum(g, c.dim())};
            case Op.Cumprod c -> new Tensor[] {ScanOps.cumprodBackward(n.input(0), n.output(), g, c.dim())};
            case Op.Logcumsumexp c -> new Tensor[] {ScanOps.logcumsumexpBackward(n.input(0), n.output(), g, c.dim())};
            case Op.Matmul m -> {
                Tensor a = n.input(0);
                Tensor b = n.input(1);
                yield new Tensor[] {
                    n.needsGrad(0) ? productLike(g, b.transpose(-1, -2), a) : null,
                    n.needsGrad(1) ? productLike(a.transpose(-1, -2), g, b) : null};
            }
            case Op.Linear l -> {
                // d = g ⊙ act'(pre); then the two products and the bias's column sum
                Tensor d = l.activation() == null ? g : ElementwiseOps.unaryBackward(l.activation(), l.pre(), g);
                Tensor dx = n.needsGrad(0) ? d.matmul(n.input(1)) : null;
                Tensor dw = n.needsGrad(1) ? d.transpose(0, 1).matmul(n.input(0)) : null;
                Tensor db = n.inputCount() == 3 && n.needsGrad(2) ? d.sum(0) : null;
                if (d != g) {
                    d.storage().recycle(); // this rule's own temporary: the next step's reuses it
                }
                yield n.inputCount() == 2 ? new Tensor[] {dx, dw} : new Tensor[] {dx, dw, db};
            }
            case Op.Softmax s -> new Tensor[] {LossOps.softmaxBackward(n.output(), g, s.dim())};
            case Op.LogSoftmax s -> new Tensor[] {LossOps.logSoftmaxBackward(n.output(), g, s.dim())};
            case Op.CrossEntropy c -> new Tensor[] {
                LossOps.crossEntropyBackward(n.input(0), n.input(1), g, c.ignoreIndex()), null};
            case Op.Reshape r -> new Tensor[] {g.reshape(r.inputShape())};
            case Op.Permute p -> new Tensor[] {g.permute(inverse(p.perm()))};
            case Op.Expand e -> new Tensor[] {g}; // summed back to the input's shape by the engine
            case Op.Narrow nr -> {
                Tensor z = zeros(g, n.inputShape(0));
                z.narrow(nr.dim(), nr.start(), nr.length()).copy_(g);
                yield new Tensor[] {z};
            }
            case Op.Slice sl -> {
                Tensor z = zeros(g, n.inputShape(0));
                if (sl.length() > 0) {
                    z.slice(sl.dim(), sl.start(), sl.start() + (sl.length() - 1) * sl.step() + 1, sl.step()).copy_(g);
                }
                yield new Tensor[] {z};
            }
            case Op.Select se -> {
                Tensor z = zeros(g, n.inputShape(0));
                z.select(se.dim(), se.index()).copy_(g);
                yield new Tensor[] {z};
            }
            case Op.Diagonal dg -> {
                Tensor z = zeros(g, n.inputShape(0));
                z.diagonal(dg.offset(), dg.dim1(), dg.dim2()).copy_(g);
                yield new Tensor[] {z};
            }
            case Op.Unfold u -> new Tensor[] {unfoldBackward(u, n.inputShape(0), g)};
            case Op.ConstantPad p -> {
                Tensor t = g;
                for (int d = 0; d < p.before().length; d++) {
                    t = t.narrow(d, p.before()[d], n.inputShape(0)[d]);
                }
                yield new Tensor[] {t};
            }
            case Op.Copy c -> new Tensor[] {g};
            case Op.Cat c -> {
                Tensor[] out = new Tensor[n.inputCount()];
                int at = 0;
                for (int i = 0; i < out.length; i++) {
                    int len = n.inputShape(i)[c.dim()];
                    out[i] = g.narrow(c.dim(), at, len);
                    at += len;
                }
                yield out;
            }
            case Op.IndexSelect is -> {
                int[] xs = n.inputShape(0);
                Tensor index = n.input(1).reshape(-1);
                if (xs.length == 0) {
                    yield new Tensor[] {zeros(g, new int[] {1}).indexAdd(0, index, g.reshape(-1)).reshape(), null};
                }
                int[] gs = xs.clone();
                gs[is.dim()] = index.numel();
                yield new Tensor[] {zeros(g, xs).indexAdd(is.dim(), index, g.reshape(gs)), null};
            }
            case Op.IndexAdd ia -> new Tensor[] {
                g, null, n.needsGrad(2) ? g.indexSelect(ia.dim(), n.input(1)) : null};
            case Op.Gather ga -> new Tensor[] {zeros(g, n.inputShape(0)).scatterAdd(ga.dim(), n.input(1), g), null};
            case Op.ScatterAdd sa -> new Tensor[] {
                g, null, n.needsGrad(2) ? padTo(g.gather(sa.dim(), n.input(1)), n.inputShape(2)) : null};
            case Op.ScatterReduce sr -> new Tensor[] {
                n.needsGrad(0) ? g.mul(sr.selfWeight()) : null, null,
                n.needsGrad(2) ? padTo(g.gather(sr.dim(), n.input(1)).mul(sr.srcWeight()), n.inputShape(2)) : null};
            case Op.Convert c -> new Tensor[] {g.to(c.from())};
            case Op.Transfer t -> new Tensor[] {g.to(t.from())};
            case Op.Conv2d c -> {
                Tensor x = n.input(0);
                Tensor w = n.input(1);
                Tensor dx = n.needsGrad(0) ? ConvOps.conv2dBackwardInput(g, w, c.shape()) : null;
                Tensor dw = n.needsGrad(1) ? ConvOps.conv2dBackwardWeight(g, x, c.shape()) : null;
                yield c.hasBias() ? new Tensor[] {dx, dw, n.needsGrad(2) ? g.sum(new int[] {0, 2, 3}, false) : null}
                        : new Tensor[] {dx, dw};
            }
            case Op.ConvTranspose2d c -> {
                // y = Convᵀ(x; w) is bilinear: ⟨g, Convᵀ(x; w)⟩ = ⟨Conv(g; w), x⟩, so dx is the conv of g and
                // dw the conv's weight gradient with x in the role of its output gradient
                Tensor x = n.input(0);
                Tensor w = n.input(1);
                Tensor dx = n.needsGrad(0) ? ConvOps.conv2dAt(g, w, c.shape()) : null;
                Tensor dw = n.needsGrad(1) ? ConvOps.conv2dBackwardWeight(x, g, c.shape()) : null;
                yield c.hasBias() ? new Tensor[] {dx, dw, n.needsGrad(2) ? g.sum(new int[] {0, 2, 3}, false) : null}
                        : new Tensor[] {dx, dw};
            }
            case Op.MaxUnpool2d u -> {
                // PyTorch: each input value gets the output gradient at its index
                Tensor gp = g.reshape(u.index().size(0), -1);
                yield new Tensor[] {gp.gather(1, u.index()).reshape(n.inputShape(0))};
            }
            case Op.AvgPool2d a -> new Tensor[] {PoolOps.avgPool2dBackward(g, a.windows())};
            case Op.MaxPool m -> new Tensor[] {PoolOps.maxPoolBackward(g, m.indices(), m.inShape())};
            case Op.AvgPool3d a -> new Tensor[] {Pool3dOps.avgPool3dBackward(g, a.windows())};
            case Op.BatchNorm bn -> {
                int bi = bn.hasWeight() ? 2 : 1;
                Tensor weight = bn.hasWeight() ? n.input(1) : null;
                boolean wantWeight = bn.hasWeight() && n.needsGrad(1);
                boolean wantBias = bn.hasBias() && n.needsGrad(bi);
                Tensor[] r = bn.relu()
                        ? NormOps.batchNormReluBackward(g, n.input(0), n.output(), bn.mean(), bn.invstd(), weight,
                                bn.hasBias() ? n.input(bi) : null, wantWeight, wantBias)
                        : NormOps.batchNormBackward(g, n.input(0), bn.mean(), bn.invstd(), weight, wantWeight, wantBias);
                yield bn.hasWeight() && bn.hasBias() ? r : bn.hasWeight() ? new Tensor[] {r[0], r[1]}
                        : bn.hasBias() ? new Tensor[] {r[0], r[2]} : new Tensor[] {r[0]};
            }
            case Op.LayerNorm ln -> {
                int bi = ln.hasWeight() ? 2 : 1;
                Tensor weight = ln.hasWeight() ? n.input(1) : null;
                Tensor[] r = NormOps.layerNormBackward(g, n.input(0), ln.mean(), ln.rstd(), weight,
                        ln.normalizedShape(), ln.hasWeight() && n.needsGrad(1), ln.hasBias() && n.needsGrad(bi));
                yield ln.hasWeight() && ln.hasBias() ? r : ln.hasWeight() ? new Tensor[] {r[0], r[1]}
                        : ln.hasBias() ? new Tensor[] {r[0], r[2]} : new Tensor[] {r[0]};
            }
            case Op.Activate a -> new Tensor[] {ActivationOps.activationBackward(a.activation(), n.input(0), g)};
            case Op.Prelu p -> ActivationOps.preluBackward(g, n.input(0), n.input(1), n.needsGrad(0), n.needsGrad(1));
            case Op.Pau p -> ActivationOps.pauBackward(g, n.input(0), n.input(1), n.input(2), n.needsGrad(0),
                    n.needsGrad(1), n.needsGrad(2));
            case Op.RmsNorm rn -> {
                Tensor weight = rn.hasWeight() ? n.input(1) : null;
                Tensor[] r = NormOps.rmsNormBackward(g, n.input(0), rn.rstd(), weight, rn.normalizedShape(),
                        rn.hasWeight() && n.needsGrad(1));
                yield rn.hasWeight() ? r : new Tensor[] {r[0]};
            }
            // the forward kernel saved dB/dx; the knots are not an input
            case Op.BSplineBasis s -> new Tensor[] {Splines.bsplineBasisBackward(g, s.derivative())};
            case Op.BinaryCrossEntropy b -> {
                Tensor[] r = LossFunctions.binaryCrossEntropyBackward(g, n.input(0), n.input(1),
                        b.hasWeight() ? n.input(2) : null, n.needsGrad(0), n.needsGrad(1), b.hasWeight() && n.needsGrad(2));
                yield b.hasWeight() ? r : new Tensor[] {r[0], r[1]};
            }
            case Op.ScaledDotProductAttention a -> AttentionOps.scaledDotProductAttentionBackward(
                    g, n.input(0), n.input(1), n.input(2), a.hasMask() ? n.input(3) : null, n.output(), a.lse(),
                    a.isCausal(), a.scale(), a.hasMask() && n.needsGrad(3));
            case Op.LinearAttention a -> AttentionOps.linearAttentionBackward(
                    g, n.input(0), n.input(1), n.input(2), a.isCausal(), a.eps());
        };
    }

    private static Tensor unary(UnaryOp kind, Node n, Tensor g) {
        return switch (kind) {
            case NEG -> g.neg();
            case EXP -> g.mul(n.output());
            case LOG -> g.div(n.input(0));
            case SQRT -> g.div(n.output().mul(2));
            case RSQRT -> g.mul(n.output().pow(3)).mul(-0.5);
            case ABS -> g.mul(n.input(0).sign());
            case SIGN -> Tensor.zerosLike(g);
            case TANH -> g.mul(n.output().square().neg().add(1));
            case SIGMOID -> {
                Tensor y = n.output();
                yield g.mul(y.mul(y.neg().add(1)));
            }
            // fused: g where the result is > 0, else 0 (PyTorch's threshold_backward on the result; the
            // condition is the same on the input, so the result stands in for x)
            case RELU -> ElementwiseOps.unaryBackward(UnaryOp.RELU, n.output(), g);
            // fused: one pass computes dy ⊙ f'(x), exact where a composition would cancel (GELU's tail)
            case GELU, GELU_TANH, SILU, MISH, SOFTPLUS, RELU_SQUARED ->
                    ElementwiseOps.unaryBackward(kind, n.input(0), g);
            // issue 15: PyTorch's rules; piecewise-constant rounding passes nothing, frac everything
            case FLOOR, CEIL, ROUND, TRUNC -> Tensor.zerosLike(g);
            case FRAC -> g;
            // fused dy ⊙ f'(x) by UnaryOp.derivative, PyTorch's choices at the kinks
            case SIN, COS, TAN, ASIN, ACOS, ATAN, SINH, COSH, ASINH, ACOSH, ATANH, ERF, ERFC, ERFINV, LOG2, LOG10,
                 LOG1P, EXP2, EXPM1, SELU, RELU6, HARDSWISH, HARDSIGMOID, LOGSIGMOID, SOFTSIGN, TANHSHRINK ->
                    ElementwiseOps.unaryBackward(kind, n.input(0), g);
        };
    }

    private static Tensor[] binary(BinaryOp kind, Node n, Tensor g) {
        boolean ga = n.needsGrad(0);
        boolean gb = n.needsGrad(1);
        return switch (kind) {
            case ADD -> new Tensor[] {g, g};
            case SUB -> new Tensor[] {g, gb ? g.neg() : null};
            case MUL -> new Tensor[] {ga ? g.mul(n.input(1)) : null, gb ? g.mul(n.input(0)) : null};
            case DIV -> {
                Tensor b = n.input(1);
                yield new Tensor[] {ga ? g.div(b) : null, gb ? g.neg().mul(n.input(0)).div(b.square()) : null};
            }
            case POW -> {
                Tensor a = n.input(0);
                Tensor b = n.input(1);
                // PyTorch: a zero exponent gives a zero gradient (no 0·inf), and log(0) is skipped where b >= 0
                Tensor da = ga ? Tensor.where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))) : null;
                Tensor db = null;
                if (gb) {
                    Tensor t = n.output().mul(a.log());
                    db = g.mul(Tensor.where(a.eq(0), Tensor.where(b.ge(0), 0, t), t));
                }
                yield new Tensor[] {da, db};
            }
            case MAXIMUM, MINIMUM -> {
                // PyTorch: equal inputs split the gradient in half
                Tensor a = n.input(0);
                Tensor b = n.input(1);
                boolean max = kind == BinaryOp.MAXIMUM;
                Tensor half = g.mul(0.5);
                Tensor aLoses = max ? a.lt(b) : a.gt(b);
                Tensor bLoses = max ? b.lt(a) : b.gt(a);
                Tensor tie = a.eq(b);
                yield new Tensor[] {
                    ga ? Tensor.where(aLoses, 0, Tensor.where(tie, half, g)) : null,
                    gb ? Tensor.where(bLoses, 0, Tensor.where(tie, half, g)) : null};
            }
            case EQ, NE, LT, LE, GT, GE, BITWISE_AND, BITWISE_OR, BITWISE_XOR, BITWISE_LEFT_SHIFT, BITWISE_RIGHT_SHIFT ->
                    throw new IllegalStateException("backward: comparisons and bitwise ops have no gradient and are "
                            + "never recorded");
            // issue 15, PyTorch's derivatives.yaml
            case ATAN2 -> {
                Tensor a = n.input(0);
                Tensor b = n.input(1);
                Tensor r2 = a.square().add(b.square());
                // PyTorch's order of operations, so that overflow at ~1e38 gives what it gives
                yield new Tensor[] {ga ? g.mul(b).div(r2) : null, gb ? g.neg().mul(a).div(r2) : null};
            }
            case COPYSIGN -> {
                // result/x is ±1 where x ≠ 0; the sign operand gets no gradient
                Tensor a = n.input(0);
                yield new Tensor[] {ga ? g.mul(Tensor.where(a.eq(0), 0, n.output().div(a))) : null,
                    gb ? Tensor.zerosLike(g) : null};
            }
            case LOGADDEXP, LOGADDEXP2 -> {
                // 1/(1 + e^{b−a}) = σ(a − b) (base 2: σ((a − b)·ln 2)), the form that cannot overflow
                double k = kind == BinaryOp.LOGADDEXP ? 1 : Math.log(2);
                Tensor d = n.input(0).sub(n.input(1)).mul(k);
                yield new Tensor[] {ga ? g.mul(d.sigmoid()) : null, gb ? g.mul(d.neg().sigmoid()) : null};
            }
            case HYPOT -> {
                Tensor r = n.output();
                yield new Tensor[] {ga ? g.mul(n.input(0)).div(r) : null, gb ? g.mul(n.input(1)).div(r) : null};
            }
            case FMOD, REMAINDER -> {
                // a − q·b with q = trunc(a/b) (fmod) or floor(a/b) (remainder), q piecewise constant
                RoundingMode mode = kind == BinaryOp.FMOD ? RoundingMode.TRUNC : RoundingMode.FLOOR;
                yield new Tensor[] {ga ? g : null, gb ? g.neg().mul(n.input(0).div(n.input(1), mode)) : null};
            }
            case DIV_TRUNC, DIV_FLOOR -> new Tensor[] {ga ? Tensor.zerosLike(g) : null, gb ? Tensor.zerosLike(g) : null};
        };
    }

    /**
     * x·y, the gradient of an operand shaped like {@code like}. When like is a transposed matrix
     * (Linear's {@code weight.t()}) the product is computed as (yᵀ·xᵀ)ᵀ, so it comes out in like's
     * layout and reaches the weight, through the transpose's rule, as a contiguous buffer the
     * engine can hand over without a transposing copy. Same products, same sums.
     */
    private static Tensor productLike(Tensor x, Tensor y, Tensor like) {
        if (like.dim() == 2 && isTransposed(like)) {
            return y.t().matmul(x.t()).t();
        }
        return x.matmul(y);
    }

    /** Whether t [r, c] is the transpose of a contiguous [c, r] matrix (and not contiguous itself). */
    private static boolean isTransposed(Tensor t) {
        int[] st = t.strides();
        return t.size(0) > 1 && t.size(1) > 1 && st[0] == 1 && st[1] == t.size(0);
    }

    /**
     * Tensor.unfold's windows may overlap (step < size): each window element's gradient is added
     * back at its source position, window w element k at w·step + k, by one indexAdd.
     */
    private static Tensor unfoldBackward(Op.Unfold u, int[] inputShape, Tensor g) {
        if (inputShape.length == 0) {
            return g.sum();
        }
        int windows = g.size(u.dim());
        int[] index = new int[windows * u.size()];
        for (int w = 0; w < windows; w++) {
            for (int k = 0; k < u.size(); k++) {
                index[w * u.size() + k] = w * u.step() + k;
            }
        }
        Tensor merged = g.movedim(-1, u.dim() + 1).flatten(u.dim(), u.dim() + 1);
        return zeros(g, inputShape).indexAdd(u.dim(), Tensor.of(index).to(g.device()), merged);
    }

    /** g of a reduction, reshaped so the reduced dims are present with size 1. */
    /**
     * prod: dx_i = g·Π_{k≠i} x_k along the dim, the product of the exclusive running products from
     * both ends; no division, so zeros get PyTorch's exact gradient.
     */
    private static Tensor prodBackward(Op.Prod p, Tensor x, Tensor g) {
        if (x.numel() == 0) {
            return Tensor.zeros(x.dtype(), x.shape()).to(x.device());
        }
        if (p.dim() >= 0 && x.dim() == 0) {
            return g;
        }
        Tensor xs = p.dim() < 0 ? x.reshape(-1) : x;
        int d = p.dim() < 0 ? 0 : p.dim();
        Tensor gk = p.dim() < 0 ? g.reshape(1) : p.keepDim() ? g : g.unsqueeze(d);
        Tensor left = exclusiveCumprod(xs, d);
        Tensor right = exclusiveCumprod(xs.flip(d), d).flip(d);
        return gk.mul(left).mul(right).reshape(x.shape());
    }

    /** [1, x_0, x_0·x_1, ...] along d. */
    private static Tensor exclusiveCumprod(Tensor x, int d) {
        int len = x.size(d);
        Tensor one = Tensor.onesLike(x.narrow(d, 0, 1));
        return len == 1 ? one : Tensor.cat(java.util.List.of(one, x.cumprod(d).narrow(d, 0, len - 1)), d);
    }

    /** linalg.vector_norm's backward as PyTorch's norm_backward: 0 where the norm is 0, ±∞ ties share. */
    private static Tensor vectorNormBackward(Op.VectorNorm v, Tensor x, Tensor norm, Tensor g, int[] inputShape) {
        double p = v.p();
        if (p == 0) {
            return Tensor.zeros(x.dtype(), x.shape()).to(x.device());
        }
        Tensor gk = keepDims(g, inputShape, v.dims(), v.keepDim());
        Tensor nk = keepDims(norm, inputShape, v.dims(), v.keepDim());
        if (p == 1) {
            return x.sign().mul(gk);
        }
        if (Double.isInfinite(p)) {
            Tensor ax = x.abs();
            Tensor mask = ax.eq(nk).to(x.dtype()).add(ax.isnan().to(x.dtype()));
            Tensor count = v.dims().length == 0 ? mask.sum() : mask.sum(v.dims(), true);
            return x.sign().mul(gk.div(count)).mul(mask);
        }
        Tensor scale = Tensor.where(nk.eq(0), 0, gk.div(p == 2 ? nk : nk.pow(p - 1)));
        Tensor scaled = p < 2 ? x.sign().mul(x.abs().pow(p - 1)) : p == 2 ? x : x.mul(x.abs().pow(p - 2));
        return scaled.mul(scale);
    }

    private static Tensor keepDims(Tensor g, int[] inputShape, int[] dims, boolean keepDim) {
        int[] all = dims.length == 0 ? range(inputShape.length) : dims;
        return keepDim ? g : g.reshape(Shapes.reducedShape(inputShape, all, true));
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inv[perm[i]] = i;
        }
        return inv;
    }

    private static Tensor zeros(Tensor like, int[] shape) {
        return Tensor.full(0, like.dtype(), like.device(), shape);
    }

    /** t placed in the leading corner of a zero tensor of the given (larger or equal) shape. */
    private static Tensor padTo(Tensor t, int[] shape) {
        if (java.util.Arrays.equals(t.shape(), shape)) {
            return t;
        }
        Tensor z = zeros(t, shape);
        Tensor view = z;
        for (int d = 0; d < shape.length; d++) {
            view = view.narrow(d, 0, t.size(d));
        }
        view.copy_(t);
        return z;
    }
}
