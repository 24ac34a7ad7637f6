package dev.kiln.models.nn;

import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.layers.Sequential;
import dev.kiln.tensor.Generator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A multi-layer perceptron classifier as a {@link Sequential} of Linear → [norm] → activation
 * blocks and a final Linear, so its state dict has PyTorch's {@code nn.Sequential} keys ("0.weight",
 * "2.weight", ...) and loads into the same PyTorch model. 784-512-512-10 with ReLU is the
 * Fashion-MNIST baseline.
 */
public final class MlpClassifier {
    /** in → hidden... → classes, the activation and norm by name ({@link Activations}, {@link Norms}). */
    public record Config(int inFeatures, int[] hidden, int classes, String activation, String norm) {
        public Config {
            if (inFeatures < 1 || classes < 1 || Arrays.stream(hidden).anyMatch(h -> h < 1)) {
                throw new IllegalArgumentException("MlpClassifier: sizes must be >= 1, got in " + inFeatures + ", hidden "
                        + Arrays.toString(hidden) + ", classes " + classes);
            }
            hidden = hidden.clone();
            Activations.create(activation, 1); // fail early on a bad name
            Norms.create(norm, 1);
        }

        @Override
        public int[] hidden() {
            return hidden.clone();
        }

        /** "784-512-512-10". */
        public String sizes() {
            StringBuilder sb = new StringBuilder().append(inFeatures);
            for (int h : hidden) {
                sb.append('-').append(h);
            }
            return sb.append('-').append(classes).toString();
        }
    }

    private MlpClassifier() {
    }

    public static Sequential build(Config c, Generator rng) {
        List<Module> layers = new ArrayList<>();
        int in = c.inFeatures();
        for (int h : c.hidden()) {
            layers.add(new Linear(in, h, rng));
            Module norm = Norms.create(c.norm(), h);
            if (norm != null) {
                layers.add(norm);
            }
            layers.add(Activations.create(c.activation(), h));
            in = h;
        }
        layers.add(new Linear(in, c.classes(), rng));
        return new Sequential(layers);
    }
}
