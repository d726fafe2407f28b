// libpng (Debian: libpng-dev); used only through the C shim in Sources/CPNGShim (setjmp stays in C).
#include <png.h>
