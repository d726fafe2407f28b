/*
 * hard_dsp.h: the few Armv7E-M DSP instructions the int8 kernels are built on, as inline
 * functions Swift imports (module CMicroDSP). On a core with the DSP extension (Cortex-M4/M7)
 * each is one instruction (ACLE intrinsics); elsewhere (the host) plain C computes the same
 * integers, so host and microcontroller stay bit-exact.
 */
#ifndef HARD_DSP_H
#define HARD_DSP_H

#include <stdint.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define HARD_DSP_NATIVE 1
#else
#define HARD_DSP_NATIVE 0
#endif

/* Four int8 values as one little-endian word; any alignment. */
static inline uint32_t hard_load4(const int8_t *p) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4);   /* no libc headers: the firmware build is freestanding */
    return v;
}

/* Bytes 0 and 2 of x, sign-extended into the two halfwords (SXTB16). */
static inline uint32_t hard_sxtb16(uint32_t x) {
#if HARD_DSP_NATIVE
    return (uint32_t)__sxtb16((int32_t)x);
#else
    uint32_t lo = (uint32_t)(int32_t)(int8_t)(x & 0xFF) & 0xFFFF;
    uint32_t hi = (uint32_t)(int32_t)(int8_t)((x >> 16) & 0xFF) & 0xFFFF;
    return lo | (hi << 16);
#endif
}

/* Bytes 1 and 3 of x, sign-extended into the two halfwords (SXTB16 with ROR #8). */
static inline uint32_t hard_sxtb16_odd(uint32_t x) {
#if HARD_DSP_NATIVE
    return (uint32_t)__sxtb16((int32_t)__ror(x, 8));
#else
    return hard_sxtb16((x >> 8) | (x << 24));
#endif
}

/* acc + x.lo * y.lo + x.hi * y.hi on signed halfwords (SMLAD). */
static inline int32_t hard_smlad(uint32_t x, uint32_t y, int32_t acc) {
#if HARD_DSP_NATIVE
    return __smlad((int32_t)x, (int32_t)y, acc);
#else
    int32_t xl = (int16_t)(x & 0xFFFF), xh = (int16_t)(x >> 16);
    int32_t yl = (int16_t)(y & 0xFFFF), yh = (int16_t)(y >> 16);
    return (int32_t)((uint32_t)acc + (uint32_t)(xl * yl) + (uint32_t)(xh * yh));
#endif
}

/* Both halfwords of x minus those of y (SSUB16; the results fit: int8 - int8). */
static inline uint32_t hard_ssub16(uint32_t x, uint32_t y) {
#if HARD_DSP_NATIVE
    return (uint32_t)__ssub16((int32_t)x, (int32_t)y);
#else
    uint32_t lo = ((x & 0xFFFF) - (y & 0xFFFF)) & 0xFFFF;
    uint32_t hi = ((x >> 16) - (y >> 16)) & 0xFFFF;
    return lo | (hi << 16);
#endif
}

/* acc + x.lo * y.lo (SMLABB) and acc + x.hi * y.hi (SMLATT), signed halfwords. */
static inline int32_t hard_smlabb(uint32_t x, uint32_t y, int32_t acc) {
#if HARD_DSP_NATIVE
    return __smlabb((int32_t)x, (int32_t)y, acc);
#else
    return (int32_t)((uint32_t)acc + (uint32_t)((int16_t)(x & 0xFFFF) * (int16_t)(y & 0xFFFF)));
#endif
}

static inline int32_t hard_smlatt(uint32_t x, uint32_t y, int32_t acc) {
#if HARD_DSP_NATIVE
    return __smlatt((int32_t)x, (int32_t)y, acc);
#else
    return (int32_t)((uint32_t)acc + (uint32_t)((int16_t)(x >> 16) * (int16_t)(y >> 16)));
#endif
}

/* (a * b + 2^30) >> 31 on the 64-bit product: gemmlowp's rounding doubling high multiply
 * without its one saturating case (a = b = INT32_MIN), which the caller excludes (the
 * multiplier mantissas are positive). SMULL, ADDS, ADC and a shift pair on the Cortex-M7. */
static inline int32_t hard_rounding_high_mul(int32_t a, int32_t b) {
    return (int32_t)(((int64_t)a * (int64_t)b + (1LL << 30)) >> 31);
}

/* The inner product of the dense convolution kernel: two input columns (widened to int16 in
 * SXTB16 order and interleaved as [a02, a13, b02, b13] per four channels) against two weight
 * rows (int8), `words` groups of four channels. acc[0..3] += (a.w0, b.w0, a.w1, b.w1).
 * In C only so that the loop keeps its ten live values in registers (eight SMLADs, four
 * SXTB16 and six loads per 16 multiply-accumulates); the arithmetic is the intrinsics above. */
static inline void hard_dot_2x2(const uint32_t *cols, const int8_t *w0, const int8_t *w1, int32_t words,
                                int32_t *acc) {
    int32_t s00 = acc[0], s01 = acc[1], s10 = acc[2], s11 = acc[3];
#if defined(__clang__)
#pragma clang loop unroll(disable)
#endif
    for (int32_t n = words; n > 0; n--) {
        uint32_t wa = hard_load4(w0), wb = hard_load4(w1);
        uint32_t a02 = cols[0], a13 = cols[1], b02 = cols[2], b13 = cols[3];
        uint32_t waEven = hard_sxtb16(wa), waOdd = hard_sxtb16_odd(wa);
        s00 = hard_smlad(a02, waEven, hard_smlad(a13, waOdd, s00));
        s01 = hard_smlad(b02, waEven, hard_smlad(b13, waOdd, s01));
        uint32_t wbEven = hard_sxtb16(wb), wbOdd = hard_sxtb16_odd(wb);
        s10 = hard_smlad(a02, wbEven, hard_smlad(a13, wbOdd, s10));
        s11 = hard_smlad(b02, wbEven, hard_smlad(b13, wbOdd, s11));
        cols += 4;
        w0 += 4;
        w1 += 4;
    }
    acc[0] = s00; acc[1] = s01; acc[2] = s10; acc[3] = s11;
}

#endif /* HARD_DSP_H */
