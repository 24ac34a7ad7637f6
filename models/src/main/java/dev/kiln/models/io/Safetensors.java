package dev.kiln.models.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the safetensors format (Hugging Face's, which PyTorch loads with
 * {@code safetensors.torch.load_file}): an 8-byte little-endian header length N, N bytes of UTF-8
 * JSON <pre>{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...,
 *  "__metadata__": {"key": "value"}}</pre> then the tensors' raw little-endian bytes.
 *
 * <p>Reading validates the whole header against the file's size before allocating any tensor:
 * a truncated or corrupt file, or one whose header claims impossible sizes, is an
 * {@link InvalidFileException} that says what is wrong. As the reference implementation, the
 * tensors' byte ranges must tile the data section exactly (no overlap, no hole).
 *
 * <p>Writing is atomic ({@link AtomicFiles}): the file appears complete or not at all.
 */
public final class Safetensors {
    /** The reference implementation refuses headers over 100 MB; so do we (it bounds the header read). */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final String METADATA_KEY = "__metadata__";

    private Safetensors() {
    }

    /** A malformed safetensors file; the message names the file and the fault. */
    public static final class InvalidFileException extends IOException {
        public InvalidFileException(String message) {
            super(message);
        }
    }

    /** One tensor as the header describes it (offsets are relative to the start of the data section). */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
    }

    /** A validated header: entries in file order, metadata, and where the data section starts. */
    public record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {
    }

    /** What a file holds: tensors by name (in header order) and the string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes the tensors (in map order, each made contiguous on the host) and the metadata.
     * Names must be non-empty and differ from "__metadata__".
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<String> names = new ArrayList<>(tensors.keySet());
        long[] begins = new long[names.size()];
        long offset = 0;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Tensor t = tensors.get(name);
            if (name == null || name.isEmpty() || name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("Safetensors.write: invalid tensor name '" + name + "'");
            }
            if (t == null) {
                throw new IllegalArgumentException("Safetensors.write: tensor '" + name + "' is null");
            }
            begins[i] = offset;
            offset += (long) t.numel() * t.dtype().byteSize();
        }
        byte[] header = headerJson(names, tensors, begins, metadata);
        AtomicFiles.write(path, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            for (String name : names) {
                writeTensor(ch, tensors.get(name));
            }
        });
    }

    /** The header, padded with spaces to a multiple of 8 bytes as the reference writer does (aligned data). */
    private static byte[] headerJson(List<String> names, Map<String, Tensor> tensors, long[] begins,
            Map<String, String> metadata) throws IOException {
        StringWriter sw = new StringWriter();
        try (JsonWriter w = new JsonWriter(sw)) {
            w.setHtmlSafe(false);
            w.beginObject();
            if (metadata != null && !metadata.isEmpty()) {
                w.name(METADATA_KEY).beginObject();
                for (var e : metadata.entrySet()) {
                    if (e.getKey() == null || e.getValue() == null) {
                        throw new IllegalArgumentException("Safetensors.write: metadata keys and values must not be null");
                    }
                    w.name(e.getKey()).value(e.getValue());
                }
                w.endObject();
            }
            for (int i = 0; i < names.size(); i++) {
                Tensor t = tensors.get(names.get(i));
                w.name(names.get(i)).beginObject();
                w.name("dtype").value(dtypeName(t.dtype()));
                w.name("shape").beginArray();
                for (int s : t.shape()) {
                    w.value(s);
                }
                w.endArray();
                long size = (long) t.numel() * t.dtype().byteSize();
                w.name("data_offsets").beginArray().value(begins[i]).value(begins[i] + size).endArray();
                w.endObject();
            }
            w.endObject();
        }
        byte[] json = sw.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }

    private static final int CHUNK = 1 << 20;

    /** Streams one tensor's elements as little-endian bytes through a 1 MiB buffer. */
    private static void writeTensor(FileChannel ch, Tensor t) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case F32 -> {
                float[] a = t.toFloatArray();
                for (int i = 0; i < a.length; ) {
                    int n = Math.min(a.length - i, CHUNK / 4);
                    buf.clear();
                    buf.asFloatBuffer().put(a, i, n);
                    buf.limit(n * 4);
                    writeFully(ch, buf);
                    i += n;
                }
            }
            case F64 -> {
                double[] a = t.toDoubleArray();
                for (int i = 0; i < a.length; ) {
                    int n = Math.min(a.length - i, CHUNK / 8);
                    buf.clear();
                    buf.asDoubleBuffer().put(a, i, n);
                    buf.limit(n * 8);
                    writeFully(ch, buf);
                    i += n;
                }
            }
            case I32 -> {
                int[] a = t.toIntArray();
                for (int i = 0; i < a.length; ) {
                    int n = Math.min(a.length - i, CHUNK / 4);
                    buf.clear();
                    buf.asIntBuffer().put(a, i, n);
                    buf.limit(n * 4);
                    writeFully(ch, buf);
                    i += n;
                }
            }
            case BOOL -> {
                boolean[] a = t.toBooleanArray();
                byte[] b = new byte[a.length];
                for (int i = 0; i < a.length; i++) {
                    b[i] = (byte) (a[i] ? 1 : 0);
                }
                writeFully(ch, ByteBuffer.wrap(b));
            }
            // the 16-bit floats and the other integer types: their bytes, through a bitcast to U8
            case F16, BF16, I64, I8, U8 -> writeFully(ch, ByteBuffer.wrap(bytesOf(t)));
        }
    }

    /** The little-endian bytes of any tensor, row-major. */
    private static byte[] bytesOf(Tensor t) {
        Tensor flat = t.detach().contiguous().reshape(-1);
        return flat.dtype() == DType.U8 ? flat.toByteArray() : flat.view(DType.U8).toByteArray();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    // ------------------------------------------------------------------ reading

    /** Reads every tensor and the metadata. */
    public static Contents read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            Header h = readHeader(path, ch);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Entry e : h.entries()) {
                out.put(e.name(), readTensor(path, ch, h.dataStart(), e));
            }
            return new Contents(Collections.unmodifiableMap(out), h.metadata());
        }
    }

    /** Reads and validates only the header (cheap: no tensor data is read). */
    public static Header readHeader(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return readHeader(path, ch);
        }
    }

    private static Header readHeader(Path path, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw invalid(path, "the file has " + fileSize + " bytes, fewer than the 8-byte header length (truncated?)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(path, ch, lenBuf, 0);
        long n = lenBuf.flip().getLong();
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw invalid(path, "the header length is " + Long.toUnsignedString(n) + " bytes; it must lie in [2, "
                    + MAX_HEADER_BYTES + "] (not a safetensors file, or a corrupt one)");
        }
        if (n > fileSize - 8) {
            throw invalid(path, "the header claims " + n + " bytes but the file has only " + (fileSize - 8)
                    + " after the length (truncated?)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(path, ch, hb, 8);
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb.flip()).toString();
        } catch (CharacterCodingException e) {
            throw invalid(path, "the header is not valid UTF-8");
        }
        long dataSize = fileSize - 8 - n;
        Header h = parseHeader(path, json, 8 + n);
        checkLayout(path, h.entries(), dataSize);
        return h;
    }

    private static Header parseHeader(Path path, String json, long dataStart) throws IOException {
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setStrictness(Strictness.STRICT);
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw invalid(path, "the header is not a JSON object");
            }
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (!seen.add(name)) {
                    throw invalid(path, "the header names '" + name + "' twice");
                }
                if (name.equals(METADATA_KEY)) {
                    readMetadata(path, r, metadata);
                } else {
                    entries.add(readEntry(path, r, name));
                }
            }
            r.endObject();
            // only the padding spaces the writer adds may follow the object
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw invalid(path, "the header has text after its JSON object");
            }
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            if (e instanceof InvalidFileException ie) {
                throw ie;
            }
            throw invalid(path, "the header is not valid JSON: " + dev.kiln.models.JsonErrors.describe(e));
        }
        return new Header(Collections.unmodifiableList(entries), Collections.unmodifiableMap(metadata), dataStart);
    }

    private static void readMetadata(Path path, JsonReader r, Map<String, String> metadata) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw invalid(path, "__metadata__ must be an object of strings");
        }
        r.beginObject();
        while (r.hasNext()) {
            String k = r.nextName();
            if (r.peek() != JsonToken.STRING) {
                throw invalid(path, "__metadata__ value of '" + k + "' is not a string");
            }
            if (metadata.put(k, r.nextString()) != null) {
                throw invalid(path, "__metadata__ names '" + k + "' twice");
            }
        }
        r.endObject();
    }

    private static Entry readEntry(Path path, JsonReader r, String name) throws IOException {
        String what = "tensor '" + name + "'";
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw invalid(path, what + " is not described by an object");
        }
        DType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            switch (key) {
                case "dtype" -> {
                    if (dtype != null || r.peek() != JsonToken.STRING) {
                        throw invalid(path, what + ": 'dtype' must be one string");
                    }
                    String d = r.nextString();
                    dtype = dtypeOf(d);
                    if (dtype == null) {
                        throw invalid(path, what + " has dtype " + d + "; Kiln reads F32, F64, F16, BF16, I64, I32, I8, U8 and BOOL");
                    }
                }
                case "shape" -> {
                    if (shape != null) {
                        throw invalid(path, what + ": 'shape' given twice");
                    }
                    shape = readLongs(path, r, what + ": 'shape'", -1);
                }
                case "data_offsets" -> {
                    if (offsets != null) {
                        throw invalid(path, what + ": 'data_offsets' given twice");
                    }
                    offsets = readLongs(path, r, what + ": 'data_offsets'", 2);
                }
                default -> throw invalid(path, what + " has an unknown field '" + key + "'");
            }
        }
        r.endObject();
        if (dtype == null || shape == null || offsets == null) {
            throw invalid(path, what + " lacks " + (dtype == null ? "'dtype'" : shape == null ? "'shape'" : "'data_offsets'"));
        }
        long numel = 1;
        int[] s = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) {
                throw invalid(path, what + " has a dim of " + shape[i] + "; Kiln tensors hold at most 2^31-1 elements");
            }
            s[i] = (int) shape[i];
            numel *= shape[i];
            if (numel > Integer.MAX_VALUE) {
                throw invalid(path, what + " has shape " + java.util.Arrays.toString(shape)
                        + ", more than the 2^31-1 elements a Kiln tensor holds");
            }
        }
        if (offsets[0] > offsets[1]) {
            throw invalid(path, what + " has data_offsets [" + offsets[0] + ", " + offsets[1] + "] that end before they begin");
        }
        long expected = numel * dtype.byteSize();
        if (offsets[1] - offsets[0] != expected) {
            throw invalid(path, what + " is " + dtype + " " + Shapes.str(s) + " (" + expected + " bytes) but its data_offsets ["
                    + offsets[0] + ", " + offsets[1] + "] span " + (offsets[1] - offsets[0]) + " bytes");
        }
        return new Entry(name, dtype, s, offsets[0], offsets[1]);
    }

    /** An array of non-negative integers that fit a long (exactly {@code count} of them unless count < 0). */
    private static long[] readLongs(Path path, JsonReader r, String what, int count) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw invalid(path, what + " must be an array of integers");
        }
        List<Long> vals = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) {
                throw invalid(path, what + " must hold integers only");
            }
            String lit = r.nextString();
            long v;
            try {
                v = Long.parseLong(lit);
            } catch (NumberFormatException e) {
                throw invalid(path, what + " holds " + lit + ", not an integer of at most 63 bits");
            }
            if (v < 0) {
                throw invalid(path, what + " holds the negative value " + v);
            }
            if (vals.size() > 64) {
                throw invalid(path, what + " has more than 64 entries");
            }
            vals.add(v);
        }
        r.endArray();
        if (count >= 0 && vals.size() != count) {
            throw invalid(path, what + " must hold " + count + " integers, got " + vals.size());
        }
        long[] out = new long[vals.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = vals.get(i);
        }
        return out;
    }

    /** The byte ranges must lie inside the data section and tile it exactly, as the reference implementation requires. */
    private static void checkLayout(Path path, List<Entry> entries, long dataSize) throws IOException {
        List<Entry> byBegin = new ArrayList<>(entries);
        byBegin.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : byBegin) {
            if (e.end() > dataSize) {
                throw invalid(path, "tensor '" + e.name() + "' ends at byte " + e.end() + " of the data section but the file "
                        + "holds only " + dataSize + " data bytes (truncated?)");
            }
            if (e.begin() < at) {
                throw invalid(path, "tensor '" + e.name() + "' (bytes [" + e.begin() + ", " + e.end()
                        + ")) overlaps the tensor before it, which ends at " + at);
            }
            if (e.begin() > at) {
                throw invalid(path, "the data section has a gap of unused bytes [" + at + ", " + e.begin() + ") before tensor '"
                        + e.name() + "'");
            }
            at = e.end();
        }
        if (at != dataSize) {
            throw invalid(path, "the tensors cover " + at + " data bytes but the file holds " + dataSize
                    + " after the header (trailing bytes)");
        }
    }

    private static Tensor readTensor(Path path, FileChannel ch, long dataStart, Entry e) throws IOException {
        int numel = (int) ((e.end() - e.begin()) / e.dtype().byteSize());
        long pos = dataStart + e.begin();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(8, e.end() - e.begin()))).order(ByteOrder.LITTLE_ENDIAN);
        // wrap(a) then view: a shape of [] given to wrap would mean 1-D, and 0-d tensors are legal here
        return switch (e.dtype()) {
            case F32 -> {
                float[] a = new float[numel];
                for (int i = 0; i < numel; ) {
                    int n = Math.min(numel - i, buf.capacity() / 4);
                    pos = fill(path, ch, buf, pos, n * 4);
                    buf.asFloatBuffer().get(a, i, n);
                    i += n;
                }
                yield Tensor.wrap(a).view(e.shape());
            }
            case F64 -> {
                double[] a = new double[numel];
                for (int i = 0; i < numel; ) {
                    int n = Math.min(numel - i, buf.capacity() / 8);
                    pos = fill(path, ch, buf, pos, n * 8);
                    buf.asDoubleBuffer().get(a, i, n);
                    i += n;
                }
                yield Tensor.wrap(a).view(e.shape());
            }
            case I32 -> {
                int[] a = new int[numel];
                for (int i = 0; i < numel; ) {
                    int n = Math.min(numel - i, buf.capacity() / 4);
                    pos = fill(path, ch, buf, pos, n * 4);
                    buf.asIntBuffer().get(a, i, n);
                    i += n;
                }
                yield Tensor.wrap(a).view(e.shape());
            }
            case BOOL -> {
                byte[] a = new byte[numel];
                boolean[] flags = new boolean[numel];
                for (int i = 0; i < numel; ) {
                    int n = Math.min(numel - i, buf.capacity());
                    pos = fill(path, ch, buf, pos, n);
                    buf.get(a, i, n);
                    i += n;
                }
                for (int k = 0; k < numel; k++) {
                    if (a[k] != 0 && a[k] != 1) {
                        throw invalid(path, "BOOL tensor '" + e.name() + "' holds the byte " + a[k] + "; booleans are 0 or 1");
                    }
                    flags[k] = a[k] == 1;
                }
                yield Tensor.of(flags).view(e.shape());
            }
            case F16, BF16, I64, I8, U8 -> {
                byte[] a = new byte[Math.toIntExact(e.end() - e.begin())];
                for (int i = 0; i < a.length; ) {
                    int n = Math.min(a.length - i, buf.capacity());
                    pos = fill(path, ch, buf, pos, n);
                    buf.get(a, i, n);
                    i += n;
                }
                Tensor bytes = Tensor.of(a).view(DType.U8);
                yield (e.dtype() == DType.U8 ? bytes : bytes.view(e.dtype())).view(e.shape());
            }
        };
    }

    private static long fill(Path path, FileChannel ch, ByteBuffer buf, long pos, int bytes) throws IOException {
        buf.clear().limit(bytes);
        readFully(path, ch, buf, pos);
        buf.flip();
        return pos + bytes;
    }

    private static void readFully(Path path, FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                throw invalid(path, "the file ended early at byte " + pos + " (it changed while being read?)");
            }
            pos += n;
        }
    }

    // ------------------------------------------------------------------ dtypes

    static String dtypeName(DType d) {
        return switch (d) {
            case F32 -> "F32";
            case F64 -> "F64";
            case I32 -> "I32";
            case BOOL -> "BOOL";
            case F16 -> "F16";
            case BF16 -> "BF16";
            case I64 -> "I64";
            case I8 -> "I8";
            case U8 -> "U8";
        };
    }

    private static DType dtypeOf(String s) {
        return switch (s) {
            case "F32" -> DType.F32;
            case "F64" -> DType.F64;
            case "I32" -> DType.I32;
            case "BOOL" -> DType.BOOL;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            case "I64" -> DType.I64;
            case "I8" -> DType.I8;
            case "U8" -> DType.U8;
            default -> null;
        };
    }

    private static InvalidFileException invalid(Path path, String what) {
        return new InvalidFileException("safetensors: " + path + ": " + what);
    }
}
