// hard_png: libpng's classic API behind plain return codes.
//
// libpng reports errors by longjmp. A longjmp across Swift frames is undefined behaviour
// (it skips Swift's cleanup and reference counting), so every libpng call of the project
// happens in hard_png.c, under a setjmp taken in C; Swift sees only 0 / -1 and a message.
// The data comes from and goes to memory: the Swift side reads and writes the files.
#ifndef HARD_PNG_H
#define HARD_PNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Room for an error message, including the terminating zero.
#define HARD_PNG_MESSAGE_SIZE 256

/// Colour types as in the PNG specification (IHDR).
#define HARD_PNG_GRAY 0
#define HARD_PNG_RGB 2
#define HARD_PNG_PALETTE 3
#define HARD_PNG_GRAY_ALPHA 4
#define HARD_PNG_RGBA 6

/// What IHDR (and PLTE) say about an image.
typedef struct hard_png_info {
    uint32_t width;
    uint32_t height;
    int bit_depth;        // 1, 2, 4, 8 or 16
    int color_type;       // HARD_PNG_*
    int interlaced;       // 1 for Adam7
    int palette_entries;  // PLTE entries (palette images), else 0
} hard_png_info;

/// Reads the header of the PNG in data[0..<size].
/// Returns 0, or -1 with a message in `message`.
int hard_png_read_info(const uint8_t *data, size_t size, hard_png_info *info,
                       char message[HARD_PNG_MESSAGE_SIZE]);

/// Decodes an 8-bit-or-less PNG (16-bit is refused) into `out`, which holds exactly
/// width * height * channels bytes, rows top to bottom:
/// - channels 3: R, G, B (palette looked up, gray replicated, low bit depths scaled to
///   0...255, alpha and tRNS dropped, no gamma correction);
/// - channels 1: the samples as stored, unscaled (gray levels, or palette indices),
///   alpha dropped; only for gray, gray+alpha and palette images.
/// Interlaced images are de-interlaced. Returns 0, or -1 with a message.
int hard_png_decode(const uint8_t *data, size_t size, uint32_t width, uint32_t height,
                    int channels, uint8_t *out, size_t out_size,
                    char message[HARD_PNG_MESSAGE_SIZE]);

/// Encodes width * height pixels, 8 bits per sample: color_type HARD_PNG_GRAY (1 byte per
/// pixel), HARD_PNG_RGB (3) or HARD_PNG_PALETTE (1, an index into `palette`, which holds
/// palette_entries R, G, B triplets, 1...256). On success *out is a malloc'ed buffer of
/// *out_size bytes to release with hard_png_free. Returns 0, or -1 with a message.
int hard_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int color_type,
                    const uint8_t *palette, int palette_entries,
                    uint8_t **out, size_t *out_size,
                    char message[HARD_PNG_MESSAGE_SIZE]);

/// Releases a buffer from hard_png_encode.
void hard_png_free(uint8_t *buffer);

#ifdef __cplusplus
}
#endif

#endif
