/*
 * The AVX2 build of the panel kernel (panel_kernel.h), for x86-64 without AVX-512. With 16 vector registers of 8
 * floats, a pass over a panel holds the sums of six rows (12 registers, 2 for the panel's weights, 1 for the
 * broadcast input), so sixteen rows take three passes over the same panel: the first reads it from memory, the others
 * from cache. Each pass prefetches a share of the next panel, so that the memory stream runs through all three.
 */
#include <immintrin.h>
#include "panel_kernel.h"

/* Floats ahead of the panel being read by a single row (16 KB), as in the AVX-512 build. */
#define PREFETCH_AHEAD 4096
/* Rows whose sums one pass over a panel holds. */
#define PASS_ROWS 6

/* Lanes 0..n-1 set (n may be below 0 or above 8). */
static inline __m256i first_lanes(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Row r's 16 sums, lo = columns 0-7 and hi = 8-15. */
static inline void store(__m256 lo, __m256 hi, Sink out, int r) {
    if (r >= out.rows) {
        return;
    }
    float *at = out.y + r * out.stride;
    if (out.width >= PANEL) {
        if (out.accumulate) {
            lo = _mm256_add_ps(_mm256_loadu_ps(at), lo);
            hi = _mm256_add_ps(_mm256_loadu_ps(at + 8), hi);
        }
        _mm256_storeu_ps(at, lo);
        _mm256_storeu_ps(at + 8, hi);
        return;
    }
    __m256i lo_lanes = first_lanes(out.width), hi_lanes = first_lanes(out.width - 8);
    if (out.accumulate) {
        lo = _mm256_add_ps(_mm256_maskload_ps(at, lo_lanes), lo);
        hi = _mm256_add_ps(_mm256_maskload_ps(at + 8, hi_lanes), hi);
    }
    _mm256_maskstore_ps(at, lo_lanes, lo);
    _mm256_maskstore_ps(at + 8, hi_lanes, hi);
}

/*
 * R rows (at most six) over one panel, prefetching from `fetch` on, `fetch_step` bytes further at each input. Inlined
 * with R a constant, so that the sums stay in registers.
 */
static inline __attribute__((always_inline)) void pass(const int R, const float *x, int rows, int in, const float *p,
        const char *fetch, int fetch_step, Sink out) {
    __m256 lo[PASS_ROWS], hi[PASS_ROWS];
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
        lo[r] = _mm256_setzero_ps();
        hi[r] = lo[r];
    }
    for (int k = 0; k < in; k++, p += PANEL, x += rows, fetch += fetch_step) {
        _mm_prefetch(fetch, _MM_HINT_T0);
        __m256 w_lo = _mm256_loadu_ps(p), w_hi = _mm256_loadu_ps(p + 8);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            __m256 input = _mm256_broadcast_ss(x + r);
            lo[r] = _mm256_fmadd_ps(w_lo, input, lo[r]);
            hi[r] = _mm256_fmadd_ps(w_hi, input, hi[r]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
        store(lo[r], hi[r], out, r);
    }
}

static void six_rows(const float *x, int rows, int in, const float *p, const char *fetch, int step, Sink out) {
    pass(6, x, rows, in, p, fetch, step, out);
}

static void four_rows(const float *x, int rows, int in, const float *p, const char *fetch, int step, Sink out) {
    pass(4, x, rows, in, p, fetch, step, out);
}

static void two_rows(const float *x, int rows, int in, const float *p, const char *fetch, int step, Sink out) {
    pass(2, x, rows, in, p, fetch, step, out);
}

/* One row over one panel: a single stream, whose weights go by once. */
static void one_row(const float *x, int in, const float *p, Sink out) {
    __m256 lo = _mm256_setzero_ps(), hi = lo;
    for (int k = 0; k < in; k++, p += PANEL) {
        _mm_prefetch((const char *) (p + PREFETCH_AHEAD), _MM_HINT_T0);
        __m256 input = _mm256_broadcast_ss(x + k);
        lo = _mm256_fmadd_ps(_mm256_loadu_ps(p), input, lo);
        hi = _mm256_fmadd_ps(_mm256_loadu_ps(p + 8), input, hi);
    }
    store(lo, hi, out, 0);
}

void panel_columns_avx2(const float *x, int rows, int in, const float *panels, int from, int to, Sink out,
        int columns) {
    long panel_bytes = (long) PANEL * in * sizeof(float);
    int passes = (rows + PASS_ROWS - 1) / PASS_ROWS;
    /* Each pass prefetches its share of the next panel: 64 / passes bytes of it per input. */
    int fetch_step = 64 / passes;
    for (int j = from; j < to; j += PANEL) {
        const float *panel = panels + (long) j * in;
        Sink at = out;
        at.y += j;
        at.width = columns - j;
        if (rows == 1) {
            one_row(x, in, panel, at);
            continue;
        }
        /* Rows six at a time, the last pass four or two (rows is a multiple of eight: 8 = 4 + 4, 16 = 6 + 6 + 4). */
        int r = 0;
        for (int done = 0; r < rows; done++) {
            Sink part = at;
            part.y += r * part.stride;
            part.rows -= r;
            const char *fetch = (const char *) panel + panel_bytes + panel_bytes * done / passes;
            int left = rows - r;
            if (left >= PASS_ROWS && left != 8) {
                six_rows(x + r, rows, in, panel, fetch, fetch_step, part);
                r += 6;
            } else if (left >= 4) {
                four_rows(x + r, rows, in, panel, fetch, fetch_step, part);
                r += 4;
            } else {
                two_rows(x + r, rows, in, panel, fetch, fetch_step, part);
                r += 2;
            }
        }
    }
}

/* r[k] <- lane k of every r[i]: an 8 x 8 block transposed in registers. */
static inline void transpose8(__m256 r[8]) {
    __m256 t[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        r[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
        t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
    }
    for (int i = 0; i < 8; i++) {
        r[i] = t[i];
    }
}

void lay_inputs_avx2(const float *x, long x_stride, int rows, int kernel_rows, int in, float *inputs) {
    /* Blocks of 8 rows by 8 inputs, transposed in registers (kernel_rows is a multiple of eight). */
    for (int first = 0; first < kernel_rows; first += 8) {
        for (int k0 = 0; k0 < in; k0 += 8) {
            int width = in - k0 < 8 ? in - k0 : 8;
            __m256i read = first_lanes(width);
            __m256 block[8];
            for (int r = 0; r < 8; r++) {
                int row = first + r;
                block[r] = row < rows ? _mm256_maskload_ps(x + (long) row * x_stride + k0, read)
                        : _mm256_setzero_ps();
            }
            transpose8(block);
            for (int k = 0; k < width; k++) {
                _mm256_storeu_ps(inputs + (long) (k0 + k) * kernel_rows + first, block[k]);
            }
        }
    }
}
