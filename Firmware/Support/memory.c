/*
 * Heap for newlib-nano's malloc, and the RAM usage figures.
 *
 * Embedded Swift allocates through posix_memalign()/free() (posix_memalign.c:
 * Debian's newlib has none). malloc
 * grows the heap with _sbrk(), which we provide over [__heap_start,
 * __heap_end) from link.ld and which records the highest break: that is the
 * heap high-water mark (it counts malloc's chunk headers and any free blocks
 * below the top, i.e. what the heap really needed, not live bytes).
 */
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include "firmware.h"

extern char __heap_start[], __heap_end[];
extern char __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[];

static char *brk = __heap_start;
static char *brk_max = __heap_start;

void *_sbrk(ptrdiff_t incr) {
    char *old = brk;
    if (incr > __heap_end - brk || incr < __heap_start - brk) {
        errno = ENOMEM;
        return (void *)-1;   /* malloc returns NULL; Swift then traps */
    }
    brk += incr;
    if (brk > brk_max) brk_max = brk;
    return old;
}

unsigned fw_heap_high_water_bytes(void) {
    return (unsigned)(brk_max - __heap_start);
}

unsigned fw_heap_capacity_bytes(void) {
    return (unsigned)(__heap_end - __heap_start);
}

unsigned fw_static_data_bytes(void) {
    return (unsigned)((__data_end - __data_start) + (__bss_end - __bss_start));
}

unsigned fw_stack_high_water_bytes(void) {
    /* startup.S painted the region; the stack grows down from __stack_top,
     * so the lowest overwritten word marks the deepest use. */
    const uint32_t *p = __stack_bottom;
    while (p < __stack_top && *p == FW_STACK_PAINT)
        p++;
    return (unsigned)((const char *)__stack_top - (const char *)p);
}
