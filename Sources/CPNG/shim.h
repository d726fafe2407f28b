// libpng (Debian: libpng-dev), read and written through the simplified and the classic API.
#include <png.h>
