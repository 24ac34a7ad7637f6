package dev.kiln.tensor.spi;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Storage;

/**
 * Host storage: a Java array of the dtype's element type (float[], double[], int[] or byte[]
 * for BOOL). Kernels read the typed array directly; {@link #get}/{@link #set} are the slow
 * generic path for reference loops.
 */
public final class CpuStorage extends Storage {
    private final float[] f32;
    private final double[] f64;
    private final int[] i32;
    private final byte[] bool;

    private CpuStorage(DType dtype, int size, float[] f32, double[] f64, int[] i32, byte[] bool) {
        super(dtype, size);
        this.f32 = f32;
        this.f64 = f64;
        this.i32 = i32;
        this.bool = bool;
    }

    /** A zero-filled buffer. */
    public static CpuStorage allocate(DType dtype, int size) {
        return switch (dtype) {
            case F32 -> new CpuStorage(dtype, size, new float[size], null, null, null);
            case F64 -> new CpuStorage(dtype, size, null, new double[size], null, null);
            case I32 -> new CpuStorage(dtype, size, null, null, new int[size], null);
            case BOOL -> new CpuStorage(dtype, size, null, null, null, new byte[size]);
        };
    }

    /** Wraps the array without copying. */
    public static CpuStorage wrap(float[] data) {
        return new CpuStorage(DType.F32, data.length, data, null, null, null);
    }

    public static CpuStorage wrap(double[] data) {
        return new CpuStorage(DType.F64, data.length, null, data, null, null);
    }

    public static CpuStorage wrap(int[] data) {
        return new CpuStorage(DType.I32, data.length, null, null, data, null);
    }

    public static CpuStorage wrap(byte[] boolData) {
        return new CpuStorage(DType.BOOL, boolData.length, null, null, null, boolData);
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    public float[] floats() {
        if (f32 == null) {
            throw new IllegalStateException("CpuStorage.floats: storage holds " + dtype() + ", not F32");
        }
        return f32;
    }

    public double[] doubles() {
        if (f64 == null) {
            throw new IllegalStateException("CpuStorage.doubles: storage holds " + dtype() + ", not F64");
        }
        return f64;
    }

    public int[] ints() {
        if (i32 == null) {
            throw new IllegalStateException("CpuStorage.ints: storage holds " + dtype() + ", not I32");
        }
        return i32;
    }

    public byte[] bools() {
        if (bool == null) {
            throw new IllegalStateException("CpuStorage.bools: storage holds " + dtype() + ", not BOOL");
        }
        return bool;
    }

    /** Element {@code i} widened to double (BOOL reads as 0 or 1). */
    public double get(int i) {
        return switch (dtype()) {
            case F32 -> f32[i];
            case F64 -> f64[i];
            case I32 -> i32[i];
            case BOOL -> bool[i];
        };
    }

    /** Stores {@code v} at {@code i}, rounded to the dtype (I32 truncates toward zero, BOOL is v != 0). */
    public void set(int i, double v) {
        switch (dtype()) {
            case F32 -> f32[i] = (float) v;
            case F64 -> f64[i] = v;
            case I32 -> i32[i] = (int) v;
            case BOOL -> bool[i] = (byte) (v != 0 ? 1 : 0);
        }
    }
}
