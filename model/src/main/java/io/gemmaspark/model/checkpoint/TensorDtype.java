package io.gemmaspark.model.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The floating-point storage types a safetensors file may use for Gemma weights, with their conversions to
 * and from float32. Bytes are little-endian, as the safetensors format requires. Narrowing rounds to nearest,
 * ties to even, as PyTorch does; widening is exact.
 */
public enum TensorDtype {
    F32(4),
    BF16(2),
    F16(2);

    private final int bytes;

    TensorDtype(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** The safetensors spelling ("F32", "BF16", "F16"), or the CLI's ("f32", "bf16", "f16"). */
    public static TensorDtype parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unsupported dtype " + name + " (supported: F32, BF16, F16)");
        }
    }

    /**
     * Widens {@code count} values of this type from {@code src} into {@code dst} as little-endian float32, advancing
     * both. Works on primitive arrays in bulk so the loops vectorise (a 2B model is 2.5 billion values).
     */
    public void decode(ByteBuffer src, ByteBuffer dst, int count) {
        ByteBuffer in = src.slice(src.position(), count * bytes).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = dst.slice(dst.position(), count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        switch (this) {
            case F32 -> out.put(in);
            case BF16 -> {
                short[] halves = Scratch.shorts(count);
                int[] words = Scratch.ints(count);
                in.asShortBuffer().get(halves, 0, count);
                for (int i = 0; i < count; i++) {
                    words[i] = halves[i] << 16; // the sign extension is shifted out
                }
                out.asIntBuffer().put(words, 0, count);
            }
            case F16 -> {
                short[] halves = Scratch.shorts(count);
                int[] words = Scratch.ints(count);
                in.asShortBuffer().get(halves, 0, count);
                for (int i = 0; i < count; i++) {
                    words[i] = HALF_TO_FLOAT_BITS[halves[i] & 0xffff];
                }
                out.asIntBuffer().put(words, 0, count);
            }
        }
        src.position(src.position() + count * bytes);
        dst.position(dst.position() + count * Float.BYTES);
    }

    /** Narrows {@code count} little-endian float32 values from {@code src} into {@code dst}, advancing both. */
    public void encode(ByteBuffer src, ByteBuffer dst, int count) {
        ByteBuffer in = src.slice(src.position(), count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = dst.slice(dst.position(), count * bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (this == F32) {
            out.put(in);
        } else {
            int[] words = Scratch.ints(count);
            short[] halves = Scratch.shorts(count);
            in.asIntBuffer().get(words, 0, count);
            for (int i = 0; i < count; i++) {
                float value = Float.intBitsToFloat(words[i]);
                halves[i] = this == BF16 ? floatToBfloat16(value) : floatToHalf(value);
            }
            out.asShortBuffer().put(halves, 0, count);
        }
        src.position(src.position() + count * Float.BYTES);
        dst.position(dst.position() + count * bytes);
    }

    /** Every half's float32 bit pattern: a 256 kB table makes F16 widening a lookup. */
    private static final int[] HALF_TO_FLOAT_BITS = new int[1 << 16];

    static {
        for (int h = 0; h < HALF_TO_FLOAT_BITS.length; h++) {
            HALF_TO_FLOAT_BITS[h] = Float.floatToRawIntBits(halfToFloat((short) h));
        }
    }

    /** Per-thread conversion arrays, grown to the largest chunk seen (readers and writers use fixed chunks). */
    private static final class Scratch {
        private static final ThreadLocal<short[]> SHORTS = ThreadLocal.withInitial(() -> new short[0]);
        private static final ThreadLocal<int[]> INTS = ThreadLocal.withInitial(() -> new int[0]);

        static short[] shorts(int n) {
            if (SHORTS.get().length < n) {
                SHORTS.set(new short[n]);
            }
            return SHORTS.get();
        }

        static int[] ints(int n) {
            if (INTS.get().length < n) {
                INTS.set(new int[n]);
            }
            return INTS.get();
        }
    }

    /** bfloat16 is the top half of a float32; round to nearest even and keep NaNs NaN (quieted). */
    static short floatToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** IEEE binary16 to float32, exact (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float subnormal = mantissa * 0x1p-24f;
            return sign == 0 ? subnormal : -subnormal;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** float32 to IEEE binary16, rounding to nearest even; overflow becomes infinity, NaN stays NaN. */
    static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & 0x7fffffff;
        if (magnitude >= 0x7f800000) {
            int nan = magnitude > 0x7f800000 ? 0x0200 | ((magnitude >>> 13) & 0x3ff) : 0;
            return (short) (sign | 0x7c00 | nan);
        }
        if (magnitude >= 0x477ff000) { // 65520 and above round past the largest half, 65504
            return (short) (sign | 0x7c00);
        }
        if (magnitude >= 0x38800000) { // normal half: rebias the exponent by 127 - 15 and round off 13 bits
            int rounded = magnitude + 0xfff + ((magnitude >>> 13) & 1);
            return (short) (sign | ((rounded - 0x38000000) >>> 13));
        }
        int exponent = magnitude >>> 23;
        if (exponent < 102) { // below 2^-25: rounds to zero
            return (short) sign;
        }
        // Subnormal half: the value in units of 2^-24, rounded to nearest even.
        int significand = (magnitude & 0x7fffff) | 0x800000;
        int shift = 126 - exponent;
        int quotient = significand >>> shift;
        int remainder = significand & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (remainder > halfway || remainder == halfway && (quotient & 1) == 1) {
            quotient++;
        }
        return (short) (sign | quotient);
    }
}
