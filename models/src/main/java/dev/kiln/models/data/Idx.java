package dev.kiln.models.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the format of MNIST and Fashion-MNIST), plain or gzipped (told apart by the
 * gzip magic bytes, not the name): a 4-byte magic {@code 0, 0, type, rank}, {@code rank}
 * big-endian int32 sizes, then the data. Only unsigned bytes (type 0x08) are supported, which is
 * what both data sets use.
 *
 * <p>Nothing is allocated from what a file merely claims: a plain file's sizes must match its
 * length before its data array exists; a gzipped file's data grows as bytes actually arrive
 * (the gzip trailer's size is never trusted) and stops at what the header's sizes promise, so a
 * gzip bomb is read no further than its header allows. {@link #read(Path, int)} reads only the
 * first rows, as {@code --limit} needs.
 */
public final class Idx {
    private static final int UBYTE = 0x08;
    // a gzipped file's data array starts this big and doubles as its bytes arrive
    private static final int FIRST_CHUNK = 1 << 20;

    private Idx() {
    }

    /** An IDX array: its sizes and its bytes, row-major (read them as unsigned). */
    public record Array(int[] shape, byte[] data) {
        public int numel() {
            return data.length;
        }
    }

    public static Array read(Path path) throws IOException {
        return read(path, Integer.MAX_VALUE);
    }

    /**
     * Reads the first {@code maxRows} entries along the first dimension (all of them when the file
     * holds fewer); the returned shape says how many were read.
     */
    public static Array read(Path path, int maxRows) throws IOException {
        if (maxRows < 0) {
            throw new IllegalArgumentException("Idx.read: maxRows must be >= 0, got " + maxRows);
        }
        if (!Files.isRegularFile(path)) {
            throw new IOException("idx: " + path + " is not a file");
        }
        boolean gz = isGzip(path);
        try (InputStream raw = Files.newInputStream(path);
             DataInputStream in = new DataInputStream(new BufferedInputStream(gz ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16))) {
            int magic;
            try {
                magic = in.readInt();
            } catch (EOFException e) {
                throw new IOException("idx: " + path + " is shorter than an IDX header (truncated?)");
            }
            if ((magic >>> 16) != 0) {
                throw new IOException("idx: " + path + " does not start with an IDX magic number (0x0000TTRR), got 0x"
                        + String.format("%08x", magic));
            }
            int type = (magic >>> 8) & 0xff;
            int rank = magic & 0xff;
            if (type != UBYTE) {
                throw new IOException("idx: " + path + " holds element type 0x" + Integer.toHexString(type)
                        + "; only unsigned bytes (0x08) are supported");
            }
            if (rank < 1 || rank > 8) {
                throw new IOException("idx: " + path + " claims rank " + rank + "; expected 1 to 8");
            }
            int[] shape = new int[rank];
            long numel = 1;
            for (int i = 0; i < rank; i++) {
                try {
                    shape[i] = in.readInt();
                } catch (EOFException e) {
                    throw new IOException("idx: " + path + " ends inside its header (truncated?)");
                }
                if (shape[i] < 0) {
                    throw new IOException("idx: " + path + " claims a negative size in " + Arrays.toString(shape));
                }
                numel *= shape[i];
                if (numel > Integer.MAX_VALUE - 16) {
                    throw new IOException("idx: " + path + " claims sizes " + Arrays.toString(shape) + ", more than 2^31 bytes");
                }
            }
            long expected = 4 + 4L * rank + numel;
            if (!gz && expected != Files.size(path)) {
                long available = Files.size(path);
                throw new IOException("idx: " + path + " claims sizes " + Arrays.toString(shape) + " (" + expected
                        + " bytes) but holds " + available + " bytes" + (available < expected ? " (truncated?)" : ""));
            }
            long rowSize = 1;
            for (int i = 1; i < rank; i++) {
                rowSize *= shape[i];
            }
            int rows = Math.min(shape[0], maxRows);
            int wanted = (int) (rows * rowSize); // <= numel < 2^31
            byte[] data = gz ? readGrowing(path, in, wanted, numel) : readExactly(path, in, wanted, numel);
            if (gz && rows == shape[0] && in.read() >= 0) {
                throw new IOException("idx: " + path + " holds more data than its sizes " + Arrays.toString(shape) + " ("
                        + numel + " bytes) say");
            }
            shape[0] = rows;
            return new Array(shape, data);
        }
    }

    private static byte[] readExactly(Path path, DataInputStream in, int n, long numel) throws IOException {
        byte[] data = new byte[n];
        try {
            in.readFully(data);
        } catch (EOFException e) {
            throw new IOException("idx: " + path + " ends before its " + numel + " data bytes (truncated?)");
        }
        return data;
    }

    /** Reads n bytes into an array that grows only as the bytes arrive (a lying header allocates nothing big). */
    private static byte[] readGrowing(Path path, InputStream in, int n, long numel) throws IOException {
        byte[] data = new byte[Math.min(n, FIRST_CHUNK)];
        int have = 0;
        while (have < n) {
            if (have == data.length) {
                data = Arrays.copyOf(data, (int) Math.min(n, 2L * data.length));
            }
            int r;
            try {
                r = in.read(data, have, data.length - have);
            } catch (EOFException | java.util.zip.ZipException e) {
                throw new IOException("idx: " + path + " is not valid gzip data after " + have + " data bytes ("
                        + e.getMessage() + "; truncated or corrupt?)");
            }
            if (r < 0) {
                throw new IOException("idx: " + path + " ends after " + have + " of its " + numel
                        + " data bytes (truncated, or its header lies)");
            }
            have += r;
        }
        return data;
    }

    private static boolean isGzip(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }
}
