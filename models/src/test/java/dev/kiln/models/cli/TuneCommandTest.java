package dev.kiln.models.cli;

import dev.kiln.kernels.cpu.gemm.CpuInfo;
import dev.kiln.kernels.cpu.gemm.Sgemm;
import dev.kiln.kernels.cpu.gemm.SgemmPlan;
import dev.kiln.kernels.cpu.gemm.SgemmPlanFile;
import dev.kiln.models.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code kiln tune} on a tiny budget: it writes a plan that is read back and used, and it judges plan files. */
class TuneCommandTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run kiln(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void aTinyBudgetWritesAPlanThatIsReadBackAndUsed() {
        Path file = tmp.resolve("plans/plan.json");
        Run r = kiln("tune", "--budget", "0.2", "--plan", file.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("(built-in)", "<- chosen", "wrote " + file.toAbsolutePath(),
                "-Dkiln.gemm.plan=" + file);
        CpuInfo cpu = CpuInfo.current();
        SgemmPlan plan = SgemmPlanFile.read(file, cpu, w -> {
            throw new AssertionError(w);
        });
        assertThat(SgemmPlan.candidates(cpu)).contains(plan);
        assertThat(r.out()).contains(plan.describe());
        // the GEMM computes correctly with the plan it wrote
        int m = 37;
        int k = 29;
        int n = 41;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 7) - 3;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 5) - 2;
        }
        float[] c = new float[m * n];
        Sgemm.sgemm(c, 0, n, a, 0, k, 1, b, 0, n, 1, m, n, k, plan, 1);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[i * k + p] * b[p * n + j];
                }
                assertThat(c[i * n + j]).isEqualTo(s); // small integers: exact in any order
            }
        }
        Run checked = kiln("tune", "--check", "--plan", file.toString());
        assertThat(checked.code()).isZero();
        assertThat(checked.out()).contains("applies to this machine: " + plan.describe());
    }

    @Test
    void aPlanFromAnotherCpuIsRefusedWithAWarning() throws IOException {
        Path file = tmp.resolve("other.json");
        SgemmPlan plan = SgemmPlan.derived(CpuInfo.current());
        Files.writeString(file, "{\"cpu\": \"Some Other CPU | avx2 | 256-bit\", \"tile\": \"" + plan.tile()
                + "\", \"mc\": 96, \"kc\": 256, \"nc\": 1024}");
        Run r = kiln("tune", "--check", "--plan", file.toString());
        assertThat(r.code()).isZero();
        assertThat(r.err().strip()).contains("ignoring GEMM plan " + file, "Some Other CPU", "kiln tune")
                .doesNotContain("\n");
        assertThat(r.out()).contains("the built-in plan is used");
    }

    @Test
    void aCorruptPlanIsOneLineNamingTheFile() throws IOException {
        Path file = tmp.resolve("corrupt.json");
        Files.writeString(file, "{\"cpu\": \"" + CpuInfo.current().key() + "\", \"tile\": 12");
        Run r = kiln("tune", "--check", "--plan", file.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("kiln tune: GEMM plan " + file).doesNotContain("\n")
                .doesNotContain("Exception");
    }

    @Test
    void theBudgetIsCheckedBeforeAnyWork() {
        Run r = kiln("tune", "--budget", "61");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--budget");
        assertThat(kiln("tune", "--budget", "0").code()).isEqualTo(2);
    }
}
