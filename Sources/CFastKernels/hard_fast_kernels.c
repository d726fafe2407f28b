#include "hard_fast_kernels.h"

/* The kernel body, instantiated twice on x86-64 (generic, AVX2+FMA). Eight lanes per pixel:
 * compilers turn the lane loops into one vector each. */
#define DEPTHWISE_ROW_BODY                                                                     \
    int32_t iy0 = oy * stride_h - pad_h;                                                       \
    int32_t ky0 = 0, ky1 = kh;                                                                 \
    while (ky0 < kh && iy0 + ky0 * dilation_h < 0) ky0++;                                      \
    while (ky1 > ky0 && iy0 + (ky1 - 1) * dilation_h >= h) ky1--;                              \
    for (int32_t ox = 0; ox < ow; ox++) {                                                      \
        int32_t ix0 = ox * stride_w - pad_w;                                                   \
        float acc[8];                                                                          \
        for (int l = 0; l < 8; l++) acc[l] = bias[l];                                          \
        for (int32_t ky = ky0; ky < ky1; ky++) {                                               \
            const float *row = x + ((int64_t)(iy0 + ky * dilation_h) * w + ix0) * 8;           \
            const float *wr = weights + (int64_t)ky * kw * 8;                                  \
            for (int32_t kx = kx0[ox]; kx < kx1[ox]; kx++) {                                   \
                const float *p = row + (int64_t)kx * dilation_w * 8, *q = wr + kx * 8;         \
                for (int l = 0; l < 8; l++) acc[l] += q[l] * p[l];                             \
            }                                                                                  \
        }                                                                                      \
        float *out = y + (int64_t)ox * 8;                                                      \
        if (activation == 0) {                                                                 \
            for (int l = 0; l < 8; l++) out[l] = acc[l];                                       \
        } else {                                                                               \
            float hi = activation == 2 ? 6.0f : 3.4e38f;                                       \
            for (int l = 0; l < 8; l++) {                                                      \
                float v = acc[l] > 0 ? acc[l] : 0;                                             \
                out[l] = v < hi ? v : hi;                                                      \
            }                                                                                  \
        }                                                                                      \
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
