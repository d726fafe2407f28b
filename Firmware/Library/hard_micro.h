/*
 * hard_micro.h: int8 HARD segmentation on a Cortex-M7 (libhard_micro.a, `hard mcu package`).
 *
 * The runtime `hard mcu run` puts in its firmware (Embedded Swift, armv7em, hard float,
 * fpv5-d16), as a C library for your own firmware. Bit-exact with hard's host int8 runtime.
 *
 *   size_t need;
 *   hard_micro_arena_bytes(model, model_size, &need);          // or HARD_MODEL_ARENA_BYTES
 *   static uint8_t arena[HARD_MODEL_ARENA_BYTES] __attribute__((aligned(16)));
 *   hard_micro *m;
 *   if (hard_micro_init(&m, model, model_size, arena, sizeof arena) != HARD_MICRO_OK) ...
 *   hard_micro_run(m, rgb, classes);   // rgb: H*W*3 bytes (row-major RGB), classes: H*W bytes
 *
 * Memory: activations and kernel scratch live in the arena you give (16-byte aligned, at least
 * hard_micro_arena_bytes); the model blob stays where it is (flash) and is read in place, so
 * both must outlive the handle. hard_micro_init takes the runtime's tables (a few kB) from
 * the C heap through posix_memalign/free; hard_micro_run allocates nothing. The library
 * needs newlib's memalign, free and __aeabi_memcpy/memset, and carries posix_memalign and a
 * deterministic arc4random_buf (Embedded Swift's hashing seed), each used only if your
 * firmware defines none. No function traps on bad arguments or a damaged blob: each
 * returns an error code. Build flags to match: -mcpu=cortex-m7 -mthumb -mfloat-abi=hard
 * -mfpu=fpv5-d16 (example/Makefile).
 */
#ifndef HARD_MICRO_H
#define HARD_MICRO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    HARD_MICRO_OK = 0,
    /* The blob (checked by hard_micro_arena_bytes and hard_micro_init). */
    HARD_MICRO_E_TOO_SMALL = 1,
    HARD_MICRO_E_BAD_MAGIC = 2,           /* not a HARD int8 blob */
    HARD_MICRO_E_UNSUPPORTED_VERSION = 3,
    HARD_MICRO_E_SIZE_MISMATCH = 4,       /* its size field disagrees with blob_bytes */
    HARD_MICRO_E_CHECKSUM = 5,            /* damaged */
    HARD_MICRO_E_MALFORMED_TENSOR = 6,
    HARD_MICRO_E_MALFORMED_OP = 7,
    HARD_MICRO_E_UNKNOWN_OP = 8,
    HARD_MICRO_E_SHAPE_MISMATCH = 9,
    HARD_MICRO_E_ARENA_TOO_SMALL = 10,
    HARD_MICRO_E_BLOB_MISALIGNED = 11,    /* the blob must be 4-byte aligned */
    /* The call. */
    HARD_MICRO_E_NULL_ARGUMENT = 12,
    HARD_MICRO_E_ARENA_MISALIGNED = 13    /* the arena must be 16-byte aligned */
};

typedef struct hard_micro hard_micro;

/* Checks the blob and stores the arena bytes it needs in *arena_bytes. */
int hard_micro_arena_bytes(const void *blob, size_t blob_bytes, size_t *arena_bytes);

/* Checks the blob (checksum, tables, op shapes) and binds it to the arena. *out is NULL on
 * error. */
int hard_micro_init(hard_micro **out, const void *blob, size_t blob_bytes, void *arena, size_t arena_bytes);

/* One inference: rgb is height*width*3 bytes (row-major, R G B), classes receives
 * height*width class indices. */
int hard_micro_run(hard_micro *m, const uint8_t *rgb, uint8_t *classes);

/* The input size and the class count (any pointer may be NULL). */
int hard_micro_shape(hard_micro *m, int32_t *height, int32_t *width, int32_t *classes);

/* After a run: the int8 logits at the classifier's resolution (height x width x classes,
 * below the input's by the output stride), in the arena; *count gets their number. */
const int8_t *hard_micro_logits(hard_micro *m, size_t *count);

/* Releases the runtime's tables (not the arena, not the blob). NULL is allowed. */
void hard_micro_free(hard_micro *m);

/* A short English name for a code. */
const char *hard_micro_error_name(int code);

#ifdef __cplusplus
}
#endif

#endif
