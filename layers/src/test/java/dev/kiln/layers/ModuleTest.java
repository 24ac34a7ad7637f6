package dev.kiln.layers;

import dev.kiln.layers.activation.PReLU;
import dev.kiln.layers.activation.ReLU;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModuleTest {
    private final Generator rng = new Generator(21);

    /** A module with a parameter, a buffer and children, as a user would write one. */
    static final class Block extends Module {
        final Linear proj;
        final Parameter scale;

        Block(Generator rng) {
            proj = registerModule("proj", new Linear(3, 3, rng));
            scale = registerParameter("scale", new Parameter(Tensor.ones(3)));
            registerBuffer("steps", Tensor.zeros(DType.I32, 1));
            registerBuffer("runningMean", Tensor.zeros(3));
        }

        @Override
        public Tensor forward(Tensor x) {
            return proj.forward(x).mul(scale.tensor());
        }
    }

    /** Two Linears sharing one weight (tied embeddings). */
    static final class Tied extends Module {
        final Linear a;
        final Linear b;

        Tied(Generator rng) {
            a = registerModule("a", new Linear(2, 2, false, rng));
            b = registerModule("b", new Linear(2, 2, false, rng));
            registerParameter("shared", a.weight());
        }

        @Override
        public Tensor forward(Tensor x) {
            return b.forward(a.forward(x));
        }
    }

    @Test
    void namedParametersAreDottedAndOrdered() {
        Sequential model = new Sequential(new Block(rng), new ReLU(), new Linear(3, 2, rng));
        // as PyTorch: a module's own parameters before its children's
        assertThat(model.namedParameters().keySet())
                .containsExactly("0.scale", "0.proj.weight", "0.proj.bias", "2.weight", "2.bias");
        assertThat(model.parameters()).hasSize(5);
        assertThat(model.parameterCount()).isEqualTo(9 + 3 + 3 + 6 + 2);
        assertThat(model.namedBuffers().keySet()).containsExactly("0.steps", "0.runningMean");
        assertThat(model.stateDict().keySet())
                .containsExactly("0.scale", "0.steps", "0.runningMean", "0.proj.weight", "0.proj.bias", "2.weight", "2.bias");
        assertThat(model.namedModules().keySet()).containsExactly("", "0", "0.proj", "1", "2");
        assertThat(model.getSubmodule("0.proj")).isSameAs(((Block) model.get(0)).proj);
        assertThat(model.getParameter("0.proj.bias")).isSameAs(((Block) model.get(0)).proj.bias());
        assertThatThrownBy(() -> model.getSubmodule("0.nope"))
                .hasMessage("getSubmodule: Block has no sub-module 'nope' (looking for '0.nope'); it has [proj]");
        assertThatThrownBy(() -> model.getParameter("2.gain")).hasMessageContaining("Linear has no parameter 'gain'");
    }

    @Test
    void tiedParametersCountOnceButAppearUnderEachNameInTheStateDict() {
        Tied t = new Tied(rng);
        assertThat(t.namedParameters().keySet()).containsExactly("shared", "b.weight");
        assertThat(t.parameterCount()).isEqualTo(8);
        assertThat(t.stateDict().keySet()).containsExactly("shared", "a.weight", "b.weight");
        // a PyTorch-style state dict with the tied tensor under both names loads
        Tied u = new Tied(new Generator(99));
        u.loadStateDict(t.stateDict());
        assertThat(u.a.weight().tensor().allClose(t.a.weight().tensor(), 0, 0)).isTrue();
    }

    @Test
    void registrationIsChecked() {
        Module m = new Module() {
            {
                registerParameter("w", new Parameter(Tensor.zeros(2)));
                assertThatThrownBy(() -> registerParameter("w", new Parameter(Tensor.zeros(2))))
                        .hasMessageContaining("registerParameter: 'w' is already registered");
                assertThatThrownBy(() -> registerBuffer("w", Tensor.zeros(2))).hasMessageContaining("already registered");
                assertThatThrownBy(() -> registerModule("a.b", new ReLU())).hasMessageContaining("invalid name 'a.b'");
                assertThatThrownBy(() -> registerModule("", new ReLU())).hasMessageContaining("invalid name ''");
                assertThatThrownBy(() -> registerParameter("p", null)).hasMessageContaining("'p'").hasMessageContaining("is null");
                assertThatThrownBy(() -> registerModule("me", this)).hasMessageContaining("cannot contain itself");
                assertThatThrownBy(() -> setBuffer("nope", Tensor.zeros(1))).hasMessageContaining("no buffer named 'nope'");
            }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        };
        assertThat(m.parameters()).hasSize(1);
        assertThatThrownBy(() -> new Parameter(Tensor.zeros(DType.I32, 2)))
                .hasMessage("Parameter: expected a floating-point tensor, got I32 [2]");
    }

    @Test
    void trainAndEvalReachEveryDescendant() {
        Sequential model = new Sequential(new Block(rng), new Sequential(new Dropout(0.5, rng)));
        assertThat(model.modules()).allSatisfy(m -> assertThat(m.isTraining()).isTrue());
        model.eval();
        assertThat(model.modules()).allSatisfy(m -> assertThat(m.isTraining()).isFalse());
        model.train();
        assertThat(model.modules()).allSatisfy(m -> assertThat(m.isTraining()).isTrue());
        List<String> visited = new ArrayList<>();
        model.apply(m -> visited.add(m.getClass().getSimpleName()));
        assertThat(visited).containsExactly("Linear", "Block", "Dropout", "Sequential", "Sequential");
    }

    @Test
    void stateDictRoundTrip() {
        Sequential a = new Sequential(new Block(rng), new Linear(3, 2, rng));
        Sequential b = new Sequential(new Block(new Generator(5)), new Linear(3, 2, new Generator(6)));
        Tensor x = Tensor.randn(rng, 4, 3);
        assertThat(a.forward(x).allClose(b.forward(x), 1e-6, 1e-6)).isFalse();
        Map<String, Tensor> state = a.stateDict();
        state.get("0.steps").fill_(7);
        b.loadStateDict(state);
        assertThat(b.forward(x).allClose(a.forward(x), 0, 0)).isTrue();
        assertThat(b.stateDict().get("0.steps").item()).isEqualTo(7);
        // loading copies in place: the same leaves, still requiring grad, so optimizers keep working
        Parameter w = b.getParameter("1.weight");
        Tensor leaf = w.tensor();
        b.loadStateDict(a.stateDict());
        assertThat(w.tensor()).isSameAs(leaf);
        assertThat(leaf.requiresGrad()).isTrue();
        assertThat(leaf.isLeaf()).isTrue();
        // state dict values share storage with the model (as PyTorch's)
        a.stateDict().get("1.bias").fill_(3);
        assertThat(a.getParameter("1.bias").tensor().toFloatArray()).containsExactly(3, 3);
    }

    @Test
    void loadStateDictNamesEveryProblemAndWritesNothingOnFailure() {
        Linear lin = new Linear(3, 2, rng);
        float[] before = lin.weight().tensor().toFloatArray();
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("weight", Tensor.ones(3, 2));
        bad.put("extra", Tensor.ones(1));
        assertThatThrownBy(() -> lin.loadStateDict(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("loadStateDict: cannot load into Linear; missing keys [bias]; unexpected keys [extra]; "
                        + "wrong shape or dtype: weight: expected F32 [2, 3], got F32 [3, 2]");
        assertThat(lin.weight().tensor().toFloatArray()).containsExactly(before);

        Map<String, Tensor> wrongDType = new LinkedHashMap<>(lin.stateDict());
        wrongDType.put("bias", Tensor.zeros(DType.F64, 2));
        assertThatThrownBy(() -> lin.loadStateDict(wrongDType))
                .hasMessageContaining("bias: expected F32 [2], got F64 [2]");

        // non-strict: missing and unexpected keys are allowed, the rest loads
        Map<String, Tensor> partial = Map.of("bias", Tensor.full(5, 2), "other", Tensor.ones(1));
        lin.loadStateDict(partial, false);
        assertThat(lin.bias().tensor().toFloatArray()).containsExactly(5, 5);
        assertThat(lin.weight().tensor().toFloatArray()).containsExactly(before);
        // but a wrong shape never loads
        assertThatThrownBy(() -> lin.loadStateDict(Map.of("bias", Tensor.ones(3)), false))
                .hasMessageContaining("bias: expected F32 [2], got F32 [3]");
    }

    @Test
    void toStringSummarisesTheTree() {
        Sequential model = new Sequential(new Linear(784, 512, rng), new PReLU(),
                new Sequential(new Linear(512, 10, false, rng)));
        assertThat(model.toString()).isEqualTo("""
                Sequential(
                  (0): Linear(inFeatures=784, outFeatures=512, bias=true)  # 401,920 params
                  (1): PReLU(numParameters=1)  # 1 param
                  (2): Sequential(
                    (0): Linear(inFeatures=512, outFeatures=10, bias=false)  # 5,120 params
                  )
                )
                parameters: 407,041""");
        assertThat(new ReLU().toString()).isEqualTo("ReLU()\nparameters: 0");
        assertThat(new Linear(2, 3, rng).describe()).isEqualTo("Linear(inFeatures=2, outFeatures=3, bias=true)");
    }

    @Test
    void toDTypeConvertsInPlaceKeepingTheParameters() {
        Block block = new Block(rng);
        Parameter scale = block.scale;
        float[] w = block.proj.weight().tensor().toFloatArray();
        block.to(DType.F64);
        assertThat(block.scale).isSameAs(scale);
        assertThat(block.parameters()).allSatisfy(p -> {
            assertThat(p.dtype()).isEqualTo(DType.F64);
            assertThat(p.tensor().requiresGrad()).isTrue();
        });
        assertThat(block.namedBuffers().get("runningMean").dtype()).isEqualTo(DType.F64);
        assertThat(block.namedBuffers().get("steps").dtype()).isEqualTo(DType.I32);
        double[] w64 = block.proj.weight().tensor().toDoubleArray();
        for (int i = 0; i < w.length; i++) {
            assertThat(w64[i]).isEqualTo(w[i]);
        }
        Tensor y = block.forward(Tensor.randn(rng, 2, 3).to(DType.F64));
        assertThat(y.dtype()).isEqualTo(DType.F64);
        y.sum().backward();
        assertThat(block.proj.weight().grad().dtype()).isEqualTo(DType.F64);
        assertThatThrownBy(() -> block.to(DType.I32)).hasMessageContaining("parameters must be a floating-point dtype");
    }

    @Test
    void zeroGradAndFreezing() {
        Linear lin = new Linear(3, 2, rng);
        lin.forward(Tensor.randn(rng, 4, 3)).sum().backward();
        assertThat(lin.weight().grad()).isNotNull();
        lin.zeroGrad();
        assertThat(lin.parameters()).allSatisfy(p -> assertThat(p.grad()).isNull());
        lin.requiresGrad(false);
        Tensor y = lin.forward(Tensor.randn(rng, 4, 3));
        assertThat(y.requiresGrad()).isFalse();
        lin.requiresGrad(true);
        assertThat(lin.forward(Tensor.randn(rng, 4, 3)).requiresGrad()).isTrue();
    }

    @Test
    void sequentialAndModuleList() {
        Linear l1 = new Linear(4, 5, rng);
        Linear l2 = new Linear(5, 2, rng);
        Sequential seq = new Sequential(l1).append(new ReLU()).append(l2);
        Tensor x = Tensor.randn(rng, 3, 4);
        assertThat(seq.forward(x).allClose(l2.forward(l1.forward(x).relu()), 0, 0)).isTrue();
        assertThat(seq.size()).isEqualTo(3);
        assertThat(seq).containsExactly(l1, seq.get(1), l2);
        assertThat(seq.stateDict().keySet()).containsExactly("0.weight", "0.bias", "2.weight", "2.bias");
        assertThatThrownBy(() -> seq.get(3)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("Sequential.get: index 3 is out of range for 3 modules");
        assertThatThrownBy(() -> new Sequential(l1, null)).hasMessage("Sequential.append: module 1 is null");
        assertThat(new Sequential(List.of(l1, l2)).size()).isEqualTo(2);

        ModuleList<Linear> list = new ModuleList<>();
        list.append(new Linear(2, 2, rng)).append(new Linear(2, 2, rng));
        Linear first = list.get(0); // typed: no cast
        assertThat(first.inFeatures()).isEqualTo(2);
        assertThat(list.namedParameters().keySet()).containsExactly("0.weight", "0.bias", "1.weight", "1.bias");
        assertThat(list).hasSize(2);
        assertThatThrownBy(() -> list.forward(x)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("ModuleList.forward: a ModuleList has no forward");
        assertThatThrownBy(() -> list.get(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(new ModuleList<>(List.of(new ReLU(), new ReLU())).size()).isEqualTo(2);
    }

    @Test
    void aCycleInTheTreeIsReported() {
        Sequential outer = new Sequential();
        Sequential inner = new Sequential(outer);
        outer.append(inner);
        assertThatThrownBy(outer::parameters).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("contains itself");
    }

    @Test
    void aSharedModuleIsVisitedOncePerPathButCountedOnce() {
        Linear shared = new Linear(2, 2, rng);
        Sequential model = new Sequential(shared, new ReLU(), shared);
        assertThat(model.parameterCount()).isEqualTo(6);
        assertThat(model.namedParameters().keySet()).containsExactly("0.weight", "0.bias");
        assertThat(model.stateDict().keySet()).containsExactly("0.weight", "0.bias", "2.weight", "2.bias");
        assertThat(model.modules()).hasSize(3);
    }
}
