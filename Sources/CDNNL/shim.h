// The only C header the engine sees: oneDNN's C API (version 2.x).
#include <oneapi/dnnl/dnnl.h>
