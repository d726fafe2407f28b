/*
 * Accessors for the binaries embedded by Startup/blobs.S, so Swift sees a
 * pointer and a size instead of linker symbols.
 */
#include "firmware.h"

extern const unsigned char hard_model_blob_start[], hard_model_blob_end[];
extern const unsigned char hard_input_start[], hard_input_end[];

const void *fw_model_blob(void) { return hard_model_blob_start; }
unsigned fw_model_blob_size(void) { return (unsigned)(hard_model_blob_end - hard_model_blob_start); }
const void *fw_input(void) { return hard_input_start; }
unsigned fw_input_size(void) { return (unsigned)(hard_input_end - hard_input_start); }
