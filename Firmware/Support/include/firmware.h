/*
 * firmware.h: the C services the Embedded Swift app calls (module FirmwareSupport).
 *
 * Everything here is plain C with fixed-width types so it imports cleanly into
 * Swift (unsigned -> UInt32, unsigned long long -> UInt64, const void * ->
 * UnsafeRawPointer?). Implementations live in the Support/ C files.
 */
#ifndef FIRMWARE_H
#define FIRMWARE_H

/* Word painted over the stack region at reset (startup.S). */
#define FW_STACK_PAINT 0xC5C5C5C5

/* SysTick runs at the 25 MHz core clock of qemu's mps2-an500; with
 * `-icount shift=0` one instruction is 1 ns, so one tick = 40 instructions. */
#define FW_INSTRUCTIONS_PER_TICK 40

#ifndef __ASSEMBLER__
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Output and exit, via ARM semihosting (semihosting.c) ---- */
void fw_putc(char c);
void fw_write(const char *ptr, unsigned len);
/* Ends the run: qemu exits with status `code` (0 = success). Never returns. */
void fw_exit(int code) __attribute__((noreturn));

/* ---- Timing, SysTick based (timer.c) ----
 * fw_timer_start() restarts the count. fw_timer_instructions() returns the
 * instructions executed since then, under qemu -icount shift=0: ticks * 40.
 * Resolution: one tick = 40 instructions. Range: 64 bits of ticks. */
void fw_timer_start(void);
unsigned long long fw_timer_instructions(void);

/* ---- Memory figures (memory.c) ---- */
/* Deepest stack use since reset, in bytes (first overwritten paint word). */
unsigned fw_stack_high_water_bytes(void);
/* .data + .bss bytes (static RAM, fixed at link time). */
unsigned fw_static_data_bytes(void);
/* Highest heap break reached by malloc (_sbrk), in bytes from heap start. */
unsigned fw_heap_high_water_bytes(void);
/* Heap region size (between .bss and the stack). */
unsigned fw_heap_capacity_bytes(void);

/* ---- Embedded binaries (blobs.c, data from Startup/blobs.S) ---- */
const void *fw_model_blob(void);   /* 16-byte aligned, in flash */
unsigned fw_model_blob_size(void);
const void *fw_input(void);        /* 16-byte aligned, in flash */
unsigned fw_input_size(void);

#ifdef __cplusplus
}
#endif
#endif /* __ASSEMBLER__ */
#endif /* FIRMWARE_H */
