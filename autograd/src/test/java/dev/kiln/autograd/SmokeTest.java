package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {
    @Test
    void mlpGradcheck() {
        var rng = new Generator(1);
        Tensor x = Tensor.randn(rng, 4, 3).to(DType.F64).requiresGrad(true);
        Tensor w = Tensor.randn(rng, 3, 5).to(DType.F64).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 5).to(DType.F64).requiresGrad(true);
        Tensor labels = Tensor.of(new int[] {0, 4, 2, 1});
        var r = GradCheck.check(in -> in[0].matmul(in[1]).add(in[2]).tanh().crossEntropy(labels), x, w, b);
        System.out.println(r);
        System.out.println(x);
        System.out.println(x.matmul(w).add(b).tanh());
        assertThat(r.passed()).isTrue();
    }
}
