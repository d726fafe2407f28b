/*
 * hard_fast_kernels.h: hot loops of the blocked (nChw8c) inference path that need the
 * CPU's widest vectors. On x86-64 an AVX2+FMA version is compiled beside a portable one and
 * chosen at run time (__builtin_cpu_supports); elsewhere (ARM: Jetson, Apple) the portable
 * C is vectorised by the compiler for the target's own SIMD.
 */
#ifndef HARD_FAST_KERNELS_H
#define HARD_FAST_KERNELS_H

#include <stdint.h>

/* One output row `oy` of one channel block of a depthwise convolution on nChw8c data.
 * x: the block's input plane (h x w x 8 floats); y: the block's output row (ow x 8);
 * weights: kh x kw x 8; bias: 8. kx0/kx1: the in-bounds tap columns of each output column.
 * activation: 0 none, 1 ReLU, 2 ReLU6. */
void hard_depthwise_block_row(const float *x, float *y, const float *weights, const float *bias,
                              int32_t h, int32_t w, int32_t ow, int32_t oy,
                              int32_t kh, int32_t kw, int32_t stride_h, int32_t stride_w,
                              int32_t pad_h, int32_t pad_w, int32_t dilation_h, int32_t dilation_w,
                              const int32_t *kx0, const int32_t *kx1, int32_t activation);

#endif
