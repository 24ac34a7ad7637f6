package dev.kiln.models.nn;

import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Tensor;

import java.util.List;

/**
 * Where a model lives (its parameters' device) and bringing its inputs there. Data is read and
 * batched on the host; the training loop, evaluators and samplers move each batch to the model
 * just before its forward pass, so a model moved with {@code Module.to(Device)} runs there as is.
 */
public final class ModelDevice {
    private ModelDevice() {
    }

    /** The device of the model's first parameter; the CPU for a model without parameters. */
    public static Device of(Module model) {
        List<Parameter> ps = model.parameters();
        return ps.isEmpty() ? Device.CPU : ps.get(0).device();
    }

    /** {@code t} on the model's device (itself when already there). */
    public static Tensor input(Module model, Tensor t) {
        return t.to(of(model));
    }
}
