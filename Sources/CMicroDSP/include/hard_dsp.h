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

/* Both halfwords of x plus those of y, wrapping (SADD16). */
static inline uint32_t hard_sadd16(uint32_t x, uint32_t y) {
#if HARD_DSP_NATIVE
    return (uint32_t)__sadd16((int32_t)x, (int32_t)y);
#else
    uint32_t lo = ((x & 0xFFFF) + (y & 0xFFFF)) & 0xFFFF;
    uint32_t hi = ((x >> 16) + (y >> 16)) & 0xFFFF;
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

/* (c * 2^32 + a * b + 2^31) >> 32 (SMMLAR): c plus the rounded high word of a * b. */
static inline int32_t hard_smmlar(int32_t a, int32_t b, int32_t c) {
#if HARD_DSP_NATIVE
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(c));
    return r;
#else
    return (int32_t)((((int64_t)c << 32) + (int64_t)a * (int64_t)b + (1LL << 31)) >> 32);
#endif
}

/* TFLite's requantization of acc by (mantissa, -shift) plus the output zero point, clamped to
 * int8, for |acc| < 2^30, 1 <= shift <= 22 and mantissa > 0 (`BoundedRequantizer`), given
 * acc2 = 2 acc: h = SMMULR(acc2, M) is the rounding doubling high multiply; `offset` =
 * 2^(shift-1) + zeroPoint * 2^shift is the rounding nudge and the zero point, added by the
 * same SMMLAR; adding the sign of h (-1 when negative) makes the rounding shift round half
 * away from zero. The sign of acc serves as well: h != 0 has the sign of acc (M > 0), and
 * for h = 0 both give (offset - 1) >> shift = (offset) >> shift = zeroPoint. Every
 * intermediate stays below 2^31 in magnitude. Four instructions and SSAT. */
static inline int32_t hard_bounded_requantize_doubled(int32_t acc2, int32_t mantissa, int32_t shift, int32_t offset) {
    int32_t t = hard_smmlar(acc2, mantissa, offset) + (acc2 >> 31);
    return hard_ssat8(t >> shift);
}

/* The same for a channel whose shift may be 0 (multiplier in [1/2, 1)), where TFLite's
 * rounding shift is the identity: `offset` is then the zero point and `mask` 0, so the sign is
 * not added (for shift >= 1, mask -1 and the offset as above). */
static inline int32_t hard_bounded_requantize_masked(int32_t acc2, int32_t mantissa, int32_t shift, int32_t offset,
                                                     int32_t mask) {
    int32_t t = hard_smmlar(acc2, mantissa, offset) + ((acc2 >> 31) & mask);
    return hard_ssat8(t >> shift);
}

/* RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, mantissa), shift) + z for
 * x2 = 2 x with |x2| < 2^31, shift in 0...22: SMMULR, then the rounding shift with
 * sign_mask = -1 (shift >= 1) or 0 (shift 0) and offset = nudge + z * 2^shift
 * (`addInt8`'s bounded path; the same argument as `hard_bounded_requantize_doubled`). */
static inline int32_t hard_bounded_scale(int32_t x2, int32_t mantissa, int32_t shift, int32_t sign_mask,
                                         int32_t offset) {
    int32_t h = hard_smmulr(x2, mantissa);
    return (h + ((h >> 31) & sign_mask) + offset) >> shift;
}

/* Six accumulators of one output channel, six output positions (`convolveDense`). */
typedef struct {
    int32_t a0, a1, a2, a3, a4, a5;
} hard_acc6;

/* The dot products of six positions over `n` steps of four input channels (label 1, the
 * loop), shared by `hard_dense_dot6` and `hard_dense_channels6_bounded`: per step one weight
 * word split into even and odd halfword pairs (e, o), six positions' widened input pairs
 * loaded two words at a time (x0, x1), twelve SMLADs into a0...a5. */
