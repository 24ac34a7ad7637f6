package dev.kiln.models.cli;

import dev.kiln.models.Cli;
import dev.kiln.models.SyntheticData;
import dev.kiln.models.io.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile flags and files (issue 14): each is refused before work starts with one line that names
 * what is wrong, exit code 2, and no stack trace.
 */
class HostileInputTest {
    @TempDir
    static Path tmp;
    static Path images;
    static Path goodCheckpoint;

    record Run(int code, String out, String err) {
    }

    static Run kiln(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Exit code 2 and a short message: the first line has every fragment; no stack trace, no usage dump. */
    static void refused(Run r, int maxLines, String... fragments) {
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().count()).as(r.err()).isBetween(1L, (long) maxLines);
        assertThat(r.err().lines().findFirst().orElse("")).as(r.err()).contains(fragments);
        assertThat(r.err()).as(r.err()).doesNotContain("Exception", "\tat ", "Usage:");
    }

    @BeforeAll
    static void data() throws IOException {
        images = tmp.resolve("images");
        SyntheticData.writeImageSet(images, 64, 32, 3, true);
        Path run = tmp.resolve("good");
        Run r = kiln("train", "mlp", "--data", images.toString(), "--hidden", "8", "--steps", "2", "--batch-size", "16",
                "--out", run.toString(), "--no-progress");
        assertThat(r.code()).as(r.err()).isZero();
        goodCheckpoint = run.resolve("checkpoint.safetensors");
    }

    @Test
    void aMistypedFlagIsTheErrorAndAPointerToHelp() {
        Run r = kiln("train", "mlp", "--bach-size", "3", "--data", images.toString());
        refused(r, 4, "kiln train mlp:", "--bach-size");
        assertThat(r.err()).contains("Try 'kiln train mlp --help'").contains("--batch-size"); // picocli's suggestion
        Run typo = kiln("trian");
        refused(typo, 4, "trian");
    }

    @Test
    void everyOutOfRangeFlagIsOneLineNamingIt() {
        String[][] cases = {
            {"--batch-size", "2147483647"}, {"--batch-size", "0"}, {"--epochs", "0"}, {"--steps", "0"}, {"--steps", "-3"},
            {"--validation", "-0.1"}, {"--validation", "1"}, {"--checkpoint-every", "-1"}, {"--checkpoint-every", "0"},
            {"--warmup", "-5"}, {"--lr", "0"}, {"--lr", "NaN"}, {"--lr", "Infinity"}, {"--momentum", "1"}, {"--gamma", "0"},
            {"--clip", "-1"}, {"--weight-decay", "-1"}, {"--limit", "0"}, {"--hidden", "32,-1"}, {"--threads", "100000"},
            {"--threads", "0"},
        };
        for (String[] c : cases) {
            Path out = tmp.resolve("range" + c[0] + c[1]);
            Run r = kiln("train", "mlp", "--data", images.toString(), "--out", out.toString(), c[0], c[1]);
            refused(r, 2, c[0], "got " + c[1].substring(c[1].lastIndexOf(',') + 1)); // a list names its bad element
            assertThat(out).as("no work started for " + String.join(" ", c)).doesNotExist();
        }
        refused(kiln("generate", goodCheckpoint.toString(), "--temperature", "0"), 2, "--temperature");
        refused(kiln("train", "gpt", tmp.toString(), "--layers", "0"), 2, "--layers");
        refused(kiln("bench", "mlp", "--rounds", "-1"), 2, "--rounds");
    }

    @Test
    void anUnknownBackendIsRefusedUpFront() {
        Run r = kiln("--backend", "foo", "train", "mlp", "--data", images.toString());
        refused(r, 2, "--backend", "foo", "cpu", "reference");
        // and the process can still compute (the CPU backend was not poisoned)
        assertThat(kiln("eval", goodCheckpoint.toString(), "--data", images.toString()).code()).isZero();
    }

    @Test
    void aLabelOutsideTheClassesIsRefusedWithItsFileAndIndex() throws IOException {
        Path dir = tmp.resolve("bad-labels");
        SyntheticData.writeImageSet(dir, 40, 10, 4, false);
        byte[] labels = new byte[40];
        labels[17] = (byte) 255;
        SyntheticData.writeIdx(dir.resolve("train-labels-idx1-ubyte"), new int[] {40}, labels, false);
        Run r = kiln("train", "mlp", "--data", dir.toString(), "--out", tmp.resolve("bad-labels-run").toString());
        refused(r, 1, "train-labels-idx1-ubyte", "label 255 at index 17", "10 classes");
    }

