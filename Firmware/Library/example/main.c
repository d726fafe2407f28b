/*
 * The example firmware of a `hard mcu package`: one inference of the packaged model on the
 * packaged test image through libhard_micro.a, reported over semihosting as key=value lines
 * (the class map's and the logits' FNV-1a, which the host's int8 runtime computes too).
 * board/ is the startup code, linker script (STM32F746NG: 1 MB flash, 320 kB RAM) and
 * semihosting of hard's own firmware; on a real board use your own and keep main's calls.
 */
#include <stdint.h>
#include "firmware.h"
#include "hard_micro.h"
#include "hard_model.h"

extern const uint8_t hard_example_input[];
extern const unsigned hard_example_input_size;

static uint8_t arena[HARD_MODEL_ARENA_BYTES] __attribute__((aligned(16)));
static uint8_t classes[HARD_MODEL_HEIGHT * HARD_MODEL_WIDTH];

static void say(const char *s) {
    unsigned n = 0;
    while (s[n]) n++;
    fw_write(s, n);
}

static void say_number(const char *key, unsigned long long v, int hex) {
    char digits[24];
    int k = 0;
    do {
        unsigned d = (unsigned)(v % (hex ? 16 : 10));
        digits[k++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= hex ? 16 : 10;
    } while (v || (hex && k < 8));
    say(key);
    say("=");
    while (k) fw_putc(digits[--k]);
    say("\n");
}

static uint32_t fnv1a(const uint8_t *p, unsigned n) {
    uint32_t h = 2166136261u;
    for (unsigned i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

int main(void) {
    size_t need = 0;
    int rc = hard_micro_arena_bytes(hard_model, hard_model_size, &need);
    hard_micro *m = 0;
    if (rc == HARD_MICRO_OK) rc = hard_micro_init(&m, hard_model, hard_model_size, arena, sizeof arena);
    if (rc != HARD_MICRO_OK) {
        say("status=refused ");
        say_number("code", (unsigned)rc, 0);
        say(hard_micro_error_name(rc));
        say("\n");
        return 3;
    }
    if (hard_example_input_size != HARD_MODEL_HEIGHT * HARD_MODEL_WIDTH * 3) {
        say("status=bad-input\n");
        return 4;
    }
    fw_timer_start();
    rc = hard_micro_run(m, hard_example_input, classes);
    unsigned long long instructions = fw_timer_instructions();
    if (rc != HARD_MICRO_OK) {
        say_number("status=run-failed code", (unsigned)rc, 0);
        return 5;
    }
    size_t count = 0;
    const int8_t *logits = hard_micro_logits(m, &count);
    say("status=ok\n");
    say_number("classmap_fnv1a", fnv1a(classes, sizeof classes), 1);
    say_number("logits_fnv1a", fnv1a((const uint8_t *)logits, (unsigned)count), 1);
    say_number("instructions", instructions, 0);
    say_number("arena_bytes", need, 0);
    say_number("heap_bytes", fw_heap_high_water_bytes(), 0);
    say_number("stack_bytes", fw_stack_high_water_bytes(), 0);
    hard_micro_free(m);
    return 0;
}
