package dev.kiln.models.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
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
 * <p>The sizes are checked against the file before the data array is allocated: for a plain file
 * against its length, for a gzipped one against the uncompressed size in the gzip trailer.
 */
public final class Idx {
    private static final int UBYTE = 0x08;

    private Idx() {
    }

    /** An IDX array: its sizes and its bytes, row-major (read them as unsigned). */
    public record Array(int[] shape, byte[] data) {
        public int numel() {
            return data.length;
        }
    }

    public static Array read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("idx: " + path + " is not a file");
        }
        boolean gz = isGzip(path);
        long available = gz ? gzipUncompressedSize(path) : Files.size(path);
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
            // the gzip trailer holds the size mod 2^32; numel < 2^31 so the comparison is exact
            if (gz ? (expected & 0xffffffffL) != available : expected != available) {
                throw new IOException("idx: " + path + " claims sizes " + Arrays.toString(shape) + " (" + expected
                        + " bytes) but holds " + available + " bytes" + (available < expected ? " (truncated?)" : ""));
            }
            byte[] data = new byte[(int) numel];
            try {
                in.readFully(data);
            } catch (EOFException e) {
                throw new IOException("idx: " + path + " ends before its " + numel + " data bytes (truncated?)");
            }
            return new Array(shape, data);
        }
    }

    private static boolean isGzip(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    /** ISIZE, the last 4 bytes of a gzip file (little-endian): the uncompressed size mod 2^32. */
    private static long gzipUncompressedSize(Path path) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            if (f.length() < 18) {
                throw new IOException("idx: " + path + " is too short for a gzip file (truncated?)");
            }
            f.seek(f.length() - 4);
            int b0 = f.read();
            int b1 = f.read();
            int b2 = f.read();
            int b3 = f.read();
            return (b0 | (b1 << 8) | (b2 << 16) | ((long) b3 << 24)) & 0xffffffffL;
        }
    }
}
