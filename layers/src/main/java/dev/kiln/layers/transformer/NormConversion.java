package dev.kiln.layers.transformer;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.norm.PRepBN;
import dev.kiln.layers.norm.RepBN;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exact conversions of Jiang et al. (2023), "Pre-RMSNorm and Pre-CRMSNorm Transformers"
 * (docs/formulas/norms.md), from a trained Pre-LN {@link TransformerLM} to models with the same outputs:
 * <ol>
 * <li><b>Pre-RMSNorm.</b> Make the residual stream zero-mean: subtract from every embedding row
 * its mean over features, and from every projection that writes into the stream (attention
 * output, fc2) its mean over the output dimension (W ← W − mean over rows, b ← b − mean(b)).
 * Then fold each LayerNorm's γ and β into the linear maps that read its output (W ← W·diag(γ),
 * b ← b + W·β). On a zero-mean stream LayerNorm(x) = x/√(mean(x²) + ε) = RMSNorm(x) with the
 * same ε, so every LayerNorm becomes an RMSNorm of gain 1.</li>
 * <li><b>Pre-CRMSNorm.</b> The stream is zero-mean, so its last coordinate is minus the sum of the
 * others: store only the first d − 1 (embeddings and output projections drop their last
 * column/row) and give the readers W[:, :d−1] − W[:, d−1:], since W·x = W[:, :d−1]·x̃ +
 * W[:, d−1]·(−Σx̃). CRMSNorm(x̃) is the first d − 1 coordinates of RMSNorm(x).</li>
 * </ol>
 * Both compute in float64 and return new models in the source's dtype; the source is unchanged.
 * {@link #foldPRepBN} is the third exact conversion: SLAB's inference fold of PRepBN norms.
 * Biases appear where folding β needs them (the converted configuration has biases everywhere;
 * those the source lacked start from zero or from W·β).
 */
public final class NormConversion {
    private NormConversion() {
    }

    /** The Pre-RMSNorm model with the same outputs as a Pre-LN (LayerNorm, every block PRE) model. */
    public static TransformerLM toPreRmsNorm(TransformerLM preLn) {
        TransformerLM.Config c = check("toPreRmsNorm", preLn);
        Map<String, Tensor> rms = rmsState(preLn);
        return load(c.converted(NormType.RMS_NORM, c.eps()), rms, preLn);
    }

    /** The Pre-CRMSNorm model, whose stream stores d − 1 features, with the same outputs as a Pre-LN model. */
    public static TransformerLM toPreCrmsNorm(TransformerLM preLn) {
        TransformerLM.Config c = check("toPreCrmsNorm", preLn);
        Map<String, Tensor> s = rmsState(preLn);
        int d = c.dModel();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : s.entrySet()) {
            out.put(e.getKey(), e.getValue());
        }
        compressRows(out, "wte.weight", d);
        if (out.containsKey("wpe.weight")) {
            compressRows(out, "wpe.weight", d);
        }
        for (int i = 0; i < c.nLayers(); i++) {
            String p = "h." + i + ".";
            TransformerBlock block = preLn.blocks().get(i);
            for (String in : block.inputProjections()) {
                compressReader(out, p + in, d);
            }
            for (String o : block.outputProjections()) {
                Tensor w = out.get(p + o + ".weight");
                out.put(p + o + ".weight", w.narrow(0, 0, d - 1).contiguous());
                out.put(p + o + ".bias", out.get(p + o + ".bias").narrow(0, 0, d - 1).contiguous());
            }
            out.remove(p + "ln_1.weight");
            out.remove(p + "ln_2.weight");
        }
        compressReader(out, "lm_head", d);
        out.remove("ln_f.weight");
        return load(c.converted(NormType.CRMS_NORM, c.eps()), out, preLn);
    }

    /**
     * SLAB's inference re-parameterisation (Guo et al. 2024, §3.2): a Pre-norm model whose norms are
     * {@link PRepBN} becomes one without norms ({@link NormType#IDENTITY}) whose outputs equal the
     * source's eval-mode outputs. In eval mode every PRepBN is RepBN alone, the per-feature affine map
     * x ↦ k⊙x + c of {@link RepBN#evalAffine} (running statistics, BatchNorm's gain and bias, α);
     * it is folded into the linear maps that read it (W ← W·diag(k), b ← b + W·c): q, k, v and fc1 in
     * each block, lm_head after ln_f. Computes in float64; returns a new model in the source's dtype;
     * the source is unchanged.
     */
    public static TransformerLM foldPRepBN(TransformerLM model) {
        TransformerLM.Config c = model.config();
        if (c.norm() != NormType.PREPBN || c.placements().stream().anyMatch(p -> p != Placement.PRE)) {
            throw new IllegalArgumentException("NormConversion.foldPRepBN: the source must be a Pre-norm PRepBN model "
                    + "(norm prepbn, every block PRE: a norm's output is then read only by linear maps), got norm "
                    + c.norm().id() + " and placements " + c.placements());
        }
        Map<String, Tensor> s = new LinkedHashMap<>();
        try (NoGrad ignored = NoGrad.enter()) {
            model.stateDict().forEach((k, v) -> s.put(k, v.detach().to(v.dtype().isFloatingPoint() ? DType.F64 : v.dtype())
                    .contiguous()));
        }
        int d = c.dModel();
        for (int i = 0; i < c.nLayers(); i++) {
            String p = "h." + i + ".";
            TransformerBlock block = model.blocks().get(i);
            for (String r : block.inputProjections()) {
                PRepBN norm = (PRepBN) (r.startsWith("attn.") ? block.ln1() : block.ln2());
                foldAffine(s, norm.repBN().evalAffine(), p + r, d);
            }
            for (String o : block.outputProjections()) {
                Tensor w = s.get(p + o + ".weight");
                s.putIfAbsent(p + o + ".bias", Tensor.zeros(DType.F64, w.size(0)));
            }
        }
        foldAffine(s, ((PRepBN) model.lnF()).repBN().evalAffine(), "lm_head", d);
        s.keySet().removeIf(k -> k.startsWith("ln_f.") || k.matches("h\\.\\d+\\.ln_[12]\\..*"));
        return load(c.converted(NormType.IDENTITY, 0), s, model);
    }

    /** A reader of x ↦ k⊙x + c: W ← W·diag(k), b ← b + W·c (a missing bias starts at 0). */
    private static void foldAffine(Map<String, Tensor> s, Tensor[] kc, String linear, int d) {
        Tensor w = s.get(linear + ".weight");
        Tensor b = s.get(linear + ".bias");
        if (b == null) {
            b = Tensor.zeros(DType.F64, w.size(0));
        }
        s.put(linear + ".bias", b.add(w.matmul(kc[1].reshape(d, 1)).reshape(w.size(0))));
        s.put(linear + ".weight", w.mul(kc[0].reshape(1, d)));
    }

    private static TransformerLM.Config check(String op, TransformerLM m) {
        TransformerLM.Config c = m.config();
        if (c.norm() != NormType.LAYER_NORM || c.placements().stream().anyMatch(p -> p != Placement.PRE)) {
            throw new IllegalArgumentException("NormConversion." + op + ": the source must be a Pre-LN model (LayerNorm, "
                    + "every block PRE), got norm " + c.norm().id() + " and placements " + c.placements());
        }
        return c;
    }

    /** Step 1 on an F64 copy of the state: zero-mean stream, LayerNorm gains and biases folded, RMSNorm gains 1. */
    private static Map<String, Tensor> rmsState(TransformerLM m) {
        TransformerLM.Config c = m.config();
        Map<String, Tensor> s = new LinkedHashMap<>();
        try (NoGrad ignored = NoGrad.enter()) {
            m.stateDict().forEach((k, v) -> s.put(k, v.detach().to(DType.F64).contiguous()));
        }
        int d = c.dModel();
        centreRows(s, "wte.weight");
        if (s.containsKey("wpe.weight")) {
            centreRows(s, "wpe.weight");
        }
        for (int i = 0; i < c.nLayers(); i++) {
            String p = "h." + i + ".";
            TransformerBlock block = m.blocks().get(i);
            List<String> in = block.inputProjections();
            // the attention readers follow ln_1, fc1 follows ln_2
            for (String r : in) {
                fold(s, p + (r.startsWith("attn.") ? "ln_1" : "ln_2"), p + r, d);
            }
            for (String o : block.outputProjections()) {
                centreOutput(s, p + o);
            }
            normToGainOne(s, p + "ln_1", d);
            normToGainOne(s, p + "ln_2", d);
        }
        fold(s, "ln_f", "lm_head", d);
        normToGainOne(s, "ln_f", d);
        return s;
    }

    /** Embedding rows minus their mean over features. */
    private static void centreRows(Map<String, Tensor> s, String key) {
        Tensor e = s.get(key);
        s.put(key, e.sub(e.mean(1, true)));
    }

    /** A stream writer: W ← W − mean over its output rows, b ← b − mean(b) (a missing bias becomes 0). */
    private static void centreOutput(Map<String, Tensor> s, String name) {
        Tensor w = s.get(name + ".weight");
        s.put(name + ".weight", w.sub(w.mean(0, true)));
        Tensor b = s.get(name + ".bias");
        s.put(name + ".bias", b == null ? Tensor.zeros(DType.F64, w.size(0)) : b.sub(b.mean()));
    }

    /** A reader of LayerNorm's output: W ← W·diag(γ), b ← b + W·β. */
    private static void fold(Map<String, Tensor> s, String norm, String linear, int d) {
        Tensor gamma = s.get(norm + ".weight");
        Tensor beta = s.get(norm + ".bias");
        Tensor w = s.get(linear + ".weight");
        Tensor b = s.get(linear + ".bias");
        if (b == null) {
            b = Tensor.zeros(DType.F64, w.size(0));
        }
        if (beta != null) {
            b = b.add(w.matmul(beta.reshape(d, 1)).reshape(w.size(0)));
        }
        if (gamma != null) {
            w = w.mul(gamma.reshape(1, d));
        }
        s.put(linear + ".weight", w);
        s.put(linear + ".bias", b);
    }

    private static void normToGainOne(Map<String, Tensor> s, String norm, int d) {
        s.remove(norm + ".bias");
        s.put(norm + ".weight", Tensor.ones(DType.F64, d));
    }

    private static void compressRows(Map<String, Tensor> s, String key, int d) {
        s.put(key, s.get(key).narrow(1, 0, d - 1).contiguous());
    }

    /** A reader of the full stream becomes a reader of its first d − 1 coordinates: W[:, :d−1] − W[:, d−1:]. */
    private static void compressReader(Map<String, Tensor> s, String name, int d) {
        Tensor w = s.get(name + ".weight");
        s.put(name + ".weight", w.narrow(1, 0, d - 1).sub(w.narrow(1, d - 1, 1)).contiguous());
    }

    private static TransformerLM load(TransformerLM.Config target, Map<String, Tensor> state, TransformerLM source) {
        TransformerLM out = new TransformerLM(target, new Generator(0));
        DType dtype = source.wte().weight().dtype();
        out.to(dtype);
        Map<String, Tensor> typed = new LinkedHashMap<>();
        state.forEach((k, v) -> typed.put(k, v.to(dtype)));
        out.loadStateDict(typed);
        out.train(source.isTraining());
        return out;
    }
}
