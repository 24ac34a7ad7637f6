package dev.kiln.layers.attention;

import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/**
 * The keys and values one attention layer has seen so far, for generating token by token: each
 * step appends the new tokens' keys and values ([B, Hkv, T, D], after rotary embedding) and
 * attends over everything cached. Storage grows by doubling, so a step costs O(T) and the views
 * handed out share it (no copy per step).
 *
 * <p>The cache stores values, not the graph: no gradient flows into cached keys and values, and
 * appending overwrites storage that earlier views recorded. Use it for inference (under
 * {@link NoGrad}); a layer needs its own cache, and a new sequence a new cache or {@link #clear()}.
 */
public final class KvCache {
    private Tensor keys;
    private Tensor values;
    private int length;

    /** How many tokens are cached: the position of the next token. */
    public int length() {
        return length;
    }

    /** Forgets every token (the storage is kept for the next sequence). */
    public void clear() {
        length = 0;
    }

    /**
     * Appends keys [B, Hkv, T, D] and values [B, Hkv, T, Dv] and returns {keys, values} of every
     * cached token, [B, Hkv, length, D] and [B, Hkv, length, Dv].
     */
    public Tensor[] append(Tensor newKeys, Tensor newValues) {
        if (newKeys.dim() != 4 || newValues.dim() != 4 || newKeys.size(0) != newValues.size(0)
                || newKeys.size(1) != newValues.size(1) || newKeys.size(2) != newValues.size(2)
                || newKeys.dtype() != newValues.dtype()) {
            throw new IllegalArgumentException("KvCache.append: expected keys [B, Hkv, T, D] and values "
                    + "[B, Hkv, T, Dv] of one dtype, got " + newKeys.dtype() + " " + Shapes.str(newKeys.shape()) + " and "
                    + newValues.dtype() + " " + Shapes.str(newValues.shape()));
        }
        int t = newKeys.size(2);
        if (keys != null && length > 0 && !compatible(keys, newKeys) || values != null && length > 0
                && !compatible(values, newValues)) {
            throw new IllegalArgumentException("KvCache.append: the cache holds " + keys.dtype() + " keys "
                    + Shapes.str(view(keys).shape()) + " and values " + Shapes.str(view(values).shape())
                    + "; cannot append " + newKeys.dtype() + " " + Shapes.str(newKeys.shape()) + " and "
                    + Shapes.str(newValues.shape())
                    + " (batch, heads and features must match; clear() for a new sequence)");
        }
        if (keys == null || !compatible(keys, newKeys) || !compatible(values, newValues)
                || length + t > keys.size(2)) {
            int capacity = Math.max(16, 2 * (length + t));
            keys = grow(keys, newKeys, capacity);
            values = grow(values, newValues, capacity);
        }
        try (NoGrad ignored = NoGrad.enter()) {
            keys.narrow(2, length, t).copy_(newKeys);
            values.narrow(2, length, t).copy_(newValues);
        }
        length += t;
        return new Tensor[] {view(keys), view(values)};
    }

    /** The cached keys [B, Hkv, length, D], or null before the first append. */
    public Tensor keys() {
        return keys == null ? null : view(keys);
    }

    /** The cached values [B, Hkv, length, Dv], or null before the first append. */
    public Tensor values() {
        return values == null ? null : view(values);
    }

    private Tensor view(Tensor buffer) {
        return buffer.narrow(2, 0, length);
    }

    private static boolean compatible(Tensor buffer, Tensor t) {
        int[] a = buffer.shape();
        int[] b = t.shape();
        a[2] = 0;
        b[2] = 0;
        return Arrays.equals(a, b) && buffer.dtype() == t.dtype() && buffer.device().equals(t.device());
    }

    /** A buffer of the given capacity holding the cached tokens (a fresh one when the shape changed). */
    private Tensor grow(Tensor old, Tensor like, int capacity) {
        int[] shape = like.shape();
        shape[2] = capacity;
        Tensor buffer = Tensor.full(0, like.dtype(), like.device(), shape);
        if (old != null && length > 0 && compatible(old, like)) {
            try (NoGrad ignored = NoGrad.enter()) {
                buffer.narrow(2, 0, length).copy_(old.narrow(2, 0, length));
            }
        }
        return buffer;
    }
}