#define HARD_DENSE_DOT_LOOP \
        "1:\n\t" \
        "ldr     %[e], [%[w]], #4\n\t" \
        "ldrd    %[x0], %[x1], [%[v]], #48\n\t" \
        "sxtb16  %[o], %[e], ror #8\n\t" \
        "sxtb16  %[e], %[e]\n\t" \
        "smlad   %[a0], %[x0], %[e], %[a0]\n\t" \
        "smlad   %[a0], %[x1], %[o], %[a0]\n\t" \
        "ldrd    %[x0], %[x1], [%[v], #-40]\n\t" \
        "smlad   %[a1], %[x0], %[e], %[a1]\n\t" \
        "smlad   %[a1], %[x1], %[o], %[a1]\n\t" \
        "ldrd    %[x0], %[x1], [%[v], #-32]\n\t" \
        "smlad   %[a2], %[x0], %[e], %[a2]\n\t" \
        "smlad   %[a2], %[x1], %[o], %[a2]\n\t" \
        "ldrd    %[x0], %[x1], [%[v], #-24]\n\t" \
        "smlad   %[a3], %[x0], %[e], %[a3]\n\t" \
        "smlad   %[a3], %[x1], %[o], %[a3]\n\t" \
        "ldrd    %[x0], %[x1], [%[v], #-16]\n\t" \
        "smlad   %[a4], %[x0], %[e], %[a4]\n\t" \
        "smlad   %[a4], %[x1], %[o], %[a4]\n\t" \
        "ldrd    %[x0], %[x1], [%[v], #-8]\n\t" \
        "smlad   %[a5], %[x0], %[e], %[a5]\n\t" \
        "smlad   %[a5], %[x1], %[o], %[a5]\n\t" \
        "subs    %[n], %[n], #1\n\t" \
        "bne     1b\n\t"

/* The inner loop of the dense convolution: for s in 0..<steps (>= 1), the weight word
 * w[4s...4s+3] is split into its even and odd bytes (SXTB16) and multiplied into each of six
 * positions' widened inputs v[12s + 2i] (even channels) and v[12s + 2i + 1] (odd channels),
 * starting from `bias`. On the Cortex-M7 one step is 23 instructions for 24 multiply-
 * accumulates (one LDR, two SXTB16, six LDRD, twelve SMLAD, the loop): written in assembly
 * because LLVM neither pairs the input loads into LDRD here nor keeps the six accumulators
 * out of the stack once it unrolls. The caller bounds `steps` against both buffers once. */
static inline hard_acc6 hard_dense_dot6(const int8_t *w, const uint32_t *v, int32_t steps, int32_t bias) {
    hard_acc6 r;
#if HARD_DSP_NATIVE
    int32_t a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias;
    uint32_t e, o, x0, x1;
    __asm__ volatile(
        HARD_DENSE_DOT_LOOP
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "+r"(a4), [a5] "+r"(a5),
          [w] "+r"(w), [v] "+r"(v), [n] "+r"(steps),
          [e] "=&r"(e), [o] "=&r"(o), [x0] "=&r"(x0), [x1] "=&r"(x1)
        :
        : "cc", "memory");
    r.a0 = a0; r.a1 = a1; r.a2 = a2; r.a3 = a3; r.a4 = a4; r.a5 = a5;
#else
    int32_t a[6] = {bias, bias, bias, bias, bias, bias};
    for (int32_t s = 0; s < steps; s++) {
        uint32_t word = hard_load4(w + 4 * s);
        uint32_t even = hard_sxtb16(word), odd = hard_sxtb16_odd(word);
        const uint32_t *q = v + 12 * s;
        for (int i = 0; i < 6; i++) {
            a[i] = hard_smlad(q[2 * i + 1], odd, hard_smlad(q[2 * i], even, a[i]));
        }
    }
    r.a0 = a[0]; r.a1 = a[1]; r.a2 = a[2]; r.a3 = a[3]; r.a4 = a[4]; r.a5 = a[5];
#endif
    return r;
}

/* Every output channel of a group of six positions (`convolveDense`) in one piece of
 * assembly: per channel the dot products of `hard_dense_dot6`, then the bounded
 * requantization of the six accumulators (`hard_bounded_requantize_masked`; table: the
 * channels' [mantissa, shift, offset, mask] records; `masked`: some mask is 0, so the
 * variant that applies it runs) stored to out + c, out + c + stride, ...,
 * out + c + 5 stride. weights: [channels][4 steps], running on from channel to channel;
 * bias: the folded biases. With `doubled` (a literal at every call) the widened inputs are
 * already doubled and so are the biases here, the accumulators are 2 acc and need no shift.
 *
 * The whole channel loop is one asm statement because all thirteen registers LLVM leaves
 * (r7 is the frame pointer) are busy in the dot products: around a per-channel asm block,
 * LLVM moved every operand through a stack slot of its own, about 40 instructions a channel.
 * Here the loop state lives in a 32-byte frame below SP ([bias, table, out, stride,
 * channels left, wide, steps]) and costs about 20: six accumulator copies of the bias, the
 * reloads, the counter. */
