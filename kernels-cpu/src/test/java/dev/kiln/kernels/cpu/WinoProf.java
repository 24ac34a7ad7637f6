package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Generator;
import java.util.Arrays;

final class WinoProf {
    public static void main(String[] args) {
        CpuBackend.setThreads(1);
        var rng = new Generator(1);
        for (int[] g : ConvSwitchAB.RESNET_AND_CNN) {
            if (g[5] != 1) continue;
            ConvSwitchAB.Layer l = ConvSwitchAB.layer(rng, g);
            for (int c = 0; c < 6; c++) ConvWinogradWeight.weight(HostArrays.f(l.dw()), 0, HostArrays.f(l.dy()), 0, HostArrays.f(l.x()), 0, l.s());
            Arrays.fill(ConvWinogradWeight.PROF, 0);
            long t0 = System.nanoTime();
            for (int c = 0; c < 5; c++) ConvWinogradWeight.weight(HostArrays.f(l.dw()), 0, HostArrays.f(l.dy()), 0, HostArrays.f(l.x()), 0, l.s());
            long t = System.nanoTime() - t0;
            long[] p = ConvWinogradWeight.PROF;
            System.out.printf("%-24s total %.2f stage %.2f transform %.2f gemm %.2f out %.2f ms%n", Arrays.toString(g), t/5e6, p[0]/5e6, p[1]/5e6, p[2]/5e6, p[3]/5e6);
        }
    }
}
