/*
 * Fault reporting: every fault and unexpected exception lands here (via
 * Default_Handler in startup.S), prints "HARDFAULT" plus where it happened,
 * and ends the run with a non-zero status so `make run` fails.
 *
 * Embedded Swift has no runtime error messages: a precondition failure,
 * overflow, out-of-bounds index or force-unwrap of nil executes `udf`
 * (permanently undefined instruction) -> UsageFault, which is not enabled and
 * so escalates to HardFault. We recognise the udf and say so.
 */
#include "firmware.h"

#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28)
#define SCB_HFSR (*(volatile uint32_t *)0xE000ED2C)
#define CFSR_UNDEFINSTR (1u << 16)

static void put_str(const char *s) {
    while (*s) fw_putc(*s++);
}

static void put_hex(const char *label, uint32_t v) {
    put_str(label);
    for (int shift = 28; shift >= 0; shift -= 4)
        fw_putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

/* frame = the exception frame the core pushed: r0-r3, r12, lr, pc, xpsr. */
void __attribute__((noreturn, used)) fw_fault(const uint32_t *frame) {
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    uint32_t pc = frame[6], cfsr = SCB_CFSR;

    put_str("\nHARDFAULT");
    put_hex(" exception=", ipsr & 0x1ff);
    put_hex(" pc=", pc);
    put_hex(" lr=", frame[5]);
    put_hex(" cfsr=", cfsr);
    put_hex(" hfsr=", SCB_HFSR);
    fw_putc('\n');
    if ((cfsr & CFSR_UNDEFINSTR) && (*(const uint16_t *)(pc & ~1u) & 0xff00) == 0xde00)
        put_str("trap: udf instruction (Swift runtime check failed: precondition, overflow, bounds, nil unwrap)\n");
    put_str("decode: arm-none-eabi-addr2line -f -e firmware.elf <pc>\n");
    fw_exit(1);
}

/* Stack protector support, for builds with
 * SWIFT_EXTRA="-Xfrontend -enable-stack-protector" (off by default: cost).
 * Swift reaches the guard through the GOT when compiled PIC. */
uint32_t __stack_chk_guard = 0x5ca1ab1eu;

void __attribute__((noreturn)) __stack_chk_fail(void) {
    put_str("\nHARDFAULT stack smashing detected\n");
    fw_exit(1);
}
