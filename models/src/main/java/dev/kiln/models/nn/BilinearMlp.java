package dev.kiln.models.nn;

import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.layers.Sequential;
import dev.kiln.layers.bilinear.BilinearDecomposition;
import dev.kiln.layers.ffn.Bilinear;
import dev.kiln.tensor.Generator;

import java.util.ArrayList;
import java.util.List;

/**
 * The bilinear MLP of Pearce et al., "Bilinear MLPs enable weight-based mechanistic
 * interpretability" (docs/formulas/bilinear.md, the official MNIST setup): an input embedding Linear
 * (no bias), one pure bilinear layer (L·z) ⊙ (R·z), and a Linear head — no elementwise
 * nonlinearity anywhere, so each logit is a quadratic form of the input with an exact
 * eigendecomposition ({@link BilinearDecomposition}). A {@link Sequential} with keys
 * "0.weight" (embedding), "1.weight" (bilinear), "2.weight", "2.bias" (head); embed = 0 drops the
 * embedding.
 */
public final class BilinearMlp {
    public record Config(int inFeatures, int embed, int hidden, int classes) {
        public Config {
            if (inFeatures < 1 || embed < 0 || hidden < 1 || classes < 1) {
                throw new IllegalArgumentException("BilinearMlp: sizes must be >= 1 (embed >= 0), got in " + inFeatures
                        + ", embed " + embed + ", hidden " + hidden + ", classes " + classes);
            }
        }
    }

    private BilinearMlp() {
    }

    public static Sequential build(Config c, Generator rng) {
        List<Module> layers = new ArrayList<>();
        int d = c.inFeatures();
        if (c.embed() > 0) {
            layers.add(new Linear(d, c.embed(), false, rng));
            d = c.embed();
        }
        layers.add(new Bilinear(d, c.hidden(), rng));
        layers.add(new Linear(c.hidden(), c.classes(), rng));
        return new Sequential(layers);
    }

    /** The weight-based decomposition of a model built by {@link #build}. */
    public static BilinearDecomposition decompose(Sequential model) {
        List<Module> m = new ArrayList<>(model.namedChildren().values());
        if (m.size() == 3) {
            return BilinearDecomposition.of((Linear) m.get(0), (Bilinear) m.get(1), (Linear) m.get(2));
        }
        return BilinearDecomposition.of((Bilinear) m.get(0), (Linear) m.get(1));
    }
}
