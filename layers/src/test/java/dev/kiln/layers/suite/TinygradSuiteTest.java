package dev.kiln.layers.suite;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * tinygrad's op test suite (test/backend/test_ops.py, 427 test functions) replayed on Kiln from
 * the torch calls it makes (docs/SUITE.md). Writes the table of every test function to
 * target/suite/test_ops.md, and fails when fewer test functions pass than {@link #PASSING}, the
 * count measured when it was last raised: a ratchet, so an op that regresses shows here. Run
 * {@link #main} (or this test) to print the table.
 */
class TinygradSuiteTest {
    /** Test functions that passed when this was last measured; raise it when more pass. */
    static final int PASSING = 404;

    @Test
    void atLeastTheMeasuredNumberOfTestFunctionsMatchPyTorch() throws IOException {
        List<SuiteReplay.Outcome> outcomes = SuiteReplay.runAll(SuiteReplay.load());
        String table = table(outcomes);
        Path out = Path.of("target", "suite", "test_ops.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
        long passed = outcomes.stream().filter(o -> o.kind() == SuiteReplay.Kind.PASS).count();
        assertThat(outcomes).hasSize(427);
        assertThat(passed).as("test functions of the suite that pass on Kiln (table: %s)", out.toAbsolutePath())
                .isGreaterThanOrEqualTo(PASSING);
    }

    static String table(List<SuiteReplay.Outcome> outcomes) {
        Map<SuiteReplay.Kind, Integer> counts = new EnumMap<>(SuiteReplay.Kind.class);
        StringBuilder rows = new StringBuilder();
        for (SuiteReplay.Outcome o : outcomes) {
            counts.merge(o.kind(), 1, Integer::sum);
            rows.append("| ").append(o.test()).append(" | ").append(o.kind()).append(" | ")
                    .append(o.detail().replace("|", "\\|").replace("\n", " ")).append(" |\n");
        }
        StringBuilder sb = new StringBuilder("# tinygrad test_ops.py on Kiln\n\n");
        for (SuiteReplay.Kind k : SuiteReplay.Kind.values()) {
            sb.append("- ").append(k).append(": ").append(counts.getOrDefault(k, 0)).append('\n');
        }
        sb.append("- total: ").append(outcomes.size()).append("\n\n| test | outcome | detail |\n|---|---|---|\n");
        return sb.append(rows).toString();
    }

    /** Prints the table: {@code java -cp <layers test class path> dev.kiln.layers.suite.TinygradSuiteTest}. */
    public static void main(String[] args) {
        System.out.print(table(SuiteReplay.runAll(SuiteReplay.load())));
    }
}