/* One output, from 2 acc (D) or from acc, shifted (S); unmasked (U: every shift >= 1, the
 * sign always added) or masked (M: the record's mask picks it, one AND more). */
#define HARD_DENSE_SRC_D(acc) "smmlar  %[o], %[" #acc "], %[e], %[v]\n\t"
#define HARD_DENSE_SRC_S(acc) "lsl     %[o], %[" #acc "], #1\n\t" "smmlar  %[o], %[o], %[e], %[v]\n\t"
#define HARD_DENSE_SIGN_U(acc) "add     %[o], %[o], %[" #acc "], asr #31\n\t"
#define HARD_DENSE_SIGN_M(acc) "and     %[" #acc "], %[x0], %[" #acc "], asr #31\n\t" "add     %[o], %[o], %[" #acc "]\n\t"
#define HARD_DENSE_OUT(SRC, SIGN, acc, store) \
    SRC(acc) SIGN(acc) \
    "asr     %[o], %[o], %[x1]\n\t" \
    "ssat    %[o], #8, %[o]\n\t" \
    store
#define HARD_DENSE_BIAS_D "lsl     %[a0], %[a0], #1\n\t"
#define HARD_DENSE_BIAS_S ""
/* The record ([mantissa, shift, offset, mask]) and the stride: unmasked, the stride in x0;
 * masked, x0 holds the mask and the stride goes to a0 once output 0 is done. */
#define HARD_DENSE_RECORD_U \
    "ldr     %[e], [%[v]], #16\n\t"         /* mantissa */ \
    "str     %[v], [sp, #4]\n\t"            /* the next channel's record */ \
    "ldrd    %[x1], %[v], [%[v], #-12]\n\t" /* shift, offset */ \
    "ldr     %[x0], [sp, #12]\n\t"          /* stride */
#define HARD_DENSE_RECORD_M \
    "ldrd    %[e], %[x1], [%[v]], #16\n\t"  /* mantissa, shift */ \
    "str     %[v], [sp, #4]\n\t" \
    "ldrd    %[v], %[x0], [%[v], #-8]\n\t"  /* offset, mask */
#define HARD_DENSE_STRIDE_U ""
#define HARD_DENSE_STRIDE_M "ldr     %[a0], [sp, #12]\n\t"
#define HARD_DENSE_ASM(SRC, SIGN, BIAS, RECORD, STRIDE, s) \
    __asm__ volatile( \
        "sub     sp, sp, #32\n\t" \
        "strd    %[a0], %[a1], [sp]\n\t"        /* bias, table */ \
        "strd    %[a2], %[a3], [sp, #8]\n\t"    /* out, stride */ \
        "strd    %[a4], %[v], [sp, #16]\n\t"    /* channels, wide */ \
        "str     %[n], [sp, #24]\n\t"           /* steps */ \
        "2:\n\t" \
        "ldr     %[x1], [sp]\n\t" \
        "ldr     %[a0], [%[x1]], #4\n\t" \
        "str     %[x1], [sp]\n\t" \
        BIAS \
        "mov     %[a1], %[a0]\n\t" "mov %[a2], %[a0]\n\t" "mov %[a3], %[a0]\n\t" \
        "mov     %[a4], %[a0]\n\t" "mov %[a5], %[a0]\n\t" \
        "ldr     %[v], [sp, #20]\n\t" \
        "ldr     %[n], [sp, #24]\n\t" \
        HARD_DENSE_DOT_LOOP \
        "ldrd    %[v], %[n], [sp, #4]\n\t"      /* table, out */ \
        "add     %[o], %[n], #1\n\t" \
        "str     %[o], [sp, #8]\n\t"            /* the next channel's out */ \
        RECORD \
        HARD_DENSE_OUT(SRC, SIGN, a0, "strb    %[o], [%[n]]\n\t") \
        STRIDE \
        HARD_DENSE_OUT(SRC, SIGN, a1, "strb    %[o], [%[n], %[" s "]]\n\t" "add %[n], %[n], %[" s "], lsl #1\n\t") \
        HARD_DENSE_OUT(SRC, SIGN, a2, "strb    %[o], [%[n]]\n\t") \
        HARD_DENSE_OUT(SRC, SIGN, a3, "strb    %[o], [%[n], %[" s "]]\n\t" "add %[n], %[n], %[" s "], lsl #1\n\t") \
        HARD_DENSE_OUT(SRC, SIGN, a4, "strb    %[o], [%[n]]\n\t") \
        HARD_DENSE_OUT(SRC, SIGN, a5, "strb    %[o], [%[n], %[" s "]]\n\t") \
        "ldr     %[o], [sp, #16]\n\t" \
        "subs    %[o], %[o], #1\n\t" \
        "str     %[o], [sp, #16]\n\t" \
        "bne     2b\n\t" \
        "add     sp, sp, #32\n\t" \
        : [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2), [a3] "+&r"(a3), [a4] "+&r"(a4), [a5] "=&r"(a5), \
          [w] "+&r"(w), [v] "+&r"(v), [n] "+&r"(steps), \
          [e] "=&r"(t0), [o] "=&r"(t1), [x0] "=&r"(t2), [x1] "=&r"(t3) \
        : \
        : "cc", "memory")

