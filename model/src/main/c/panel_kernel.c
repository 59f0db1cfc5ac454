/*
 * The JNI side of the native panel kernel (panel_kernel.h): picks the build for this processor once, and pins the
 * heap arrays for it.
 *
 * Why native: a decode step's products of a few rows are bound by memory and by multiply-adds about equally, and the
 * two only overlap when the weights are prefetched ahead of use, which Java cannot ask for; nor can it hold six rows'
 * sums in AVX2's sixteen registers. Measured in docs/serving.md.
 *
 * Built by build.sh when Maven packages the model module; PanelKernel falls back to Java where it is absent.
 */
#include <immintrin.h>
#include <jni.h>
#include <stddef.h>
#include <stdint.h>
#include "panel_kernel.h"

typedef void (*Columns)(const float *, int, int, const float *, int, int, Sink, int);
typedef void (*LayInputs)(const float *, long, int, int, int, float *);

typedef struct {
    const char *name;
    Columns columns;
    LayInputs lay_inputs;
} Build;

static const Build AVX512 = {"avx512", panel_columns_avx512, lay_inputs_avx512};
static const Build AVX2 = {"avx2", panel_columns_avx2, lay_inputs_avx2};

/* The build this processor runs, or NULL (no AVX2 with FMA). */
static const Build *build(void) {
    static const Build *chosen;
    static int decided;
    if (!decided) {
        __builtin_cpu_init();
        chosen = __builtin_cpu_supports("avx512f") ? &AVX512
                : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? &AVX2 : NULL;
        decided = 1;
    }
    return chosen;
}

/* Floats of a range prefetched before its first panel: 16 KB. */
#define RANGE_START 4096

/*
 * The build's columns, after prefetching the first 16 KB of the range at once: the loops' own prefetches only reach
 * past them, and a 16-row step starts some five hundred ranges (two threads claiming pieces of 33 products). Half a
 * millisecond of a 16-row step with AVX-512.
 */
static void run_columns(const float *x, int rows, int in, const float *panels, int from, int to, Sink out,
        int columns) {
    const char *start = (const char *) (panels + (long) from * in);
    long ahead = (long) (to - from) * in < RANGE_START ? (long) (to - from) * in : RANGE_START;
    for (long f = 0; f < ahead; f += 16) {
        _mm_prefetch(start + f * 4, _MM_HINT_T0);
    }
    build()->columns(x, rows, in, panels, from, to, out, columns);
}

/* NativePanelKernel.nativeInstructionSet: the build's name, or null where none runs. */
JNIEXPORT jstring JNICALL Java_io_gemmaspark_model_decoder_NativePanelKernel_nativeInstructionSet(JNIEnv *env,
        jclass cls) {
    (void) cls;
    const Build *b = build();
    return b == NULL ? NULL : (*env)->NewStringUTF(env, b->name);
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
        Sink out = {y, stride, rows, PANEL, 0};
        run_columns(x, rows, in, panels, from, to, out, to);
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
        Sink out = {(float *) (intptr_t) y_address, y_stride, rows, PANEL, accumulate};
        run_columns(x, kernel_rows, in, panels, from, to, out, columns);
    }
    if (panels != NULL) (*env)->ReleasePrimitiveArrayCritical(env, panels_array, panels, JNI_ABORT);
    if (x != NULL) (*env)->ReleasePrimitiveArrayCritical(env, x_array, x, JNI_ABORT);
}

/*
 * NativePanelKernel.nativeLayInputs: inputs [in][kernel_rows] <- rows of the host memory at x_address (rows x_stride
 * floats apart), zero rows past `rows`.
 */
JNIEXPORT void JNICALL Java_io_gemmaspark_model_decoder_NativePanelKernel_nativeLayInputs(JNIEnv *env, jclass cls,
        jlong x_address, jint x_stride, jint rows, jint kernel_rows, jint in, jfloatArray inputs_array) {
    (void) cls;
    float *inputs = (*env)->GetPrimitiveArrayCritical(env, inputs_array, NULL);
    if (inputs == NULL) {
        return;
    }
    const float *x = (const float *) (intptr_t) x_address;
    if (kernel_rows == 1) {
        for (int k = 0; k < in; k++) {
            inputs[k] = x[k];
        }
    } else {
        build()->lay_inputs(x, x_stride, rows, kernel_rows, in, inputs);
    }
    (*env)->ReleasePrimitiveArrayCritical(env, inputs_array, inputs, 0);
}
