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

/* Stores a word at any alignment (one STR on the Cortex-M7, which allows unaligned STR). */
static inline void hard_store4(int8_t *p, uint32_t v) {
    __builtin_memcpy(p, &v, 4);
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

/* The halfwords of a plus bytes 0 and 2 of x, sign-extended (SXTAB16): with a = -zp in both
 * halfwords, x - zp for two int8 values at once (the sums fit: -255...255). */
static inline uint32_t hard_sxtab16(uint32_t a, uint32_t x) {
#if HARD_DSP_NATIVE
    return (uint32_t)__sxtab16((int32_t)a, (int32_t)x);
#else
    uint32_t lo = ((a & 0xFFFF) + (uint32_t)(int32_t)(int8_t)(x & 0xFF)) & 0xFFFF;
    uint32_t hi = ((a >> 16) + (uint32_t)(int32_t)(int8_t)((x >> 16) & 0xFF)) & 0xFFFF;
    return lo | (hi << 16);
#endif
}

/* The same with bytes 1 and 3 of x (SXTAB16 with ROR #8). */
static inline uint32_t hard_sxtab16_odd(uint32_t a, uint32_t x) {
#if HARD_DSP_NATIVE
    return (uint32_t)__sxtab16((int32_t)a, (int32_t)__ror(x, 8));
#else
    return hard_sxtab16(a, (x >> 8) | (x << 24));
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

/* (a * b + 2^31) >> 32 on the 64-bit product (SMMULR). With |a| < 2^31 / 2 this is gemmlowp's
 * rounding doubling high multiply of (a / 2, b): the kernels call it with a = 2 * acc when
 * the model guarantees |acc| < 2^30 (`MicroModel.boundedRequantization`). */
static inline int32_t hard_smmulr(int32_t a, int32_t b) {
#if HARD_DSP_NATIVE
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int32_t)(((int64_t)a * (int64_t)b + (1LL << 31)) >> 32);
#endif
}

/* x clamped to [-128, 127] (SSAT #8). */
static inline int32_t hard_ssat8(int32_t x) {
#if HARD_DSP_NATIVE
    return __ssat(x, 8);
#else
    return x < -128 ? -128 : (x > 127 ? 127 : x);
#endif
}

/* TFLite's requantization of acc by (mantissa, -shift) plus the output zero point, clamped to
 * int8, for |acc| < 2^30 and 1 <= shift <= 22 (`BoundedRequantizer`): SMMULR(2 acc, M) is
 * the rounding doubling high multiply; adding h >> 31 makes the rounding shift round half away
 * from zero; `offset` = 2^(shift-1) + zeroPoint * 2^shift is the rounding nudge and the zero
 * point in one add. Every intermediate stays below 2^31 in magnitude. */
static inline int32_t hard_bounded_requantize(int32_t acc, int32_t mantissa, int32_t shift, int32_t offset) {
    int32_t h = hard_smmulr((int32_t)((uint32_t)acc << 1), mantissa);
    return hard_ssat8((h + (h >> 31) + offset) >> shift);
}

/* RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, mantissa), shift) + z for
 * x2 = 2 x with |x2| < 2^31, shift in 0...22: SMMULR, then the rounding shift with
 * sign_mask = -1 (shift >= 1) or 0 (shift 0) and offset = nudge + z * 2^shift
 * (`addInt8`'s bounded path; the same argument as `hard_bounded_requantize`). */
static inline int32_t hard_bounded_scale(int32_t x2, int32_t mantissa, int32_t shift, int32_t sign_mask,
                                         int32_t offset) {
    int32_t h = hard_smmulr(x2, mantissa);
    return (h + ((h >> 31) & sign_mask) + offset) >> shift;
}

#endif /* HARD_DSP_H */
