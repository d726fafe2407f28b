// Everything in hard_dsp.h is inline; SwiftPM wants one source file per C target.
#include "hard_dsp.h"
