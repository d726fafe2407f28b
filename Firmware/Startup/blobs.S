/*
 * Embeds the model blob and the input image into flash (.rodata) at build time.
 *
 * MODEL_BLOB and INPUT_BIN are string literals given on the command line
 * (-DMODEL_BLOB="\"/path\""), which is why this is a gcc-preprocessed .S.
 * Kept apart from startup.S so a new blob only reassembles this file.
 * Both start 16-byte aligned (vector loads, and the blob format's own alignment).
 */
#ifndef MODEL_BLOB
#error "define MODEL_BLOB as a quoted path"
#endif
#ifndef INPUT_BIN
#error "define INPUT_BIN as a quoted path"
#endif

        .section .rodata.hard_blobs, "a", %progbits

        .balign 16
        .global hard_model_blob_start, hard_model_blob_end
        .type   hard_model_blob_start, %object
hard_model_blob_start:
        .incbin MODEL_BLOB
hard_model_blob_end:
        .size   hard_model_blob_start, hard_model_blob_end - hard_model_blob_start

        .balign 16
        .global hard_input_start, hard_input_end
        .type   hard_input_start, %object
hard_input_start:
        .incbin INPUT_BIN
hard_input_end:
        .size   hard_input_start, hard_input_end - hard_input_start
