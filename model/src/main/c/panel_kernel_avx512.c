/*
 * The AVX-512 build of the panel kernel (panel_kernel.h): sixteen rows in one pass over a panel, each weight load
 * feeding sixteen fused multiply-adds (32 vector registers hold the sixteen rows' sums).
 *
 * Why native: the 16-row products of a decode step are bound by memory and by multiply-adds about equally, and on the
 * development machine the two only overlap when the weights are prefetched well ahead of use (16 KB here), which
 * Java cannot ask for. Measured in docs/serving.md.
 */
#include <immintrin.h>
#include "panel_kernel.h"

/* Floats ahead of the panel being read: 16 KB, the best of 1-64 KB in a scratch sweep (docs/serving.md). */
#define PREFETCH_AHEAD 4096

#define FMA_ROW(i) a##i = _mm512_fmadd_ps(w, _mm512_set1_ps(x[i]), a##i)
#define STORE_ROW(i) store(a##i, out, i)

static inline void store(__m512 sum, Sink out, int r) {
    if (r >= out.rows) {
        return;
    }
    float *at = out.y + r * out.stride;
    __mmask16 mask = out.width >= PANEL ? (__mmask16) 0xFFFF : (__mmask16) ((1u << out.width) - 1);
    if (out.accumulate) {
        sum = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, at), sum);
    }
    _mm512_mask_storeu_ps(at, mask, sum);
}

/* The sink of the rows from r on. */
static inline Sink rows_from(Sink s, int r) {
    s.y += r * s.stride;
    s.rows -= r;
    return s;
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

void panel_columns_avx512(const float *x, int rows, int in, const float *panels, int from, int to, Sink out,
        int columns) {
    for (int j = from; j < to; j += PANEL) {
        const float *panel = panels + (long) j * in;
        Sink at = out;
        at.y += j;
        at.width = columns - j;
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

void lay_inputs_avx512(const float *x, long x_stride, int rows, int kernel_rows, int in, float *inputs) {
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
