/*
 * Console output and exit through ARM semihosting.
 *
 * `bkpt 0xab` with r0 = operation, r1 = argument is trapped by qemu
 * (-semihosting-config enable=on,target=native), which prints on its stdout
 * and implements exit. No UART driver needed, and the exit status reaches make.
 */
#include "firmware.h"

enum {
    SYS_WRITEC = 0x03,           /* r1 -> one char                          */
    SYS_WRITE0 = 0x04,           /* r1 -> NUL-terminated string             */
    SYS_EXIT = 0x18,             /* r1 = reason (A32/T32: no status code)   */
    SYS_EXIT_EXTENDED = 0x20,    /* r1 -> {reason, status}: any exit status */
    ADP_Stopped_ApplicationExit = 0x20026,
};

static inline uint32_t semihost(uint32_t op, const void *arg) {
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void fw_putc(char c) {
    semihost(SYS_WRITEC, &c);
}

/* One trap per chunk rather than per byte: copy into a NUL-terminated buffer
 * and SYS_WRITE0 it; a NUL byte in the data goes out through SYS_WRITEC. */
void fw_write(const char *ptr, unsigned len) {
    char buf[64];
    unsigned n = 0;
    for (unsigned i = 0; i < len; i++) {
        if (ptr[i] == 0) {
            if (n) { buf[n] = 0; semihost(SYS_WRITE0, buf); n = 0; }
            fw_putc(0);
            continue;
        }
        buf[n++] = ptr[i];
        if (n == sizeof buf - 1) { buf[n] = 0; semihost(SYS_WRITE0, buf); n = 0; }
    }
    if (n) { buf[n] = 0; semihost(SYS_WRITE0, buf); }
}

/* Embedded Swift's print() writes through putchar(); route it here instead of
 * newlib's stdio (which would need _write, FILE buffers, ...). */
int putchar(int c) {
    fw_putc((char)c);
    return c & 0xff;
}

void fw_exit(int code) {
    /* SYS_EXIT_EXTENDED makes qemu exit with `code`. A status that is a
     * multiple of 256 would read as success to the shell, so map it to 1. */
    uint32_t block[2] = { ADP_Stopped_ApplicationExit, (uint32_t)code };
    if (code != 0 && (code & 0xff) == 0) block[1] = 1;
    semihost(SYS_EXIT_EXTENDED, block);
    /* Not under a semihosting host: fall back to the plain call, then park. */
    semihost(SYS_EXIT, (const void *)(uintptr_t)(code == 0 ? ADP_Stopped_ApplicationExit : 0x20023));
    for (;;) __asm__ volatile("wfi");
}
