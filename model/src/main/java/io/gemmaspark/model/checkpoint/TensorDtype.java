package io.gemmaspark.model.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
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

    /** Widens {@code count} values of this type from {@code src} (little-endian, at its position) into {@code dst}. */
    public void decode(ByteBuffer src, FloatBuffer dst, int count) {
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (this) {
            case F32 -> dst.put(in.asFloatBuffer().limit(count));
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst.put(Float.intBitsToFloat((in.getShort() & 0xffff) << 16));
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst.put(halfToFloat(in.getShort()));
                }
            }
        }
        src.position(src.position() + count * bytes);
    }

    /** Narrows {@code count} floats from {@code src} into {@code dst} (little-endian, at its position). */
    public void encode(FloatBuffer src, ByteBuffer dst, int count) {
        ByteBuffer out = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (this) {
            case F32 -> out.asFloatBuffer().put((FloatBuffer) src.duplicate().limit(src.position() + count));
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out.putShort(floatToBfloat16(src.get(src.position() + i)));
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out.putShort(floatToHalf(src.get(src.position() + i)));
                }
            }
        }
        src.position(src.position() + count);
        dst.position(dst.position() + count * bytes);
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
