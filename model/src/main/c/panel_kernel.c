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

#define PANEL 16
/* Floats ahead of the panel being read: 16 KB, the best of 1-64 KB in a scratch sweep (docs/serving.md). */
#define PREFETCH_AHEAD 4096

#define FMA_ROW(i) a##i = _mm512_fmadd_ps(w, _mm512_set1_ps(x[i]), a##i)
#define STORE_ROW(i) _mm512_storeu_ps(y + (long) (i) * stride, a##i)

/* Sixteen rows over one panel: one weight load feeds sixteen multiply-adds, so the weights stream once. */
static void sixteen_rows(const float *x, int rows, int in, const float *p, float *y, int stride) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    __m512 a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
    for (int k = 0; k < in; k++, p += PANEL, x += rows) {
        _mm_prefetch((const char *) (p + PREFETCH_AHEAD), _MM_HINT_T0);
        __m512 w = _mm512_loadu_ps(p);
        FMA_ROW(0); FMA_ROW(1); FMA_ROW(2); FMA_ROW(3); FMA_ROW(4); FMA_ROW(5); FMA_ROW(6); FMA_ROW(7);
        FMA_ROW(8); FMA_ROW(9); FMA_ROW(10); FMA_ROW(11); FMA_ROW(12); FMA_ROW(13); FMA_ROW(14); FMA_ROW(15);
    }
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3); STORE_ROW(4); STORE_ROW(5); STORE_ROW(6); STORE_ROW(7);
    STORE_ROW(8); STORE_ROW(9); STORE_ROW(10); STORE_ROW(11); STORE_ROW(12); STORE_ROW(13); STORE_ROW(14); STORE_ROW(15);
}

/* Eight rows over one panel: the rows past the last sixteen (the caller pads rows to a multiple of eight). */
static void eight_rows(const float *x, int rows, int in, const float *p, float *y, int stride) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (int k = 0; k < in; k++, p += PANEL, x += rows) {
        _mm_prefetch((const char *) (p + PREFETCH_AHEAD), _MM_HINT_T0);
        __m512 w = _mm512_loadu_ps(p);
        FMA_ROW(0); FMA_ROW(1); FMA_ROW(2); FMA_ROW(3); FMA_ROW(4); FMA_ROW(5); FMA_ROW(6); FMA_ROW(7);
    }
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3); STORE_ROW(4); STORE_ROW(5); STORE_ROW(6); STORE_ROW(7);
}

/* One row over one panel: a single stream, whose weights go by once. */
static void one_row(const float *x, int in, const float *p, float *y) {
    __m512 a = _mm512_setzero_ps();
    for (int k = 0; k < in; k++, p += PANEL) {
        _mm_prefetch((const char *) (p + PREFETCH_AHEAD), _MM_HINT_T0);
        a = _mm512_fmadd_ps(_mm512_loadu_ps(p), _mm512_set1_ps(x[k]), a);
    }
    _mm512_storeu_ps(y, a);
}

/*
 * NativePanelKernel.nativeColumns: x [in][rows] input by input, rows 1 or a multiple of 8; panels [paddedOut / 16][in][16];
 * y [rows][stride]. The Java caller checks every bound before the call.
 */
JNIEXPORT void JNICALL Java_io_gemmaspark_model_decoder_NativePanelKernel_nativeColumns(JNIEnv *env, jclass cls,
        jfloatArray x_array, jint rows, jint in, jfloatArray panels_array, jint from, jint to, jfloatArray y_array,
        jint stride) {
    (void) cls;
    /* Pinned, not copied: HotSpot hands out the heap arrays themselves and holds GC off until they are released. */
    float *x = (*env)->GetPrimitiveArrayCritical(env, x_array, NULL);
    float *panels = (*env)->GetPrimitiveArrayCritical(env, panels_array, NULL);
    float *y = (*env)->GetPrimitiveArrayCritical(env, y_array, NULL);
    if (x != NULL && panels != NULL && y != NULL) {
        for (int j = from; j < to; j += PANEL) {
            const float *panel = panels + (long) j * in;
            if (rows == 1) {
                one_row(x, in, panel, y + j);
                continue;
            }
            int r = 0;
            for (; r + 16 <= rows; r += 16) {
                sixteen_rows(x + r, rows, in, panel, y + (long) r * stride + j, stride);
            }
            for (; r < rows; r += 8) {
                eight_rows(x + r, rows, in, panel, y + (long) r * stride + j, stride);
            }
        }
    }
    if (y != NULL) (*env)->ReleasePrimitiveArrayCritical(env, y_array, y, 0);
    if (panels != NULL) (*env)->ReleasePrimitiveArrayCritical(env, panels_array, panels, JNI_ABORT);
    if (x != NULL) (*env)->ReleasePrimitiveArrayCritical(env, x_array, x, JNI_ABORT);
}
