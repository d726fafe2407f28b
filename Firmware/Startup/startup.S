/*
 * Cortex-M7 startup: vector table and Reset handler.
 *
 * Written in assembly because it runs before C/Swift may: no .data, no .bss,
 * no FPU yet. Preprocessed by gcc (.S) so we can use C-style comments.
 */
#include "firmware.h"    /* FW_STACK_PAINT */

        .syntax unified
        .cpu    cortex-m7
        .fpu    fpv5-d16
        .thumb

/* ---- Vector table: must be at 0 (VTOR reset value), see link.ld. ---- */
        .section .isr_vector, "a", %progbits
        .align  7                       /* VTOR needs 128-byte alignment */
        .global __isr_vector
__isr_vector:
        .word   __stack_top             /* 0: initial MSP (top of RAM)   */
        .word   Reset_Handler           /* 1: Reset                      */
        .word   NMI_Handler             /* 2                             */
        .word   HardFault_Handler       /* 3                             */
        .word   MemManage_Handler       /* 4 (escalates to HardFault)    */
        .word   BusFault_Handler        /* 5 (escalates to HardFault)    */
        .word   UsageFault_Handler      /* 6 (escalates; Swift traps=udf) */
        .word   0, 0, 0, 0              /* 7-10 reserved                 */
        .word   SVC_Handler             /* 11                            */
        .word   DebugMon_Handler        /* 12                            */
        .word   0                       /* 13 reserved                   */
        .word   PendSV_Handler          /* 14                            */
        .word   SysTick_Handler         /* 15: timer wrap count (timer.c) */
        /* External IRQs: none are enabled; any that fires is reported as a fault. */
        .rept   32
        .word   Default_Handler
        .endr
        .size   __isr_vector, . - __isr_vector

        .text

/* ---- Reset: FPU on, .data copy, .bss zero, stack paint, ctors, main. ---- */
        .global Reset_Handler
        .type   Reset_Handler, %function
        .thumb_func
Reset_Handler:
        /* Enable CP10/CP11 (the FPU) before any code that might use VFP
         * registers (hard-float ABI: every float argument does). */
        ldr     r0, =0xE000ED88         /* SCB->CPACR */
        ldr     r1, [r0]
        orr     r1, r1, #(0xF << 20)
        str     r1, [r0]
        dsb
        isb

        /* Copy .data (and the GOT inside it) from its flash image. */
        ldr     r0, =__data_start
        ldr     r1, =__data_end
        ldr     r2, =__data_load
1:      cmp     r0, r1
        bhs     2f
        ldr     r3, [r2], #4
        str     r3, [r0], #4
        b       1b

        /* Zero .bss. */
2:      ldr     r0, =__bss_start
        ldr     r1, =__bss_end
        movs    r3, #0
3:      cmp     r0, r1
        bhs     4f
        str     r3, [r0], #4
        b       3b

        /* Paint the whole stack region (nothing is on it yet: this code uses
         * no stack) so fw_stack_high_water_bytes can find the deepest use. */
4:      ldr     r0, =__stack_bottom
        ldr     r1, =__stack_top
        ldr     r3, =FW_STACK_PAINT
5:      cmp     r0, r1
        bhs     6f
        str     r3, [r0], #4
        b       5b

        /* Static constructors (none expected from Swift/C, but cheap). */
6:      ldr     r4, =__init_array_start
        ldr     r5, =__init_array_end
7:      cmp     r4, r5
        bhs     8f
        ldr     r3, [r4], #4
        blx     r3
        b       7b

8:      bl      main
        bl      fw_exit                 /* r0 = main's return value */
9:      b       9b
        .size   Reset_Handler, . - Reset_Handler
        .ltorg

/* ---- Faults: hand the exception frame to fw_fault (fault.c). ---- */
        .global Default_Handler
        .type   Default_Handler, %function
        .thumb_func
Default_Handler:
        tst     lr, #4                  /* EXC_RETURN bit 2: which stack? */
        ite     eq
        mrseq   r0, msp
        mrsne   r0, psp
        b       fw_fault                /* never returns */
        .size   Default_Handler, . - Default_Handler

/* Every other exception defaults to Default_Handler; a strong definition
 * elsewhere (e.g. SysTick_Handler in timer.c) wins. */
        .macro  weak_alias name
        .weak   \name
        .thumb_set \name, Default_Handler
        .endm
        weak_alias NMI_Handler
        weak_alias HardFault_Handler
        weak_alias MemManage_Handler
        weak_alias BusFault_Handler
        weak_alias UsageFault_Handler
        weak_alias SVC_Handler
        weak_alias DebugMon_Handler
        weak_alias PendSV_Handler
        weak_alias SysTick_Handler
