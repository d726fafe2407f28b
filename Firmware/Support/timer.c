/*
 * Instruction counting with SysTick.
 *
 * qemu is not cycle accurate; with `-icount shift=0` its virtual clock advances
 * 1 ns per executed instruction. SysTick clocked from the processor clock
 * (25 MHz on mps2-an500) thus decrements once every 40 instructions. DWT CYCCNT
 * is not modelled by qemu, so this is the only usable "cycle" counter.
 *
 * The 24-bit counter runs with the maximum reload (2^24 ticks = ~671 M
 * instructions per wrap); the interrupt only counts wraps, so it perturbs the
 * measured code once per 671 M instructions at most.
 */
#include "firmware.h"

#define SYST_CSR  (*(volatile uint32_t *)0xE000E010)  /* control/status   */
#define SYST_RVR  (*(volatile uint32_t *)0xE000E014)  /* reload value     */
#define SYST_CVR  (*(volatile uint32_t *)0xE000E018)  /* current value    */
#define SCB_ICSR  (*(volatile uint32_t *)0xE000ED04)
#define ICSR_PENDSTSET (1u << 26)

#define CSR_ENABLE    (1u << 0)
#define CSR_TICKINT   (1u << 1)
#define CSR_CLKSOURCE (1u << 2)   /* 1 = processor clock, 0 = 1 MHz refclk */

#define RELOAD 0x00FFFFFFu

static volatile uint32_t wraps;

/* Vector 15 (strong definition overrides the weak alias in startup.S). */
void SysTick_Handler(void) {
    wraps++;
}

void fw_timer_start(void) {
    SYST_CSR = 0;
    SYST_RVR = RELOAD;
    SYST_CVR = 0;            /* any write clears the counter to 0 */
    wraps = 0;
    SYST_CSR = CSR_ENABLE | CSR_TICKINT | CSR_CLKSOURCE;
}

/* Ticks since fw_timer_start. The counter starts at 0, reloads to RELOAD on
 * the first tick, counts down, and raises the wrap interrupt when it reaches
 * 0 again (every RELOAD + 1 ticks). So at k ticks: wraps = k / (RELOAD + 1)
 * and CVR = (-k) mod (RELOAD + 1), i.e. k = wraps * (RELOAD + 1) + (-CVR mod
 * (RELOAD + 1)). */
static unsigned long long ticks(void) {
    uint32_t w, cvr, pending;
    do {                     /* retry if the wrap interrupt ran in between */
        w = wraps;
        cvr = SYST_CVR;
        pending = SCB_ICSR & ICSR_PENDSTSET;
    } while (w != wraps);
    /* Reached 0 but the interrupt not taken yet (e.g. interrupts masked). */
    if (pending && (cvr == 0 || cvr > RELOAD / 2)) w++;
    return (unsigned long long)w * (RELOAD + 1ull) + ((RELOAD + 1u - cvr) & RELOAD);
}

unsigned long long fw_timer_instructions(void) {
    return ticks() * FW_INSTRUCTIONS_PER_TICK;
}
