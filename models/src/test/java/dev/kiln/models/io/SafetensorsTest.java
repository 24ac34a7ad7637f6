package dev.kiln.models.io;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsTest {
    @TempDir
    Path dir;

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("w", Tensor.randn(new Generator(1), 3, 5));
        m.put("b", Tensor.of(new double[] {1.5, -2.25, Math.PI}));
        m.put("idx", Tensor.of(new int[] {7, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}, 2, 2));
        m.put("mask", Tensor.of(new boolean[] {true, false, true}));
        m.put("s", Tensor.scalar(0.125));
        m.put("empty", Tensor.zeros(0, 4));
        m.put("half", Tensor.of(new float[] {1.5f, -0.333f, 65504f, 6e-8f}, 2, 2).to(DType.F16));
        m.put("brain", Tensor.of(new float[] {1e30f, -0.1f}).to(DType.BF16));
        m.put("long", Tensor.of(new long[] {(1L << 53) + 1, Long.MIN_VALUE, Long.MAX_VALUE}));
        m.put("int8", Tensor.of(new byte[] {-128, 127, 0}));
        m.put("uint8", Tensor.of(new long[] {0, 200, 255}).to(DType.U8));
        m.put("long0d", Tensor.scalar(-3, DType.I64));
        m.put("halfEmpty", Tensor.zeros(DType.F16, 0, 3));
        return m;
    }

    @Test
    void roundTripsEveryDtypeShapeAndMetadata() throws IOException {
        Path p = dir.resolve("a.safetensors");
        Map<String, Tensor> in = sample();
        // a transposed view is written as its contiguous values
        in.put("wt", in.get("w").t());
        Safetensors.write(p, in, Map.of("step", "12", "note", "héllo \"quoted\""));
        Safetensors.Contents c = Safetensors.read(p);
        assertThat(c.tensors().keySet()).containsExactlyElementsOf(in.keySet());
        for (var e : in.entrySet()) {
            Tensor got = c.tensors().get(e.getKey());
            assertThat(got.dtype()).as(e.getKey()).isEqualTo(e.getValue().dtype());
            assertThat(got.shape()).as(e.getKey()).isEqualTo(e.getValue().shape());
            assertThat(got.toDoubleArray()).as(e.getKey()).containsExactly(e.getValue().toDoubleArray());
            if (got.dtype().isIntegral()) {
                assertThat(got.toLongArray()).as(e.getKey()).containsExactly(e.getValue().toLongArray());
            }
        }
        assertThat(c.metadata()).containsEntry("step", "12").containsEntry("note", "héllo \"quoted\"");
    }

    @Test
    void writesTheReferenceLayout() throws IOException {
        Path p = dir.resolve("b.safetensors");
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("x", Tensor.of(new float[] {1f, -2f}));
        in.put("n", Tensor.of(new int[] {3}));
        Safetensors.write(p, in, Map.of());
        byte[] b = Files.readAllBytes(p);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong();
        assertThat(n % 8).isZero();
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header.strip()).isEqualTo(
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"n\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[8,12]}}");
        bb.position(8 + (int) n);
        assertThat(bb.getFloat()).isEqualTo(1f);
        assertThat(bb.getFloat()).isEqualTo(-2f);
        assertThat(bb.getInt()).isEqualTo(3);
        assertThat(bb.remaining()).isZero();
    }

    /** tools/make_safetensors_fixture.py wrote this file with struct/json/numpy, independently of Kiln. */
    @Test
    void readsAFileWrittenByAnIndependentPythonWriter() throws IOException {
        Path p = dir.resolve("py.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/fixtures/python.safetensors")) {
            Files.copy(in, p);
        }
        Safetensors.Contents c = Safetensors.read(p);
        assertThat(c.metadata()).containsEntry("format", "pt");
        Tensor w = c.tensors().get("layer.weight");
        assertThat(w.dtype()).isEqualTo(DType.F32);
        assertThat(w.shape()).containsExactly(2, 3);
        float[] wv = w.toFloatArray();
        for (int i = 0; i < 6; i++) {
            assertThat(wv[i]).isEqualTo(i * 0.5f - 1f);
        }
        double[] bias = c.tensors().get("layer.bias").toDoubleArray();
        assertThat(c.tensors().get("layer.bias").dtype()).isEqualTo(DType.F64);
        for (int i = 0; i < 4; i++) {
            assertThat(bias[i]).isEqualTo(1.0 / (i + 1));
        }
        Tensor counts = c.tensors().get("counts");
        assertThat(counts.dtype()).isEqualTo(DType.I32);
        assertThat(counts.shape()).containsExactly(3, 1);
        assertThat(counts.toIntArray()).containsExactly(7, -993, -1993);
        assertThat(c.tensors().get("mask").toBooleanArray()).containsExactly(true, false, true, false, true);
        Tensor s = c.tensors().get("scalar");
        assertThat(s.shape()).isEmpty();
        assertThat((float) s.item()).isEqualTo((float) Math.PI);
        assertThat(c.tensors().get("empty").shape()).containsExactly(0, 4);
    }

    @Test
    void readsTheOtherDtypesFromAnIndependentPythonWriter() throws IOException {
        Path p = dir.resolve("py_dtypes.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/fixtures/python_dtypes.safetensors")) {
            Files.copy(in, p);
        }
        Map<String, Tensor> t = Safetensors.read(p).tensors();
        assertThat(t.get("half").dtype()).isEqualTo(DType.F16);
        assertThat(t.get("half").shape()).containsExactly(2, 2);
        assertThat(t.get("half").toDoubleArray()).containsExactly(1.5, -2.0, 0x1p-24, 65504.0);
        assertThat(t.get("brain").dtype()).isEqualTo(DType.BF16);
        assertThat(t.get("brain").toDoubleArray()).containsExactly(1.0, -0.5, 0x1p100);
        assertThat(t.get("long").toLongArray()).containsExactly((1L << 53) + 1, Long.MIN_VALUE, Long.MAX_VALUE);
        assertThat(t.get("int8").dtype()).isEqualTo(DType.I8);
        assertThat(t.get("int8").toLongArray()).containsExactly(-128, 127, 0, -1);
        assertThat(t.get("uint8").dtype()).isEqualTo(DType.U8);
        assertThat(t.get("uint8").toLongArray()).containsExactly(0, 1, 200, 255);
    }

    // ------------------------------------------------------------------ corrupt files

    private byte[] valid() throws IOException {
        Path p = dir.resolve("valid.safetensors");
        Safetensors.write(p, sample(), Map.of("k", "v"));
        return Files.readAllBytes(p);
    }

    private Path file(byte[] b) throws IOException {
        Path p = Files.createTempFile(dir, "f", ".safetensors");
        Files.write(p, b);
        return p;
    }

    private static byte[] withHeader(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bb = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(h.length).put(h);
        return bb.array();
    }

    @Test
    void everyTruncationIsAClearError() throws IOException {
        byte[] b = valid();
        for (int len = 0; len < b.length; len++) {
            Path p = file(Arrays.copyOf(b, len));
            assertThatThrownBy(() -> Safetensors.read(p)).as("truncated to %d bytes", len)
                    .isInstanceOf(Safetensors.InvalidFileException.class).hasMessageContaining(p.toString());
        }
    }

    @Test
    void trailingBytesAreRefused() throws IOException {
        byte[] b = valid();
        Path p = file(Arrays.copyOf(b, b.length + 3));
        assertThatThrownBy(() -> Safetensors.read(p)).isInstanceOf(Safetensors.InvalidFileException.class)
                .hasMessageContaining("trailing");
    }

    @Test
    void impossibleSizesFailBeforeAllocating() throws IOException {
        // a header that claims 2^40 bytes, and tensors that claim 2^62 elements: both must fail fast
        byte[] huge = new byte[16];
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        assertThatThrownBy(() -> Safetensors.read(file(huge))).isInstanceOf(Safetensors.InvalidFileException.class)
                .hasMessageContaining("header length");
        byte[] negative = new byte[16];
        ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putLong(-8);
        assertThatThrownBy(() -> Safetensors.read(file(negative))).isInstanceOf(Safetensors.InvalidFileException.class)
                .hasMessageContaining("header length");
        String big = "{\"t\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,16]}}";
        assertThatThrownBy(() -> Safetensors.read(file(withHeader(big, 16)))).isInstanceOf(Safetensors.InvalidFileException.class)
                .hasMessageContaining("2^31-1");
        String claimsMore = "{\"t\":{\"dtype\":\"F32\",\"shape\":[100000000],\"data_offsets\":[0,400000000]}}";
        assertThatThrownBy(() -> Safetensors.read(file(withHeader(claimsMore, 16)))).isInstanceOf(Safetensors.InvalidFileException.class)
                .hasMessageContaining("truncated");
        String overflow = "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}";
        assertThatThrownBy(() -> Safetensors.read(file(withHeader(overflow, 4)))).isInstanceOf(Safetensors.InvalidFileException.class)
                .hasMessageContaining("63 bits");
    }

    @Test
    void inconsistentHeadersAreRefusedWithTheirReason() throws IOException {
        Object[][] cases = {
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlaps"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "gap"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "span 8 bytes"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "negative"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8, "end before they begin"},
            {"{\"a\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "I16"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "lacks 'data_offsets'"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4, "unknown field"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "not an integer"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "twice"},
            {"{\"__metadata__\":{\"k\":1}}", 0, "not a string"},
            {"[1,2]", 0, "not a JSON object"},
            {"{\"a\":", 0, "not valid JSON"},
            {"{} {}", 0, "not valid JSON"},
        };
        for (Object[] c : cases) {
            Path p = file(withHeader((String) c[0], (Integer) c[1]));
            assertThatThrownBy(() -> Safetensors.read(p)).as((String) c[0]).isInstanceOf(Safetensors.InvalidFileException.class)
                    .hasMessageContaining((String) c[2]);
        }
    }

    @Test
    void boolBytesMustBeZeroOrOne() throws IOException {
        byte[] b = withHeader("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        b[b.length - 1] = 7;
        assertThatThrownBy(() -> Safetensors.read(file(b))).isInstanceOf(Safetensors.InvalidFileException.class)
                .hasMessageContaining("booleans are 0 or 1");
    }

    /** Random corruption either still reads (a changed value) or is an InvalidFileException: never another exception. */
    @Test
    void randomCorruptionNeverEscapesAsAnotherException() throws IOException {
        byte[] b = valid();
        Generator rng = new Generator(7);
        for (int trial = 0; trial < 300; trial++) {
            byte[] c = b.clone();
            int flips = 1 + rng.nextInt(3);
            for (int f = 0; f < flips; f++) {
                // mostly in the length and header, where the structure is
                int at = rng.nextInt(4) == 0 ? rng.nextInt(c.length) : rng.nextInt(Math.min(c.length, 400));
                c[at] = (byte) rng.nextInt(256);
            }
            Path p = file(c);
            try {
                Safetensors.read(p);
            } catch (Safetensors.InvalidFileException expected) {
                assertThat(expected.getMessage()).startsWith("safetensors: ");
            }
            Files.delete(p);
        }
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        Path p = dir.resolve("c.safetensors");
        Safetensors.write(p, sample(), Map.of("v", "1"));
        byte[] before = Files.readAllBytes(p);
        Map<String, Tensor> bad = new LinkedHashMap<>(sample());
        bad.put("__metadata__", Tensor.zeros(1));
        assertThatThrownBy(() -> Safetensors.write(p, bad, Map.of())).isInstanceOf(IllegalArgumentException.class);
        // a failing body leaves the old file as it was and removes its temporary file
        assertThatThrownBy(() -> AtomicFiles.write(p, ch -> {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            throw new IOException("disk full (simulated)");
        })).hasMessageContaining("simulated");
        assertThat(Files.readAllBytes(p)).isEqualTo(before);
        try (var s = Files.list(dir)) {
            assertThat(s.map(x -> x.getFileName().toString())).containsExactly("c.safetensors");
        }
    }
}