    @Test
    void hostileCheckpointConfigsAreOneLineAndBuildNothing() throws IOException {
        String gpt = "\"model\":\"gpt\",\"d_model\":4096,\"heads\":8,\"kv_heads\":8,\"context\":64,\"hidden\":16384,"
                + "\"norm\":\"layernorm\",\"placement\":\"pre\",\"attention\":\"softmax\",\"feed_forward\":\"mlp\","
                + "\"positions\":\"learned\",\"bias\":true";
        String mlp = "\"model\":\"mlp\",\"in_features\":784,\"classes\":10,\"activation\":\"relu\",\"norm\":\"none\"";
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put("{{{not json", "not valid JSON");
        configs.put("{\"model\":\"mlp\"}", "config.model must be an object");
        configs.put("\"model\"", "must be a JSON object");
        configs.put("[1, 2]", "must be a JSON object");
        configs.put("{\"model\":{" + gpt + ",\"layers\":100000}}", "model.layers must be an integer in [1, 4096], got 100000");
        configs.put("{\"model\":{" + gpt + ",\"layers\":4000}}", "describes a gpt model of at least");
        configs.put("{\"model\":{" + mlp + ",\"hidden\":[1e300]}}", "model.hidden[0] must be an integer");
        configs.put("{\"model\":{" + mlp + ",\"hidden\":[8.5]}}", "model.hidden[0] must be an integer");
        configs.put("{\"model\":{" + mlp + ",\"hidden\":\"8\"}}", "model.hidden must be an array");
        configs.put("{\"model\":{" + mlp + ",\"hidden\":[9]}}", "checkpoint"); // well-formed, but not these tensors
        configs.put("{\"model\":{\"model\":\"mlp\",\"in_features\":\"784\",\"hidden\":[8]}}", "model.in_features must be an integer");
        configs.put("{\"model\":{\"model\":\"mlp\",\"hidden\":[8]}}", "model has no 'in_features'");
        configs.put("{\"model\":{\"model\":\"warp\"}}", "unknown model 'warp'");
        configs.put("{\"model\":{\"model\":7}}", "model.model must be a string");
        configs.put("{\"model\":{" + mlp + ",\"hidden\":[8]},\"data\":7}", "config.data must be an object");
        configs.put("{\"model\":{" + mlp + ",\"hidden\":[8]},\"data\":{\"dataset\":5}}", "data.dataset must be a string");
        Checkpoint good = Checkpoint.load(goodCheckpoint);
        int i = 0;
        for (var e : configs.entrySet()) {
            Path p = tmp.resolve("hostile-" + i++ + ".safetensors");
            Map<String, String> meta = new LinkedHashMap<>(good.metadata());
            meta.put("config", e.getKey());
            new Checkpoint(good.model(), good.optim(), good.train(), meta).save(p);
            Run r = kiln("eval", p.toString(), "--data", images.toString());
            refused(r, 1, "kiln eval: checkpoint " + p, e.getValue());
            assertThat(r.err()).as(e.getKey()).doesNotContain("setStrictness", "https://");
        }
        // the same loader serves generate
        Path p = tmp.resolve("hostile-0.safetensors");
        refused(kiln("generate", p.toString(), "--prompt", "x"), 1, "not valid JSON");
        Map<String, String> meta = new LinkedHashMap<>(good.metadata());
        meta.remove("config");
        Path noConfig = tmp.resolve("no-config.safetensors");
        new Checkpoint(good.model(), good.optim(), good.train(), meta).save(noConfig);
        refused(kiln("eval", noConfig.toString()), 1, "has no 'config'");
        assertThat(i + 2).isEqualTo(18); // the count the reliability notes quote
    }

    @Test
    void aMalformedHeaderSaysWhatIsWrongWithoutGsonsAdvice() throws IOException {
        for (String header : List.of("{\"a\" \"b\"}", "{\"a\": {\"dtype\": F32}}", "{\"a\": ", "{'a': 1}")) {
            byte[] json = header.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json);
            Path p = tmp.resolve("bad-header.safetensors");
            Files.write(p, b.array());
            Run r = kiln("eval", p.toString());
            refused(r, 1, "the header is not valid JSON", "line 1");
            assertThat(r.err()).as(header).doesNotContain("setStrictness", "https://", "MalformedJson", "Troubleshooting");
        }
    }
}
