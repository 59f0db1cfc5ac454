/*
 * The native panel kernel of PackedWeights (PanelKernel.NATIVE): y[r][j..j+16) = sum over k of x[k][r] * panel[k][c],
 * for every 16-column panel in [from, to) and every row, with AVX-512.
 *
 * Why native: the 16-row products of a decode step are bound by memory and by multiply-adds about equally, and on the
 * development machine the two only overlap when the weights are prefetched well ahead of use (16 KB here), which
 * Java cannot ask for. Measured in docs/serving.md.
 *
 * Every output is one chain of fused multiply-adds over k in order from zero, as in the Java kernel, so the two agree
 * bit for bit. Compiled without -ffast-math on purpose: nothing may reassociate that chain.
 *
 * Built by build.sh when Maven packages the model module; PanelKernel falls back to Java where it is absent.
 */
#include <immintrin.h>
#include <jni.h>
#include <stdint.h>

#define PANEL 16
/* Floats ahead of the panel being read: 16 KB, the best of 1-64 KB in a scratch sweep (docs/serving.md). */
#define PREFETCH_AHEAD 4096

#define FMA_ROW(i) a##i = _mm512_fmadd_ps(w, _mm512_set1_ps(x[i]), a##i)
#define STORE_ROW(i) store(a##i, out, i)

/*
 * Where a panel's sums go: row r's 16 columns at y + r * stride. Rows from `rows` on are padding and are dropped;
 * so are columns past `mask` (the last panel's padding). `accumulate` adds the sums to what is there (y + sum, the
 * same bits as the Java path's sum + y).
 */
typedef struct {
    float *y;
    long stride;
    int rows;
    __mmask16 mask;
    int accumulate;
} Sink;

/* The sink of the rows from r on. */
static inline Sink rows_from(Sink s, int r) {
    s.y += r * s.stride;
    s.rows -= r;
    return s;
}

static inline void store(__m512 sum, Sink out, int r) {
    if (r >= out.rows) {
        return;
    }
    float *at = out.y + r * out.stride;
    if (out.accumulate) {
        sum = _mm512_add_ps(_mm512_maskz_loadu_ps(out.mask, at), sum);
    }
    _mm512_mask_storeu_ps(at, out.mask, sum);
}

/* Sixteen rows over one panel: one weight load feeds sixteen multiply-adds, so the weights stream once. */
static void sixteen_rows(const float *x, int rows, int in, const float *p, Sink out) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    __m512 a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
    for (int k = 0; k < in; k++, p += PANEL, x += rows) {
        _mm_prefetch((const char *) (p + PREFETCH_AHEAD), _MM_HINT_T0);
        __m512 w = _mm512_loadu_ps(p);
        FMA_ROW(0); FMA_ROW(1); FMA_ROW(2); FMA_ROW(3); FMA_ROW(4); FMA_ROW(5); FMA_ROW(6); FMA_ROW(7);
        FMA_ROW(8); FMA_ROW(9); FMA_ROW(10); FMA_ROW(11); FMA_ROW(12); FMA_ROW(13); FMA_ROW(14); FMA_ROW(15);
    }
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3); STORE_ROW(4); STORE_ROW(5); STORE_ROW(6); STORE_ROW(7);
    STORE_ROW(8); STORE_ROW(9); STORE_ROW(10); STORE_ROW(11);
    STORE_ROW(12); STORE_ROW(13); STORE_ROW(14); STORE_ROW(15);
}

/* Eight rows over one panel: the rows past the last sixteen (the caller pads rows to a multiple of eight). */
static void eight_rows(const float *x, int rows, int in, const float *p, Sink out) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (int k = 0; k < in; k++, p += PANEL, x += rows) {
        _mm_prefetch((const char *) (p + PREFETCH_AHEAD), _MM_HINT_T0);
        __m512 w = _mm512_loadu_ps(p);
        FMA_ROW(0); FMA_ROW(1); FMA_ROW(2); FMA_ROW(3); FMA_ROW(4); FMA_ROW(5); FMA_ROW(6); FMA_ROW(7);
    }
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3); STORE_ROW(4); STORE_ROW(5); STORE_ROW(6); STORE_ROW(7);
}

/* One row over one panel: a single stream, whose weights go by once. */
static void one_row(const float *x, int in, const float *p, Sink out) {
    __m512 a = _mm512_setzero_ps();
    for (int k = 0; k < in; k++, p += PANEL) {
        _mm_prefetch((const char *) (p + PREFETCH_AHEAD), _MM_HINT_T0);
        a = _mm512_fmadd_ps(_mm512_loadu_ps(p), _mm512_set1_ps(x[k]), a);
    }
    store(a, out, 0);
}

/*
 * Columns [from, to) of every row: x [in][rows] input by input (rows 1 or a multiple of 8), panels laid out 16
 * columns wide, sums to `out` shifted by each panel's first column, `columns` the real ones (the rest are padding).
 */
static void panel_columns(const float *x, int rows, int in, const float *panels, int from, int to, Sink out,
        int columns) {
    /*
     * The first 16 KB of the range at once: the loop's prefetches only reach past them, and a step starts some
     * five hundred ranges (two threads claiming pieces of 33 products). Half a millisecond of a 16-row step.
     */
    const char *start = (const char *) (panels + (long) from * in);
    long ahead = (long) (to - from) * in < PREFETCH_AHEAD ? (long) (to - from) * in : PREFETCH_AHEAD;
    for (long f = 0; f < ahead; f += 16) {
        _mm_prefetch(start + f * 4, _MM_HINT_T0);
    }
    for (int j = from; j < to; j += PANEL) {
        const float *panel = panels + (long) j * in;
        Sink at = out;
        at.y += j;
        at.mask = columns - j >= PANEL ? (__mmask16) 0xFFFF : (__mmask16) ((1u << (columns - j)) - 1);
        if (rows == 1) {
            one_row(x, in, panel, at);
            continue;
        }
        int r = 0;
        for (; r + 16 <= rows; r += 16) {
            sixteen_rows(x + r, rows, in, panel, rows_from(at, r));
        }
        if (r < rows) {   /* rows is a multiple of eight */
            eight_rows(x + r, rows, in, panel, rows_from(at, r));
        }
    }
}