/* channels >= 1, steps >= 1; the caller bounds weights, v, table and out once. */
static inline void hard_dense_channels6_bounded(const int8_t *w, const uint32_t *v, int32_t steps,
                                                const int32_t *bias, const int32_t *table,
                                                int8_t *out, int32_t stride, int32_t channels,
                                                int32_t doubled, int32_t masked) {
#if HARD_DSP_NATIVE
    uint32_t a0 = (uint32_t)(uintptr_t)bias, a1 = (uint32_t)(uintptr_t)table, a2 = (uint32_t)(uintptr_t)out;
    uint32_t a3 = (uint32_t)stride, a4 = (uint32_t)channels, a5, t0, t1, t2, t3;
    if (doubled && masked) {
        HARD_DENSE_ASM(HARD_DENSE_SRC_D, HARD_DENSE_SIGN_M, HARD_DENSE_BIAS_D, HARD_DENSE_RECORD_M, HARD_DENSE_STRIDE_M, "a0");
    } else if (doubled) {
        HARD_DENSE_ASM(HARD_DENSE_SRC_D, HARD_DENSE_SIGN_U, HARD_DENSE_BIAS_D, HARD_DENSE_RECORD_U, HARD_DENSE_STRIDE_U, "x0");
    } else if (masked) {
        HARD_DENSE_ASM(HARD_DENSE_SRC_S, HARD_DENSE_SIGN_M, HARD_DENSE_BIAS_S, HARD_DENSE_RECORD_M, HARD_DENSE_STRIDE_M, "a0");
    } else {
        HARD_DENSE_ASM(HARD_DENSE_SRC_S, HARD_DENSE_SIGN_U, HARD_DENSE_BIAS_S, HARD_DENSE_RECORD_U, HARD_DENSE_STRIDE_U, "x0");
    }
    (void)a5; (void)t0; (void)t1; (void)t2; (void)t3;
#else
    (void)masked;
    for (int32_t c = 0; c < channels; c++) {
        int32_t b = doubled ? (int32_t)((uint32_t)bias[c] << 1) : bias[c];
        hard_acc6 r = hard_dense_dot6(w + c * 4 * steps, v, steps, b);
        int32_t a[6] = {r.a0, r.a1, r.a2, r.a3, r.a4, r.a5};
        const int32_t *rec = table + 4 * c;
        for (int i = 0; i < 6; i++) {
            int32_t acc2 = doubled ? a[i] : (int32_t)((uint32_t)a[i] << 1);
            out[c + i * stride] = (int8_t)hard_bounded_requantize_masked(acc2, rec[0], rec[1], rec[2], rec[3]);
        }
    }
#endif
}
#undef HARD_DENSE_DOT_LOOP
#undef HARD_DENSE_SRC_D
#undef HARD_DENSE_SRC_S
#undef HARD_DENSE_SIGN_U
#undef HARD_DENSE_SIGN_M
#undef HARD_DENSE_OUT
#undef HARD_DENSE_BIAS_D
#undef HARD_DENSE_BIAS_S
#undef HARD_DENSE_RECORD_U
#undef HARD_DENSE_RECORD_M
#undef HARD_DENSE_STRIDE_U
#undef HARD_DENSE_STRIDE_M
#undef HARD_DENSE_ASM

/* Four accumulators of four channels (`convolveDepthwise`). */
typedef struct {
    int32_t a0, a1, a2, a3;
} hard_acc4;

