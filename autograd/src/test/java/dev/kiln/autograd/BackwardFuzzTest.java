package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.TestTensors;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random chains of ops on tensors that require grad, then backward: every call either works,
 * leaving each leaf a gradient of its own shape and dtype, or fails with an
 * IllegalArgumentException / IllegalStateException; never another exception.
 */
class BackwardFuzzTest {
    private static final int ROUNDS = 1500;

    private interface Step extends BiFunction<Tensor, Generator, Tensor> {
    }

    private static int pick(Generator rng, int lo, int hi) {
        return lo + rng.nextInt(hi - lo + 1);
    }

    private static int dim(Generator rng, Tensor t) {
        return t.dim() == 0 ? 0 : pick(rng, -t.dim(), t.dim() - 1);
    }

    private static Tensor other(Generator rng, Tensor t) {
        int[] s = t.shape();
        // the same shape, a broadcastable one, or a scalar
        return switch (rng.nextInt(3)) {
            case 0 -> TestTensors.random(rng, t.dtype(), s);
            case 1 -> TestTensors.random(rng, t.dtype(), s.length == 0 ? s : Arrays.copyOfRange(s, 1, s.length));
            default -> Tensor.scalar(rng.nextGaussian(), t.dtype());
        };
    }

    private static List<Step> steps() {
        List<Step> s = new ArrayList<>();
        s.add((t, r) -> t.add(other(r, t)));
        s.add((t, r) -> t.mul(other(r, t)));
        s.add((t, r) -> t.sub(other(r, t)).div(other(r, t).abs().add(1)));
        s.add((t, r) -> t.abs().add(0.5).pow(other(r, t).clamp(-2, 2)));
        s.add((t, r) -> t.maximum(other(r, t)));
        s.add((t, r) -> t.tanh());
        s.add((t, r) -> t.sigmoid().log());
        s.add((t, r) -> t.exp().sqrt());
        s.add((t, r) -> t.relu().add(t.neg().relu()));
        s.add((t, r) -> t.clamp(-1, 1));
        s.add((t, r) -> Tensor.where(t.gt(0), t, other(r, t)));
        s.add((t, r) -> t.sum(dim(r, t), r.nextInt(2) == 0));
        s.add((t, r) -> t.mean(dim(r, t), true));
        s.add((t, r) -> t.amax(new int[] {dim(r, t)}, r.nextInt(2) == 0));
        s.add((t, r) -> t.softmax(dim(r, t)));
        s.add((t, r) -> t.logSoftmax(dim(r, t)));
        s.add((t, r) -> t.var(new int[] {dim(r, t)}, 0, true));
        s.add((t, r) -> t.t().contiguous());
        s.add((t, r) -> t.transpose(dim(r, t), dim(r, t)));
        s.add((t, r) -> t.reshape(-1));
        s.add((t, r) -> {
            int[] sizes = new int[t.dim() + 1];
            Arrays.fill(sizes, -1);
            sizes[0] = 2;
            return t.unsqueeze(0).expand(sizes);
        });
        s.add((t, r) -> t.flatten().unsqueeze(-1));
        s.add((t, r) -> t.dim() == 0 ? t : t.narrow(dim(r, t), 0, Math.max(0, t.size(dim(r, t)) - 1)));
        s.add((t, r) -> t.dim() == 0 ? t : t.slice(0, pick(r, -3, 3), pick(r, -3, 5), pick(r, 1, 3)));
        s.add((t, r) -> t.dim() == 0 || t.size(0) == 0 ? t : t.select(0, pick(r, 0, t.size(0) - 1)));
        s.add((t, r) -> Tensor.cat(0, t.reshape(-1), t.reshape(-1).mul(2)));
        s.add((t, r) -> Tensor.stack(0, t, t.neg()));
        s.add((t, r) -> t.reshape(-1).indexSelect(0, Tensor.randint(r, 0, Math.max(1, t.numel()), 4)));
        s.add((t, r) -> t.dim() == 0 ? t : t.gather(dim(r, t), Tensor.zeros(DType.I32, t.shape())));
        s.add((t, r) -> t.dim() == 0 ? t : t.matmul(TestTensors.random(r, t.dtype(), t.size(-1), 2)));
        s.add((t, r) -> t.dim() < 2 ? t : t.crossEntropy(Tensor.zeros(DType.I32, t.size(0)).reshape(
                java.util.stream.IntStream.range(0, t.dim()).filter(d -> d != 1).map(d -> t.size(d)).toArray()),
                Reduction.values()[r.nextInt(3)], -100));
        s.add((t, r) -> t.to(DType.F32).to(DType.F64));
        s.add((t, r) -> t.clone().mul(t));
        return s;
    }

    @Test
    void randomChainsBackpropagateOrFailCleanly() {
        List<Step> steps = steps();
        Generator rng = new Generator(31);
        int backwards = 0;
        for (int round = 0; round < ROUNDS; round++) {
            int rank = rng.nextInt(4);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = rng.nextInt(8) == 0 ? 0 : 1 + rng.nextInt(3);
            }
            List<Tensor> views = TestTensors.layoutsWithBroadcast(TestTensors.random(rng, DType.F64, shape));
            Tensor leaf = views.get(rng.nextInt(views.size())).detach().requiresGrad(true);
            StringBuilder log = new StringBuilder(Arrays.toString(shape) + " strides " + Arrays.toString(leaf.strides()));
            try {
                Tensor t = leaf;
                int n = 1 + rng.nextInt(4);
                for (int k = 0; k < n; k++) {
                    int which = rng.nextInt(steps.size());
                    log.append(" -> step ").append(which);
                    t = steps.get(which).apply(t, rng);
                    log.append(Arrays.toString(t.shape()));
                }
                if (rng.nextInt(2) == 0) {
                    t.sum().backward();
                } else {
                    t.backward(TestTensors.random(rng, t.dtype(), t.shape()));
                }
                backwards++;
                if (leaf.grad() != null) {
                    assertThat(leaf.grad().shape()).as(log.toString()).containsExactly(leaf.shape());
                    assertThat(leaf.grad().dtype()).isEqualTo(DType.F64);
                    leaf.grad().toDoubleArray();
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                assertThat(e.getMessage()).as(log.toString()).isNotBlank();
            } catch (Throwable e) {
                throw new AssertionError("round " + round + ": " + log + " threw " + e, e);
            }
        }
        assertThat(backwards).isGreaterThan(ROUNDS / 2);
    }
}
