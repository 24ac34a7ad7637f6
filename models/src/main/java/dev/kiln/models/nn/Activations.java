package dev.kiln.models.nn;

import dev.kiln.layers.Module;
import dev.kiln.layers.activation.Elephant;
import dev.kiln.layers.activation.FATReLU;
import dev.kiln.layers.activation.GELU;
import dev.kiln.layers.activation.HeLU;
import dev.kiln.layers.activation.LeakyReLU;
import dev.kiln.layers.activation.Mish;
import dev.kiln.layers.activation.PAU;
import dev.kiln.layers.activation.PReLU;
import dev.kiln.layers.activation.ReLU;
import dev.kiln.layers.activation.ReLUSquared;
import dev.kiln.layers.activation.SAU;
import dev.kiln.layers.activation.SiLU;
import dev.kiln.layers.activation.Sigmoid;
import dev.kiln.layers.activation.SmeLU;
import dev.kiln.layers.activation.Softplus;
import dev.kiln.layers.activation.Tanh;
import dev.kiln.layers.activation.VeLU;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The activations of docs/formulas/activations.md by command-line name, each built with the layer's defaults
 * (FATReLU's threshold 0.1 is ours: no source gives one). The argument is the layer's width,
 * used by per-channel PReLU.
 */
public final class Activations {
    private static final Map<String, IntFunction<Module>> BY_NAME = new LinkedHashMap<>();

    static {
        BY_NAME.put("relu", w -> new ReLU());
        BY_NAME.put("leakyrelu", w -> new LeakyReLU());
        BY_NAME.put("prelu", w -> new PReLU());
        BY_NAME.put("prelu-channel", PReLU::new);
        BY_NAME.put("relu2", w -> new ReLUSquared());
        BY_NAME.put("gelu", w -> new GELU());
        BY_NAME.put("gelu-tanh", w -> new GELU("tanh"));
        BY_NAME.put("silu", w -> new SiLU());
        BY_NAME.put("mish", w -> new Mish());
        BY_NAME.put("softplus", w -> new Softplus());
        BY_NAME.put("sigmoid", w -> new Sigmoid());
        BY_NAME.put("tanh", w -> new Tanh());
        BY_NAME.put("smelu", w -> new SmeLU());
        BY_NAME.put("helu", w -> new HeLU());
        BY_NAME.put("pau", w -> new PAU());
        BY_NAME.put("sau", w -> new SAU());
        BY_NAME.put("velu", w -> new VeLU());
        BY_NAME.put("elephant", w -> new Elephant());
        BY_NAME.put("fatrelu", w -> new FATReLU(0.1));
    }

    private Activations() {
    }

    /** Every name {@link #create} accepts, in a stable order. */
    public static Iterable<String> names() {
        return BY_NAME.keySet();
    }

    /** A fresh activation module for a layer of {@code width} features. */
    public static Module create(String name, int width) {
        IntFunction<Module> f = BY_NAME.get(name.toLowerCase(Locale.ROOT));
        if (f == null) {
            throw new IllegalArgumentException("unknown activation '" + name + "'; choose one of " + BY_NAME.keySet());
        }
        return f.apply(width);
    }
}
