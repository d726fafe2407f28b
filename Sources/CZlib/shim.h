/* zlib (Debian's zlib1g-dev, which libpng-dev already brings): inflate for the compressed
 * elements of MATLAB v5/v7 .mat files (COCO-Stuff's annotations). */
#include <zlib.h>