/* The taps of a depthwise convolution for one output position and four channels, over a
 * rows x cols rectangle of a 3-wide kernel (1 <= rows, cols <= 3): per tap the input word at
 * x less the zero point (SXTAB16 with nz = -zp in both halfwords) times the widened weights
 * (two words per tap, the kernel's three taps a row), into a0 (channel 0), a1 (1), a2 (2),
 * a3 (3), starting from the group's biases. x steps by `step` within a row and by `row_step` (from the row's last tap to the
 * next row's first) between rows. Nine instructions a tap (LDR, the step, LDRD, two SXTAB16,
 * four SMLABB/SMLATT) and nothing per row or call: the nine shapes are unrolled straight
 * lines, in assembly because LLVM, with every shape's loops in one function, reloads steps
 * and pointers from the stack at every tap. The caller checks both rectangles in bounds. */
#define HARD_DW_MAC \
    "sxtab16 %[xe], %[nz], %[x]\n\t" \
    "sxtab16 %[x], %[nz], %[x], ror #8\n\t" \
    "smlabb  %[a0], %[xe], %[we], %[a0]\n\t" \
    "smlatt  %[a2], %[xe], %[we], %[a2]\n\t" \
    "smlabb  %[a1], %[x], %[wo], %[a1]\n\t" \
    "smlatt  %[a3], %[x], %[wo], %[a3]\n\t"
/* A tap followed by one in the same row (S), by the next row's first (R, the weights skip the
 * kernel row's remaining taps), or the last (E). */
#define HARD_DW_S \
    "ldr     %[x], [%[xp]]\n\t" "add %[xp], %[xp], %[step]\n\t" \
    "ldrd    %[we], %[wo], [%[wq]], #8\n\t" HARD_DW_MAC
#define HARD_DW_R(skip) \
    "ldr     %[x], [%[xp]]\n\t" "add %[xp], %[xp], %[row]\n\t" \
    "ldrd    %[we], %[wo], [%[wq]], #" #skip "\n\t" HARD_DW_MAC
#define HARD_DW_E \
    "ldr     %[x], [%[xp]]\n\t" \
    "ldrd    %[we], %[wo], [%[wq]]\n\t" HARD_DW_MAC
/* The group's four biases first (the record starts with them), then on to the first tap. */
#define HARD_DW_PROLOGUE \
    "ldrd    %[a0], %[a1], [%[wq]], #8\n\t" \
    "ldrd    %[a2], %[a3], [%[wq]], #8\n\t" \
    "add     %[wq], %[wq], %[x]\n\t"
