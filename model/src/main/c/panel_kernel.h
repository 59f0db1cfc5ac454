/*
 * The native panel kernel of PackedWeights (PanelKernel.NATIVE): y[r][j..j+16) = sum over k of x[k][r] * panel[k][c],
 * for every 16-column panel in [from, to) and every row. One build of it per instruction set, each compiled for its
 * own (panel_kernel_avx512.c, panel_kernel_avx2.c); panel_kernel.c picks one at run time and holds the JNI entries.
 *
 * Every output is one chain of fused multiply-adds over k in order from zero, in every build, as in the Java kernel,
 * so all agree bit for bit. Compiled without -ffast-math on purpose: nothing may reassociate that chain.
 */
#ifndef GEMMA_PANEL_KERNEL_H
#define GEMMA_PANEL_KERNEL_H

/* Output columns per panel, as PackedWeights lays them out for the native kernel. */
#define PANEL 16

/*
 * Where a panel's sums go: row r's columns at y + r * stride. Rows from `rows` on are padding and are dropped; so are
 * columns from `width` on (the last panel's padding). `accumulate` adds the sums to what is there (y + sum, the same
 * bits as the Java path's sum + y).
 */
typedef struct {
    float *y;
    long stride;
    int rows;
    int width;
    int accumulate;
} Sink;

/*
 * Columns [from, to) of every row (panel_kernel.c prefetches the start of the range first): x [in][rows] input by input (rows 1 or a multiple of 8), panels laid out 16
 * columns wide, sums to `out` shifted by each panel's first column, `columns` the real ones (the rest are padding).
 */
void panel_columns_avx512(const float *x, int rows, int in, const float *panels, int from, int to, Sink out,
        int columns);
void panel_columns_avx2(const float *x, int rows, int in, const float *panels, int from, int to, Sink out,
        int columns);

/*
 * inputs [in][kernel_rows] <- the first `rows` rows of x (rows x_stride floats apart), zero rows after them: input by
 * input, so that each input's rows sit side by side for the broadcasts. kernel_rows is a multiple of eight (one row
 * needs no layout: panel_kernel.c copies it).
 */
void lay_inputs_avx512(const float *x, long x_stride, int rows, int kernel_rows, int in, float *inputs);
void lay_inputs_avx2(const float *x, long x_stride, int rows, int kernel_rows, int in, float *inputs);

#endif
