package com.example.xor;

import dev.kiln.layers.Linear;
import dev.kiln.layers.Sequential;
import dev.kiln.layers.activation.GELU;
import dev.kiln.optim.AdamW;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * Trains XOR as a named module and checks what JPMS promises: Kiln's modules are named, the CPU
 * backend (which this module does not require) is bound as a service, and the SPI package is
 * exported to Kiln's own modules only. Any failure exits non-zero, which fails the build.
 */
public final class Main {
    public static void main(String[] args) {
        Module self = Main.class.getModule();
        Module tensor = Tensor.class.getModule();
        check(self.isNamed() && tensor.getName().equals("kiln.tensor"),
                "not on the module path: " + self + ", " + tensor);
        check(ModuleLayer.boot().findModule("kiln.kernels.cpu").isPresent(),
                "kiln.kernels.cpu was not bound as a provider of the Backend service");
        check(!tensor.isExported("dev.kiln.tensor.spi", self), "dev.kiln.tensor.spi is exported to the application");
        check(tensor.isExported("dev.kiln.tensor.spi", ModuleLayer.boot().findModule("kiln.autograd").orElseThrow()),
                "dev.kiln.tensor.spi is not exported to kiln.autograd");

        var rng = new Generator(0);
        var model = new Sequential(new Linear(2, 16, rng), new GELU(), new Linear(16, 2, rng));
        var opt = AdamW.builder(model.parameters()).lr(0.05).weightDecay(0.0).build();
        Tensor x = Tensor.wrap(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2);
        Tensor y = Tensor.wrap(new int[] {0, 1, 1, 0});
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < 300; step++) {
            Tensor loss = model.forward(x).crossEntropy(y);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            last = loss.item();
            if (step == 0) {
                first = last;
            }
        }
        check(last < 0.05 * first, "loss went from " + first + " to " + last + " only");
        float[] logits = model.forward(x).toFloatArray();
        int[] expected = {0, 1, 1, 0};
        for (int i = 0; i < 4; i++) {
            check((logits[2 * i + 1] > logits[2 * i] ? 1 : 0) == expected[i], "wrong XOR for sample " + i);
        }
        System.out.println("consumer-jpms: XOR learned on the module path (loss " + first + " -> " + last + ")");
    }

    private static void check(boolean ok, String problem) {
        if (!ok) {
            System.err.println("consumer-jpms: " + problem);
            System.exit(1);
        }
    }
}
