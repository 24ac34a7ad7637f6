package dev.kiln.tensor.spi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The host storages that view one buffer under different dtypes ({@code view(dtype)}). Java
 * cannot view a {@code float[]} as an {@code int[]}, so each member keeps its own typed array and
 * the group keeps them coherent: every in-place write ends with {@code Storage.bumpVersion},
 * which makes the writer the newest member; a member's typed accessor first checks that it has
 * seen the newest bits and, when not, takes them, through a little-endian byte image of the whole
 * buffer (the canonical copy, which also keeps the bytes a narrower member does not cover).
 * Kernels therefore need no change: they read and write typed arrays as before.
 */
final class BitcastGroup {
    private final byte[] canonical;
    private long generation;
    private long canonicalGeneration = -1;
    private CpuStorage newest;

    BitcastGroup(CpuStorage base) {
        this.canonical = new byte[Math.multiplyExact(base.size(), base.dtype().byteSize())];
        this.newest = base;
    }

    int byteLength() {
        return canonical.length;
    }

    /** Brings {@code member} up to the newest bits when another member wrote since it last looked. */
    void refresh(CpuStorage member) {
        if (member == newest || member.syncedGeneration == generation) {
            return;
        }
        if (canonicalGeneration != generation) {
            newest.writeBytes(buffer());
            canonicalGeneration = generation;
        }
        member.readBytes(buffer());
        member.syncedGeneration = generation;
    }

    /** {@code member} has just written: its bits are now the newest. */
    void written(CpuStorage member) {
        generation++;
        newest = member;
        member.syncedGeneration = generation;
    }

    private ByteBuffer buffer() {
        return ByteBuffer.wrap(canonical).order(ByteOrder.LITTLE_ENDIAN);
    }
}
