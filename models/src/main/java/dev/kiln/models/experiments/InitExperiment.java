package dev.kiln.models.experiments;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Init;
import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.layers.Sequential;
import dev.kiln.layers.activation.ReLU;
import dev.kiln.models.data.Batch;
import dev.kiln.models.data.DataLoader;
import dev.kiln.models.data.TensorDataset;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Sgd;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * He against Xavier initialisation in a deep plain ReLU MLP (docs/formulas/activations.md, He et al. 2015
 * §2.2 and Fig. 3). With fan_in = fan_out = n, Xavier's Var[w] = 1/n and a ReLU halves the mean
 * square of what passes, so each layer's pre-activation mean square is half the previous one's
 * (2^-(L-1) across L layers); He's Var[w] = 2/n keeps it constant. The same network is then
 * trained with SGD (momentum, as the paper) from each start: He trains, Xavier stalls.
 * Biases start at 0, as in the paper.
 */
public final class InitExperiment {
    public record Settings(int depth, int width, int batch, int steps, double lr, double momentum, int probe, long seed) {
    }

    /**
     * One initialisation: per hidden layer the mean square of its pre-activation on the probe batch
     * at initialisation, the training loss per step, and the test accuracy after training.
     */
    public record Arm(String init, double[] meanSquare, double[] trainLoss, double testAccuracy) {
        /** Last hidden layer's mean square over the first's. */
        public double ratio() {
            return meanSquare[meanSquare.length - 1] / meanSquare[0];
        }
    }

    private InitExperiment() {
    }

    public static List<Arm> run(Settings s, TensorDataset train, TensorDataset test, Consumer<String> progress) {
        List<Arm> arms = new ArrayList<>();
        for (String init : List.of("he", "xavier")) {
            Generator rng = new Generator(s.seed());
            List<Linear> hidden = new ArrayList<>();
            List<Module> layers = new ArrayList<>();
            int in = train.features().size(1);
            for (int i = 0; i < s.depth(); i++) {
                Linear l = new Linear(in, s.width(), rng);
                initialise(l, init, rng);
                hidden.add(l);
                layers.add(l);
                layers.add(new ReLU());
                in = s.width();
            }
            Linear head = new Linear(in, train.numClasses(), rng);
            initialise(head, init, rng);
            layers.add(head);
            Sequential model = new Sequential(layers);

            double[] ms = meanSquares(hidden, train.head(Math.min(s.probe(), train.size())).features());
            if (progress != null) {
                progress.accept(String.format(java.util.Locale.ROOT, "%s: pre-activation mean square layer 1 %.3e, layer %d %.3e",
                        init, ms[0], s.depth(), ms[ms.length - 1]));
            }
            Optimizer opt = Sgd.builder(model.parameters()).lr(s.lr()).momentum(s.momentum()).build();
            DataLoader loader = new DataLoader(train, s.batch(), s.seed());
            double[] losses = new double[s.steps()];
            for (int t = 0; t < s.steps(); t++) {
                Batch b = loader.batch(t);
                Tensor loss = model.forward(b.input()).crossEntropy(b.target());
                opt.zeroGrad();
                loss.backward();
                opt.step();
                losses[t] = loss.item();
                if (progress != null && ((t + 1) % Math.max(1, s.steps() / 5) == 0 || t + 1 == s.steps())) {
                    progress.accept(String.format(java.util.Locale.ROOT, "%s: step %d loss %.4f", init, t + 1, losses[t]));
                }
            }
            arms.add(new Arm(init, ms, losses, accuracy(model, test)));
        }
        return arms;
    }

    private static void initialise(Linear l, String init, Generator rng) {
        try (NoGrad ignored = NoGrad.enter()) {
            if (init.equals("he")) {
                Init.kaimingNormal_(l.weight().tensor(), 0, Init.FanMode.FAN_IN, "relu", rng);
            } else {
                Init.xavierNormal_(l.weight().tensor(), rng);
            }
            Init.zeros_(l.bias().tensor());
        }
    }

    /** Per hidden Linear, the mean square of its output (the pre-activation) on x. */
    static double[] meanSquares(List<Linear> hidden, Tensor x) {
        double[] ms = new double[hidden.size()];
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor h = x;
            for (int i = 0; i < hidden.size(); i++) {
                Tensor y = hidden.get(i).forward(h);
                ms[i] = y.square().mean().item();
                h = y.relu();
            }
        }
        return ms;
    }

    static double accuracy(Module model, TensorDataset test) {
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor pred = model.forward(test.features()).argmax(1, false);
            return pred.eq(test.targets()).to(dev.kiln.tensor.DType.F32).mean().item();
        }
    }
}
