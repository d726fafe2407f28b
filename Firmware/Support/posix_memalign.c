/*
 * posix_memalign over newlib's memalign: Embedded Swift allocates through it, and Debian's
 * newlib has none. Its own file, so libhard_micro.a carries it as its own archive member: a
 * firmware that defines posix_memalign keeps its own (the linker takes an archive member
 * only for a symbol still undefined).
 */
#include <errno.h>
#include <malloc.h>
#include <stddef.h>

int posix_memalign(void **memptr, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0)
        return EINVAL;
    void *p = memalign(alignment, size);
    if (p == NULL)
        return ENOMEM;
    *memptr = p;
    return 0;
}
