package dev.kiln.models.experiments;

import dev.kiln.layers.Parameter;
import dev.kiln.models.data.ByteCorpus;
import dev.kiln.models.nn.Gpt;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.GaLore;
import dev.kiln.optim.LrSchedule;
import dev.kiln.optim.Optimizer;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * GaLore against AdamW on the byte-level GPT (docs/formulas/optimizers.md): the same model, seed and
 * batches, trained for the same number of steps with full-rank AdamW and with GaLore, whose
 * low-rank projection covers the blocks' attention and feed-forward weight matrices (the official
 * recipe; embeddings, head, norms and biases get plain AdamW inside GaLore). Reports both
 * validation losses and both optimizers' state in bytes ({@link Optimizer#stateBytes()}), total
 * and for the projected matrices alone.
 */
public final class GaLoreExperiment {
    /** AdamW at {@code adamwLr}; GaLore at {@code galoreLr} with rank, gap T and scale α; both with warmup and cosine to 0.1. */
    public record Settings(Gpt.Config model, int batch, int steps, int evalEvery, double adamwLr, double galoreLr, int rank,
                           int updateProjGap, double scale, int warmup, double clip, long seed) {
    }

    /** One optimizer's run: curves, state bytes in total and for the low-rank matrices, and the matrices' AdamW-equivalent. */
    public record Arm(String optimizer, LmTraining.Curves curves, long stateBytes, long matrixStateBytes,
                      long matrixAdamBytes, long parameters) {
    }

    private GaLoreExperiment() {
    }

    /** The blocks' 2-D weights of attention and feed-forward (q, k, v, out, fc1, fc2): what GaLore projects. */
    public static List<Tensor> lowRankWeights(Gpt model) {
        List<Tensor> out = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            String k = e.getKey();
            if (k.startsWith("transformer.h.") && k.endsWith(".weight") && e.getValue().tensor().dim() == 2
                    && (k.contains(".attn.") || k.contains(".mlp."))) {
                out.add(e.getValue().tensor());
            }
        }
        return out;
    }

    public static List<Arm> run(Settings s, ByteCorpus corpus, Consumer<String> progress) {
        LmTraining.Data data = LmTraining.Data.of(corpus, s.batch(), s.model().context(), s.seed(), 8);
        List<Arm> arms = new ArrayList<>();
        for (String name : List.of("adamw", "galore")) {
            Gpt model = new Gpt(s.model(), new Generator(s.seed()));
            List<Tensor> matrices = lowRankWeights(model);
            java.util.Set<Tensor> low = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            low.addAll(matrices);
            List<Tensor> rest = new ArrayList<>();
            for (Parameter p : model.parameters()) {
                if (!low.contains(p.tensor())) {
                    rest.add(p.tensor());
                }
            }
            Optimizer opt = name.equals("adamw")
                    ? AdamW.builder(model.parameters()).lr(s.adamwLr()).weightDecay(0).build()
                    : GaLore.builder(rest).lr(s.galoreLr()).rank(s.rank()).updateProjGap(s.updateProjGap()).scale(s.scale())
                            .group(matrices, g -> g.galore(true)).build();
            if (progress != null) {
                progress.accept(name + ": " + s.model().describe());
            }
            LmTraining.Curves c = LmTraining.train(model, opt, LrSchedule.cosine(s.warmup(), s.steps(), 0.1), data,
                    s.steps(), s.evalEvery(), s.clip(), null, progress == null ? null : line -> progress.accept(name + " " + line));
            long matrixBytes = 0;
            long adamBytes = 0;
            for (Tensor m : matrices) {
                matrixBytes += opt.stateBytes(m);
                adamBytes += 2L * m.numel() * Float.BYTES;
            }
            arms.add(new Arm(name, c, opt.stateBytes(), matrixBytes, adamBytes, model.parameterCount()));
        }
        return arms;
    }
}
