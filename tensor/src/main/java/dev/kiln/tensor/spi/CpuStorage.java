package dev.kiln.tensor.spi;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Storage;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Host storage: a Java array of the dtype's element type: float[] (F32), double[] (F64), int[]
 * (I32), long[] (I64), byte[] (BOOL, I8, and U8 read as unsigned) or short[] holding the raw bits
 * of F16 and BF16 ({@link HalfFloats}). Kernels read the typed array directly; {@link #get}/
 * {@link #set} are the slow generic path for reference loops, {@link #getLong}/{@link #setLong}
 * its exact integer twin (I64 values beyond 2^53 do not survive a double).
 *
 * <p>Storages made by {@link #bitcast} view one buffer under several dtypes; see
 * {@link BitcastGroup} for how their arrays stay coherent.
 */
public final class CpuStorage extends Storage {
    /**
     * With {@code -Dkiln.poison=true} (every test run) {@link #allocateUninitialized} fills F32
     * buffers with NaN, so an op that promised to write every element and did not is caught.
     */
    static final boolean POISON = Boolean.getBoolean("kiln.poison");

    private float[] f32; // null once recycled
    private final boolean pooled; // an F32 buffer of ours, large enough for HostBufferPool
    private boolean recycled;
    private final double[] f64;
    private final int[] i32;
    private final long[] i64;
    private final byte[] b8;
    private final short[] h16;
    private BitcastGroup group;
    long syncedGeneration = -1;

    private CpuStorage(DType dtype, int size, Object array) {
        this(dtype, size, array, false);
    }

    private CpuStorage(DType dtype, int size, Object array, boolean pooled) {
        super(dtype, size);
        this.pooled = pooled;
        this.f32 = array instanceof float[] a ? a : null;
        this.f64 = array instanceof double[] a ? a : null;
        this.i32 = array instanceof int[] a ? a : null;
        this.i64 = array instanceof long[] a ? a : null;
        this.b8 = array instanceof byte[] a ? a : null;
        this.h16 = array instanceof short[] a ? a : null;
    }

    /** A zero-filled buffer. */
    public static CpuStorage allocate(DType dtype, int size) {
        if (dtype == DType.F32) {
            return floats(size, true);
        }
        Object array = switch (dtype) {
            case F32 -> throw new AssertionError("F32 is allocated above");
            case F64 -> new double[size];
            case I32 -> new int[size];
            case I64 -> new long[size];
            case BOOL, I8, U8 -> new byte[size];
            case F16, BF16 -> new short[size];
        };
        return new CpuStorage(dtype, size, array);
    }

    /**
     * A buffer whose contents are undefined: for an op whose kernel writes every element before
     * anything reads it. F32 buffers may come from {@link HostBufferPool} with a previous user's
     * values (NaN under {@link #POISON}); other dtypes are zero-filled as by {@link #allocate}.
     */
    public static CpuStorage allocateUninitialized(DType dtype, int size) {
        return dtype == DType.F32 ? floats(size, false) : allocate(dtype, size);
    }

    /** An F32 buffer, from the pool where it is large enough; zero-filled or, under POISON, NaN-filled. */
    private static CpuStorage floats(int size, boolean zeroed) {
        boolean pooled = size >= HostBufferPool.MIN_FLOATS;
        float[] a = pooled ? HostBufferPool.SHARED.take(size) : null;
        if (a == null) {
            a = new float[size]; // the JVM zeroes it
        } else if (zeroed) {
            Arrays.fill(a, 0f);
        }
        if (POISON && !zeroed) {
            Arrays.fill(a, Float.NaN); // small buffers too, so that tests on small tensors check the promise
        }
        return new CpuStorage(DType.F32, size, a, pooled);
    }

    /**
     * Gives a pooled F32 buffer to {@link HostBufferPool}; any later access through this storage
     * throws. Buffers the pool did not make (wrapped user arrays) and members of a bitcast group
     * (other storages share their bytes) are left to the collector.
     */
    @Override
    public void recycle() {
        if (pooled && group == null && !recycled) {
            recycled = true;
            float[] a = f32;
            f32 = null;
            HostBufferPool.SHARED.give(a);
        }
    }

    /**
     * F32 buffers large enough for the pool that were allocated fresh because it held none of
     * their size, since the JVM started. A training step in steady state should add none: each
     * one is memory the JVM zeroes and the collector later reclaims.
     */
    public static long freshPoolableAllocations() {
        return HostBufferPool.SHARED.misses();
    }

    /** Bytes of recycled buffers waiting to be reused (see {@link #recycle()}). */
    public static long pooledBytes() {
        return HostBufferPool.SHARED.heldBytes();
    }

    /** Wraps the array without copying. */
    public static CpuStorage wrap(float[] data) {
        return new CpuStorage(DType.F32, data.length, data);
    }

    public static CpuStorage wrap(double[] data) {
        return new CpuStorage(DType.F64, data.length, data);
    }

    public static CpuStorage wrap(int[] data) {
        return new CpuStorage(DType.I32, data.length, data);
    }

    public static CpuStorage wrap(long[] data) {
        return new CpuStorage(DType.I64, data.length, data);
    }

    /** BOOL: each byte 0 or 1. */
    public static CpuStorage wrap(byte[] boolData) {
        return new CpuStorage(DType.BOOL, boolData.length, boolData);
    }

    /** BOOL, I8 or U8 over bytes; F16 or BF16 over raw bits. */
    public static CpuStorage wrap(DType dtype, byte[] data) {
        if (dtype != DType.BOOL && dtype != DType.I8 && dtype != DType.U8) {
            throw new IllegalArgumentException("CpuStorage.wrap: byte[] holds BOOL, I8 or U8, not " + dtype);
        }
        return new CpuStorage(dtype, data.length, data);
    }

    public static CpuStorage wrap(DType dtype, short[] bits) {
        if (!dtype.isReducedFloat()) {
            throw new IllegalArgumentException("CpuStorage.wrap: short[] holds F16 or BF16 bits, not " + dtype);
        }
        return new CpuStorage(dtype, bits.length, bits);
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    private void fresh() {
        if (recycled) {
            throw new IllegalStateException("CpuStorage: this " + dtype() + " buffer of " + size()
                    + " elements was recycled and may now belong to another tensor");
        }
        if (group != null) {
            group.refresh(this);
        }
    }

    private IllegalStateException wrongType(String accessor, String expected) {
        return new IllegalStateException("CpuStorage." + accessor + ": storage holds " + dtype() + ", not " + expected);
    }

    public float[] floats() {
        if (f32 == null) {
            fresh(); // a recycled buffer says so
            throw wrongType("floats", "F32");
        }
        fresh();
        return f32;
    }

    public double[] doubles() {
        if (f64 == null) {
            throw wrongType("doubles", "F64");
        }
        fresh();
        return f64;
    }

    public int[] ints() {
        if (i32 == null) {
            throw wrongType("ints", "I32");
        }
        fresh();
        return i32;
    }

    public long[] longs() {
        if (i64 == null) {
            throw wrongType("longs", "I64");
        }
        fresh();
        return i64;
    }

    public byte[] bools() {
        if (dtype() != DType.BOOL) {
            throw wrongType("bools", "BOOL");
        }
        fresh();
        return b8;
    }

    /** The bytes of I8 or U8 (U8 reads as {@code b & 0xFF}). */
    public byte[] bytes() {
        if (dtype() != DType.I8 && dtype() != DType.U8) {
            throw wrongType("bytes", "I8 or U8");
        }
        fresh();
        return b8;
    }

    /** The raw bits of F16 or BF16. */
    public short[] halves() {
        if (h16 == null) {
            throw wrongType("halves", "F16 or BF16");
        }
        fresh();
        return h16;
    }

    /** The backing array, whatever the dtype (for bulk copies). */
    public Object array() {
        fresh();
        return switch (dtype()) {
            case F32 -> f32;
            case F64 -> f64;
            case I32 -> i32;
            case I64 -> i64;
            case BOOL, I8, U8 -> b8;
            case F16, BF16 -> h16;
        };
    }

    /** Element {@code i} widened to double (BOOL reads as 0 or 1, U8 as 0 to 255). */
    public double get(int i) {
        fresh();
        return switch (dtype()) {
            case F32 -> f32[i];
            case F64 -> f64[i];
            case I32 -> i32[i];
            case I64 -> i64[i];
            case BOOL, I8 -> b8[i];
            case U8 -> b8[i] & 0xFF;
            case F16 -> HalfFloats.f16ToFloat(h16[i]);
            case BF16 -> HalfFloats.bf16ToFloat(h16[i]);
        };
    }

    /**
     * Stores {@code v} at {@code i}, rounded to the dtype: the 16-bit floats through F32 (as
     * PyTorch converts), the integer types truncate toward zero with Java's narrowing (NaN is 0,
     * out of range saturates to the int or long range, I8 and U8 keep the low 8 bits of that
     * int, so U8 wraps), BOOL is v != 0.
     */
    public void set(int i, double v) {
        fresh();
        switch (dtype()) {
            case F32 -> f32[i] = (float) v;
            case F64 -> f64[i] = v;
            case I32 -> i32[i] = (int) v;
            case I64 -> i64[i] = (long) v;
            case BOOL -> b8[i] = (byte) (v != 0 ? 1 : 0);
            case I8, U8 -> b8[i] = (byte) (int) v;
            case F16 -> h16[i] = HalfFloats.floatToF16((float) v);
            case BF16 -> h16[i] = HalfFloats.floatToBf16((float) v);
        }
    }

    /** Element {@code i} as a long: exact for the integer types and BOOL, truncated toward zero for floats. */
    public long getLong(int i) {
        fresh();
        return switch (dtype()) {
            case I32 -> i32[i];
            case I64 -> i64[i];
            case BOOL, I8 -> b8[i];
            case U8 -> b8[i] & 0xFF;
            case F32, F64, F16, BF16 -> (long) get(i);
        };
    }

    /** Stores {@code v} at {@code i}: integer types keep its low bits (two's complement wrap), floats round once. */
    public void setLong(int i, long v) {
        fresh();
        switch (dtype()) {
            case F32 -> f32[i] = (float) v;
            case F64 -> f64[i] = (double) v;
            case I32 -> i32[i] = (int) v;
            case I64 -> i64[i] = v;
            case BOOL -> b8[i] = (byte) (v != 0 ? 1 : 0);
            case I8, U8 -> b8[i] = (byte) v;
            case F16 -> h16[i] = HalfFloats.floatToF16((float) v);
            case BF16 -> h16[i] = HalfFloats.floatToBf16((float) v);
        }
    }

    @Override
    protected void written() {
        if (group != null) {
            group.written(this);
        }
    }

    @Override
    protected Storage bitcast(DType dtype, int size) {
        if (group == null) {
            group = new BitcastGroup(this);
        }
        if ((long) size * dtype.byteSize() > group.byteLength()) {
            throw new IllegalArgumentException("view(" + dtype + "): " + size + " elements need "
                    + (long) size * dtype.byteSize() + " bytes, the buffer has " + group.byteLength());
        }
        CpuStorage member = allocate(dtype, size);
        member.group = group;
        member.shareVersion(this);
        return member;
    }

    /** Writes this storage's bits, little-endian, at the start of {@code out}. */
    void writeBytes(ByteBuffer out) {
        switch (dtype()) {
            case F32 -> out.asFloatBuffer().put(f32);
            case F64 -> out.asDoubleBuffer().put(f64);
            case I32 -> out.asIntBuffer().put(i32);
            case I64 -> out.asLongBuffer().put(i64);
            case BOOL, I8, U8 -> out.put(0, b8);
            case F16, BF16 -> out.asShortBuffer().put(h16);
        }
    }

    /** Reads this storage's bits from the start of {@code in}. */
    void readBytes(ByteBuffer in) {
        switch (dtype()) {
            case F32 -> in.asFloatBuffer().get(f32);
            case F64 -> in.asDoubleBuffer().get(f64);
            case I32 -> in.asIntBuffer().get(i32);
            case I64 -> in.asLongBuffer().get(i64);
            case BOOL, I8, U8 -> in.get(0, b8);
            case F16, BF16 -> in.asShortBuffer().get(h16);
        }
    }
}
