/*
 * arc4random_buf for Embedded Swift: Hasher seeds itself from it (Dictionary,
 * Set) and SystemRandomNumberGenerator uses it. newlib's version needs
 * getentropy/_getpid/_kill, which a bare board does not have. This one is a
 * fixed-seed xorshift: deterministic runs (same hash order, same timings),
 * NOT cryptographic.
 */
#include <stddef.h>
#include <stdint.h>

static uint32_t state = 0x2545F491u;

void arc4random_buf(void *buf, size_t n) {
    uint8_t *p = buf;
    while (n--) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        *p++ = (uint8_t)state;
    }
}
