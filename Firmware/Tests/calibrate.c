/*
 * Calibration: how many instructions does one SysTick tick take under
 * qemu -icount shift=0? (`make calibrate`; expected: 40.)
 *
 * spin(n) runs exactly 2n instructions (subs + bne per iteration; check with
 * `arm-none-eabi-objdump -d build/calibrate.elf | grep -A3 '<spin>:'`).
 * Differences between runs cancel the fixed call/timer-read overhead.
 * The largest n runs past one 2^24-tick SysTick wrap, testing the wrap count.
 */
#include "firmware.h"

static void __attribute__((noinline)) spin(uint32_t n) {
    __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
}

static void put_str(const char *s) { while (*s) fw_putc(*s++); }

static void put_u64(unsigned long long v) {
    char buf[21];
    int i = sizeof buf - 1;
    buf[i] = 0;
    do { buf[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    put_str(&buf[i]);
}

static unsigned long long ticks_for(uint32_t n) {
    fw_timer_start();
    spin(n);
    return fw_timer_instructions() / FW_INSTRUCTIONS_PER_TICK;
}

int main(void) {
    static const uint32_t ns[] = { 1000, 100000, 10000000, 400000000 };
    unsigned long long base = ticks_for(1);
    put_str("overhead ticks (n=1): "); put_u64(base); put_str("\n");
    int ok = 1;
    for (unsigned i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        unsigned long long t = ticks_for(ns[i]);
        unsigned long long insns = 2ull * (ns[i] - 1);
        unsigned long long dt = t - base;
        put_str("spin "); put_u64(insns); put_str(" instructions: ");
        put_u64(dt); put_str(" ticks, ");
        put_u64(dt ? insns * 1000 / dt : 0); put_str(" milli-instructions/tick\n");
        /* within one tick of the expected count */
        unsigned long long expect = insns / FW_INSTRUCTIONS_PER_TICK;
        if (dt + 1 < expect || dt > expect + 1) ok = 0;
    }
    put_str(ok ? "calibration OK: 40 instructions per tick\n" : "calibration MISMATCH\n");
    return ok ? 0 : 1;
}
