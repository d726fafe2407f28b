#include "hard_fast_kernels.h"

/* Eight float lanes (one nChw8c block) as a vector value; loads and stores tolerate any
 * alignment. With AVX2 one of these is one ymm register, elsewhere the compiler splits it. */
typedef float hard_v8 __attribute__((vector_size(32)));

/* A macro, not a function: a function returning a 32-byte vector changes the ABI between the
 * portable and the AVX2 build. */
#define hard_load8(p) ({ hard_v8 v_; __builtin_memcpy(&v_, (p), sizeof v_); v_; })

/* The kernel body, instantiated twice on x86-64 (generic, AVX2+FMA).
 * Output columns whose in-bounds taps are the same (all of them away from the borders) go
 * BLOCK at a time: each weight vector is loaded once for BLOCK pixels, and the BLOCK
 * independent multiply-add chains hide the FMA latency that a single accumulator waits on
 * (one pixel at a time ran at half the speed of oneDNN's jit_dw). */
#define DEPTHWISE_BLOCK 6
#define DEPTHWISE_ROW_BODY                                                                     \
    int32_t iy0 = oy * stride_h - pad_h;                                                       \
    int32_t ky0 = 0, ky1 = kh;                                                                 \
    while (ky0 < kh && iy0 + ky0 * dilation_h < 0) ky0++;                                      \
    while (ky1 > ky0 && iy0 + (ky1 - 1) * dilation_h >= h) ky1--;                              \
    const hard_v8 b = hard_load8(bias);                                                        \
    const float top = activation == 2 ? 6.0f : 3.4e38f;                                        \
    int32_t ox = 0;                                                                            \
    while (ox < ow) {                                                                          \
        int32_t n = 1;                                                                         \
        while (n < DEPTHWISE_BLOCK && ox + n < ow && kx0[ox + n] == kx0[ox] && kx1[ox + n] == kx1[ox]) n++; \
        int32_t block = n == DEPTHWISE_BLOCK ? DEPTHWISE_BLOCK : 1;                            \
        hard_v8 acc[DEPTHWISE_BLOCK];                                                          \
        for (int i = 0; i < DEPTHWISE_BLOCK; i++) acc[i] = b;                                  \
        const int64_t pixel_step = (int64_t)stride_w * 8;                                      \
        for (int32_t ky = ky0; ky < ky1; ky++) {                                               \
            const float *row = x + ((int64_t)(iy0 + ky * dilation_h) * w + ox * stride_w - pad_w) * 8; \
            const float *wr = weights + (int64_t)ky * kw * 8;                                  \
            for (int32_t kx = kx0[ox]; kx < kx1[ox]; kx++) {                                   \
                const float *p = row + (int64_t)kx * dilation_w * 8;                           \
                const hard_v8 q = hard_load8(wr + kx * 8);                                     \
                if (block == DEPTHWISE_BLOCK) {                                                \
                    for (int i = 0; i < DEPTHWISE_BLOCK; i++) acc[i] += q * hard_load8(p + i * pixel_step); \
                } else {                                                                       \
                    acc[0] += q * hard_load8(p);                                               \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
        for (int32_t i = 0; i < block; i++) {                                                  \
            hard_v8 v = acc[i];                                                                \
            if (activation != 0) {                                                             \
                for (int l = 0; l < 8; l++) {                                                  \
                    float t = v[l] > 0.0f ? v[l] : 0.0f;                                       \
                    v[l] = t < top ? t : top;                                                  \
                }                                                                              \
            }                                                                                  \
            __builtin_memcpy(y + (int64_t)(ox + i) * 8, &v, sizeof v);                         \
        }                                                                                      \
        ox += block;                                                                           \
    }

static void depthwise_row_generic(const float *x, float *y, const float *weights, const float *bias,
                                  int32_t h, int32_t w, int32_t ow, int32_t oy, int32_t kh, int32_t kw,
                                  int32_t stride_h, int32_t stride_w, int32_t pad_h, int32_t pad_w,
                                  int32_t dilation_h, int32_t dilation_w, const int32_t *kx0, const int32_t *kx1,
                                  int32_t activation) {
    DEPTHWISE_ROW_BODY
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx2,fma")))
static void depthwise_row_avx2(const float *x, float *y, const float *weights, const float *bias,
                               int32_t h, int32_t w, int32_t ow, int32_t oy, int32_t kh, int32_t kw,
                               int32_t stride_h, int32_t stride_w, int32_t pad_h, int32_t pad_w,
                               int32_t dilation_h, int32_t dilation_w, const int32_t *kx0, const int32_t *kx1,
                               int32_t activation) {
    DEPTHWISE_ROW_BODY
}

static int has_avx2_fma(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
}
#endif

void hard_depthwise_block_row(const float *x, float *y, const float *weights, const float *bias,
                              int32_t h, int32_t w, int32_t ow, int32_t oy, int32_t kh, int32_t kw,
                              int32_t stride_h, int32_t stride_w, int32_t pad_h, int32_t pad_w,
                              int32_t dilation_h, int32_t dilation_w, const int32_t *kx0, const int32_t *kx1,
                              int32_t activation) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (has_avx2_fma()) {
        depthwise_row_avx2(x, y, weights, bias, h, w, ow, oy, kh, kw, stride_h, stride_w, pad_h, pad_w,
                           dilation_h, dilation_w, kx0, kx1, activation);
        return;
    }
#endif
    depthwise_row_generic(x, y, weights, bias, h, w, ow, oy, kh, kw, stride_h, stride_w, pad_h, pad_w,
                          dilation_h, dilation_w, kx0, kx1, activation);
}