#define HARD_DW_OUTPUTS \
    [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [xp] "+r"(x), [wq] "+r"(w), \
    [x] "+&r"(t0), [xe] "=&r"(t1), [we] "=&r"(t2), [wo] "=&r"(t3)
#define HARD_DW_INPUTS [step] "r"(step), [row] "r"(row_step), [nz] "r"(nz)
#define HARD_DW_ASM(code) \
    __asm__ volatile(HARD_DW_PROLOGUE code : HARD_DW_OUTPUTS : HARD_DW_INPUTS : "memory")
/* The nine shapes, each as `ASM(its taps)`. */
#define HARD_DW_SHAPES(ASM) \
    switch (rows * 4 + cols) { \
    case 4 + 1: ASM(HARD_DW_E); break; \
    case 4 + 2: ASM(HARD_DW_S HARD_DW_E); break; \
    case 4 + 3: ASM(HARD_DW_S HARD_DW_S HARD_DW_E); break; \
    case 8 + 1: ASM(HARD_DW_R(24) HARD_DW_E); break; \
    case 8 + 2: ASM(HARD_DW_S HARD_DW_R(16) HARD_DW_S HARD_DW_E); break; \
    case 8 + 3: ASM(HARD_DW_S HARD_DW_S HARD_DW_R(8) HARD_DW_S HARD_DW_S HARD_DW_E); break; \
    case 12 + 1: ASM(HARD_DW_R(24) HARD_DW_R(24) HARD_DW_E); break; \
    case 12 + 2: ASM(HARD_DW_S HARD_DW_R(16) HARD_DW_S HARD_DW_R(16) HARD_DW_S HARD_DW_E); break; \
    default: \
        ASM(HARD_DW_S HARD_DW_S HARD_DW_R(8) HARD_DW_S HARD_DW_S HARD_DW_R(8) HARD_DW_S HARD_DW_S HARD_DW_E); \
        break; \
    }

/* group: the group's record ([4 biases][2 words per tap]); first_tap: the rectangle's first
 * tap (ky0 * 3 + kx0). */
static inline hard_acc4 hard_depthwise_taps(const uint32_t *group, int32_t first_tap, const int8_t *x, int32_t step,
                                            int32_t row_step, uint32_t nz, int32_t rows, int32_t cols) {
    hard_acc4 a;
#if HARD_DSP_NATIVE
    const uint32_t *w = group;
    int32_t a0, a1, a2, a3;
    uint32_t t0 = (uint32_t)first_tap * 8, t1, t2, t3;
    HARD_DW_SHAPES(HARD_DW_ASM)
    a.a0 = a0; a.a1 = a1; a.a2 = a2; a.a3 = a3;
#else
    a.a0 = (int32_t)group[0]; a.a1 = (int32_t)group[1]; a.a2 = (int32_t)group[2]; a.a3 = (int32_t)group[3];
    const uint32_t *w = group + 4 + 2 * first_tap;
    for (int32_t r = 0; r < rows; r++) {
        for (int32_t k = 0; k < cols; k++) {
            uint32_t xw = hard_load4(x);
            x += (k + 1 < cols) ? step : row_step;
            uint32_t xe = hard_sxtab16(nz, xw), xo = hard_sxtab16_odd(nz, xw);
            uint32_t we = w[2 * k], wo = w[2 * k + 1];
            a.a0 = hard_smlabb(xe, we, a.a0);
            a.a2 = hard_smlatt(xe, we, a.a2);
            a.a1 = hard_smlabb(xo, wo, a.a1);
            a.a3 = hard_smlatt(xo, wo, a.a3);
        }
        w += 6;
    }
#endif
    return a;
}

/* Every group of four channels of one output position (`convolveDepthwise`, 3x3 kernel,
 * bounded requantization) in one piece of assembly: per group the taps of
 * `hard_depthwise_taps` over the rows x cols rectangle, then the requantization of the four
 * doubled accumulators (`hard_bounded_requantize_masked`; table: [mantissa, shift, offset,
 * mask] per channel; `masked` as for the dense loop) stored to out[0...3]. wide: the group records (4 biases, 9 taps x 2 words:
 * 88 bytes a group), x: the rectangle's first input at channel 0, first_tap: ky0 * 3 + kx0.
 *
 * One asm statement for the loop over the groups, for the reason of
 * `hard_dense_channels6_bounded`: the taps need all thirteen registers, and LLVM moved every
 * operand of a per-group asm block through a stack slot of its own (about 20 instructions a
 * group). The loop state lives in a 24-byte frame below SP ([x, group, tap offset, table,
 * out, groups left]); a group costs its taps (nine instructions each) and 43 more: the
 * biases, seven a channel for the requantization, the reloads and the counter. */
/* One channel's requantization: unmasked (U, every shift >= 1) or masked (M). */
#define HARD_DW_QU(acc, k) \
    "ldr     %[we], [%[xp]], #16\n\t" \
    "ldrd    %[x], %[xe], [%[xp], #-12]\n\t" \
    "smmlar  %[wo], %[" #acc "], %[we], %[xe]\n\t" \
    "add     %[wo], %[wo], %[" #acc "], asr #31\n\t" \
    "asr     %[wo], %[wo], %[x]\n\t" \
    "ssat    %[wo], #8, %[wo]\n\t" \
    "strb    %[wo], [%[wq], #" #k "]\n\t"
#define HARD_DW_QM(acc, k) \
    "ldrd    %[we], %[x], [%[xp]], #16\n\t" \
    "ldrd    %[xe], %[wo], [%[xp], #-8]\n\t" \
    "and     %[wo], %[wo], %[" #acc "], asr #31\n\t" \
    "smmlar  %[" #acc "], %[" #acc "], %[we], %[xe]\n\t" \
    "add     %[" #acc "], %[" #acc "], %[wo]\n\t" \
    "asr     %[" #acc "], %[" #acc "], %[x]\n\t" \
    "ssat    %[" #acc "], #8, %[" #acc "]\n\t" \
    "strb    %[" #acc "], [%[wq], #" #k "]\n\t"
#define HARD_DW_LOOP(Q, code) \
    __asm__ volatile( \
        "sub     sp, sp, #24\n\t" \
        "strd    %[a0], %[a1], [sp]\n\t"        /* x, group */ \
        "str     %[a2], [sp, #8]\n\t"           /* tap offset */ \
        "strd    %[a3], %[xe], [sp, #12]\n\t"   /* table, out */ \
        "str     %[we], [sp, #20]\n\t"          /* groups */ \
        "3:\n\t" \
        "ldrd    %[xp], %[wq], [sp]\n\t" \
        "ldr     %[x], [sp, #8]\n\t" \
        "add     %[xe], %[xp], #4\n\t" \
        "add     %[we], %[wq], #88\n\t" \
        "strd    %[xe], %[we], [sp]\n\t" \
        HARD_DW_PROLOGUE code \
        "ldrd    %[xp], %[wq], [sp, #12]\n\t" \
        Q(a0, 0) Q(a1, 1) Q(a2, 2) Q(a3, 3) \
        "add     %[wq], %[wq], #4\n\t" \
        "strd    %[xp], %[wq], [sp, #12]\n\t" \
        "ldr     %[x], [sp, #20]\n\t" \
        "subs    %[x], %[x], #1\n\t" \
        "str     %[x], [sp, #20]\n\t" \
        "bne     3b\n\t" \
        "add     sp, sp, #24\n\t" \
        : [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2), [a3] "+&r"(a3), [xp] "=&r"(xp), [wq] "=&r"(wq), \
          [x] "=&r"(t0), [xe] "+&r"(t1), [we] "+&r"(t2), [wo] "=&r"(t3) \
        : HARD_DW_INPUTS : "cc", "memory")
#define HARD_DW_LOOP_U(code) HARD_DW_LOOP(HARD_DW_QU, code)
#define HARD_DW_LOOP_M(code) HARD_DW_LOOP(HARD_DW_QM, code)

/* groups >= 1; the caller bounds every group's rectangle, table and out once. Not inlined
 * (18 loops, 5.5 kB, called once per position). */
static __attribute__((noinline)) void hard_depthwise_position_bounded(const uint32_t *wide, int32_t groups, int32_t first_tap,
                                                   const int8_t *x, int32_t step, int32_t row_step, uint32_t nz,
                                                   int32_t rows, int32_t cols, const int32_t *table, int8_t *out,
                                                   int32_t masked) {
#if HARD_DSP_NATIVE
    uint32_t a0 = (uint32_t)(uintptr_t)x, a1 = (uint32_t)(uintptr_t)wide, a2 = (uint32_t)first_tap * 8;
    uint32_t a3 = (uint32_t)(uintptr_t)table, t1 = (uint32_t)(uintptr_t)out, t2 = (uint32_t)groups, t0, t3;
    const int8_t *xp;
    const uint32_t *wq;
    if (masked) {
        HARD_DW_SHAPES(HARD_DW_LOOP_M)
    } else {
        HARD_DW_SHAPES(HARD_DW_LOOP_U)
    }
    (void)xp; (void)wq; (void)t0; (void)t3;
#else
    (void)masked;
    for (int32_t g = 0; g < groups; g++) {
        hard_acc4 a = hard_depthwise_taps(wide + 22 * g, first_tap, x + 4 * g, step, row_step, nz, rows, cols);
        const int32_t *q = table + 16 * g;
        int8_t *o = out + 4 * g;
        o[0] = (int8_t)hard_bounded_requantize_masked(a.a0, q[0], q[1], q[2], q[3]);
        o[1] = (int8_t)hard_bounded_requantize_masked(a.a1, q[4], q[5], q[6], q[7]);
        o[2] = (int8_t)hard_bounded_requantize_masked(a.a2, q[8], q[9], q[10], q[11]);
        o[3] = (int8_t)hard_bounded_requantize_masked(a.a3, q[12], q[13], q[14], q[15]);
    }
#endif
}
#undef HARD_DW_MAC
#undef HARD_DW_S
#undef HARD_DW_R
#undef HARD_DW_E
#undef HARD_DW_PROLOGUE
#undef HARD_DW_OUTPUTS
#undef HARD_DW_INPUTS
#undef HARD_DW_ASM
#undef HARD_DW_SHAPES
#undef HARD_DW_QU
#undef HARD_DW_QM
#undef HARD_DW_LOOP
#undef HARD_DW_LOOP_U
#undef HARD_DW_LOOP_M

#endif /* HARD_DSP_H */