/* NativePanelKernel.nativeColumns: sums of every row (padding included) into the heap array y [rows][stride]. */
JNIEXPORT void JNICALL Java_io_gemmaspark_model_decoder_NativePanelKernel_nativeColumns(JNIEnv *env, jclass cls,
        jfloatArray x_array, jint rows, jint in, jfloatArray panels_array, jint from, jint to, jfloatArray y_array,
        jint stride) {
    (void) cls;
    /* Pinned, not copied: HotSpot hands out the heap arrays themselves and holds GC off until they are released. */
    float *x = (*env)->GetPrimitiveArrayCritical(env, x_array, NULL);
    float *panels = (*env)->GetPrimitiveArrayCritical(env, panels_array, NULL);
    float *y = (*env)->GetPrimitiveArrayCritical(env, y_array, NULL);
    if (x != NULL && panels != NULL && y != NULL) {
        Sink out = {y, stride, rows, 0xFFFF, 0};
        panel_columns(x, rows, in, panels, from, to, out, to);
    }
    if (y != NULL) (*env)->ReleasePrimitiveArrayCritical(env, y_array, y, 0);
    if (panels != NULL) (*env)->ReleasePrimitiveArrayCritical(env, panels_array, panels, JNI_ABORT);
    if (x != NULL) (*env)->ReleasePrimitiveArrayCritical(env, x_array, x, JNI_ABORT);
}

/*
 * NativePanelKernel.nativeColumnsInto: sums of the first `rows` rows and `columns` columns into the host memory at
 * y_address (rows `y_stride` floats apart), added to it when `accumulate`: an ND4J array written in place, with no
 * heap copy between.
 */
JNIEXPORT void JNICALL Java_io_gemmaspark_model_decoder_NativePanelKernel_nativeColumnsInto(JNIEnv *env, jclass cls,
        jfloatArray x_array, jint kernel_rows, jint in, jfloatArray panels_array, jint from, jint to, jlong y_address,
        jint y_stride, jint rows, jint columns, jboolean accumulate) {
    (void) cls;
    float *x = (*env)->GetPrimitiveArrayCritical(env, x_array, NULL);
    float *panels = (*env)->GetPrimitiveArrayCritical(env, panels_array, NULL);
    if (x != NULL && panels != NULL) {
        Sink out = {(float *) (intptr_t) y_address, y_stride, rows, 0xFFFF, accumulate};
        panel_columns(x, kernel_rows, in, panels, from, to, out, columns);
    }
    if (panels != NULL) (*env)->ReleasePrimitiveArrayCritical(env, panels_array, panels, JNI_ABORT);
    if (x != NULL) (*env)->ReleasePrimitiveArrayCritical(env, x_array, x, JNI_ABORT);
}

/* r[k] <- lane k of every r[i], lane i of r[k] <- r[i]'s lane k: a 16 x 16 block transposed in registers. */
static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
    }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    }
}

/*
 * NativePanelKernel.nativeLayInputs: inputs [in][kernel_rows] <- rows of the host memory at x_address (rows x_stride
 * floats apart), zero rows past `rows`. Input by input: each input's rows then sit side by side for the broadcasts.
 */
JNIEXPORT void JNICALL Java_io_gemmaspark_model_decoder_NativePanelKernel_nativeLayInputs(JNIEnv *env, jclass cls,
        jlong x_address, jint x_stride, jint rows, jint kernel_rows, jint in, jfloatArray inputs_array) {
    (void) cls;
    const float *x = (const float *) (intptr_t) x_address;
    float *inputs = (*env)->GetPrimitiveArrayCritical(env, inputs_array, NULL);
    if (inputs == NULL) {
        return;
    }
    if (kernel_rows == 1) {
        for (int k = 0; k < in; k++) {
            inputs[k] = x[k];
        }
    } else {
        /* Blocks of 16 rows by 16 inputs, transposed in registers: a gather per input took 20 us for 16 x 2048. */
        for (int first = 0; first < kernel_rows; first += 16) {
            int slots = kernel_rows - first < 16 ? kernel_rows - first : 16;
            __mmask16 write = (__mmask16) ((1u << slots) - 1);
            for (int k0 = 0; k0 < in; k0 += 16) {
                int width = in - k0 < 16 ? in - k0 : 16;
                __mmask16 read = (__mmask16) ((1u << width) - 1);
                __m512 block[16];
                for (int r = 0; r < 16; r++) {
                    int row = first + r;
                    block[r] = row < rows ? _mm512_maskz_loadu_ps(read, x + (long) row * x_stride + k0)
                            : _mm512_setzero_ps();
                }
                transpose16(block);
                for (int k = 0; k < width; k++) {
                    _mm512_mask_storeu_ps(inputs + (long) (k0 + k) * kernel_rows + first, write, block[k]);
                }
            }
        }
    }
    (*env)->ReleasePrimitiveArrayCritical(env, inputs_array, inputs, 0);
}
