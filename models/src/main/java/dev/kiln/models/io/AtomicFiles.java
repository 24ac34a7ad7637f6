package dev.kiln.models.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Writes a file so that a crash never leaves it half-written: the bytes go to a temporary file
 * in the same folder, are forced to disk, and the temporary file is then renamed over the target
 * in one atomic step. Readers see the old file or the new one, never a mix.
 */
public final class AtomicFiles {
    private static final Pattern STALE = Pattern.compile("\\..+\\.[0-9]+\\.tmp");

    private AtomicFiles() {
    }

    /** What writes the content into the temporary file's channel. */
    @FunctionalInterface
    public interface Body {
        void write(FileChannel channel) throws IOException;
    }

    public static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        // the name matches STALE: ".NAME." + a random number + ".tmp"
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            readableByAll(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 FileLock ignored = ch.lock()) { // tells removeStale in another run that this file is in use
                body.write(ch);
                ch.force(true);
                // a rename replaces a symlink planted at the target; it never writes through it
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("AtomicFiles.write: the file system of " + dir + " cannot rename atomically", e);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** What writes the content into an output stream (image encoders, text writers); it must not close the stream. */
    @FunctionalInterface
    public interface StreamBody {
        void write(OutputStream out) throws IOException;
    }

    /** Writes through an output stream, atomically (a planted symlink at {@code target} is replaced, not followed). */
    public static void writeStream(Path target, StreamBody body) throws IOException {
        write(target, ch -> {
            OutputStream os = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            body.write(os);
            os.flush(); // not closed: write() forces and closes the channel itself
        });
    }

    /**
     * Deletes the temporary files that runs killed while writing left in {@code dir} (only names
     * of the form {@code .NAME.<digits>.tmp}, as {@link #write} makes them, and only regular files
     * no live writer holds locked). Returns how many it deleted.
     */
    public static int removeStale(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> STALE.matcher(p.getFileName().toString()).matches()
                && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))) {
            ds.forEach(stale::add);
        }
        int removed = 0;
        for (Path p : stale) {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    continue; // this JVM is writing it
                }
                if (lock == null) {
                    continue; // another process is writing it
                }
                try (lock) {
                    Files.delete(p);
                    removed++;
                }
            } catch (NoSuchFileException e) {
                // its writer finished (renamed it) meanwhile
            }
        }
        return removed;
    }

    /** Temporary files are private (0600); the finished file should read like any other (0644). */
    private static void readableByAll(Path p) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep its defaults
        }
    }

    /** Writes text as UTF-8, atomically. */
    public static void writeString(Path target, CharSequence text) throws IOException {
        write(target, text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Writes a byte array atomically (small text files: metadata, CSV snapshots). */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
    }
}
