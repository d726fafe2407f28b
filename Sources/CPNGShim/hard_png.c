// hard_png: every libpng call of the project, each under a setjmp taken here in C.
//
// Pattern: a public function owns every resource (libpng structs, row pointers, buffers)
// in its own frame and calls one *_guarded function that takes the setjmp and does the
// libpng work. After a longjmp the guarded function returns -1 and the owner releases
// everything; nothing the owner frees is a local of the function that called setjmp,
// so the C rule about non-volatile locals changed after setjmp never bites.
#include "hard_png.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Larger sides are refused by libpng itself (png_set_user_limits), before any row exists.
#define HARD_PNG_MAX_SIDE 65535u

typedef struct source {
    const uint8_t *data;
    size_t size;
    size_t offset;
} source;

typedef struct sink {
    uint8_t *data;
    size_t size;
    size_t capacity;
} sink;

static void set_message(char *message, const char *text) {
    snprintf(message, HARD_PNG_MESSAGE_SIZE, "%s", text);
}

// libpng's error callback: keep the message, jump back to the guarded function's setjmp.
static void on_error(png_structp png, png_const_charp text) {
    set_message((char *)png_get_error_ptr(png), text ? text : "unknown libpng error");
    png_longjmp(png, 1);
}

// Warnings (an unknown ancillary chunk, a sRGB profile mismatch) do not change the pixels
// we return; libpng would print them to stderr, which a training log does not want.
static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void read_from_memory(png_structp png, png_bytep out, size_t count) {
    source *src = (source *)png_get_io_ptr(png);
    if (count > src->size - src->offset) {
        png_error(png, "the file ends early (truncated)");
    }
    memcpy(out, src->data + src->offset, count);
    src->offset += count;
}

static void write_to_memory(png_structp png, png_bytep data, size_t count) {
    sink *dst = (sink *)png_get_io_ptr(png);
    if (count > dst->capacity - dst->size) {
        size_t capacity = dst->capacity ? dst->capacity : 4096;
        while (capacity - dst->size < count) {
            if (capacity > SIZE_MAX / 2) png_error(png, "encoded image too large");
            capacity *= 2;
        }
        uint8_t *grown = (uint8_t *)realloc(dst->data, capacity);
        if (!grown) png_error(png, "out of memory");
        dst->data = grown;
        dst->capacity = capacity;
    }
    memcpy(dst->data + dst->size, data, count);
    dst->size += count;
}

static void flush_memory(png_structp png) { (void)png; }

static int read_info_guarded(png_structp png, png_infop info, source *src, hard_png_info *out) {
    if (setjmp(png_jmpbuf(png))) return -1;
    png_set_read_fn(png, src, read_from_memory);
    png_set_user_limits(png, HARD_PNG_MAX_SIDE, HARD_PNG_MAX_SIDE);
    png_read_info(png, info);
    out->width = png_get_image_width(png, info);
    out->height = png_get_image_height(png, info);
    out->bit_depth = png_get_bit_depth(png, info);
    out->color_type = png_get_color_type(png, info);
    out->interlaced = png_get_interlace_type(png, info) == PNG_INTERLACE_ADAM7;
    png_colorp palette = NULL;
    int entries = 0;
    if (png_get_PLTE(png, info, &palette, &entries) != PNG_INFO_PLTE) entries = 0;
    out->palette_entries = entries;
    return 0;
}

int hard_png_read_info(const uint8_t *data, size_t size, hard_png_info *info,
                       char message[HARD_PNG_MESSAGE_SIZE]) {
    memset(info, 0, sizeof *info);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, message, on_error, on_warning);
    if (!png) {
        set_message(message, "out of memory (libpng read struct)");
        return -1;
    }
    png_infop png_info = png_create_info_struct(png);
    if (!png_info) {
        png_destroy_read_struct(&png, NULL, NULL);
        set_message(message, "out of memory (libpng info struct)");
        return -1;
    }
    source src = {data, size, 0};
    int result = read_info_guarded(png, png_info, &src, info);
    png_destroy_read_struct(&png, &png_info, NULL);
    return result;
}

static int decode_guarded(png_structp png, png_infop info, source *src, uint32_t width,
                          uint32_t height, int channels, png_bytepp rows) {
    if (setjmp(png_jmpbuf(png))) return -1;
    png_set_read_fn(png, src, read_from_memory);
    png_set_user_limits(png, HARD_PNG_MAX_SIDE, HARD_PNG_MAX_SIDE);
    png_read_info(png, info);
    int depth = png_get_bit_depth(png, info);
    int type = png_get_color_type(png, info);
    if (png_get_image_width(png, info) != width || png_get_image_height(png, info) != height) {
        png_error(png, "image size differs from the size the caller read");
    }
    if (depth > 8) png_error(png, "16-bit PNG is not supported; convert to 8-bit");
    if (channels == 3) {
        if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
        if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
        if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
        // Transparency is not part of a training image: drop an alpha channel, and the alpha
        // that palette expansion would make from tRNS.
        if ((type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) {
            png_set_strip_alpha(png);
        }
    } else {
        if (type != PNG_COLOR_TYPE_GRAY && type != PNG_COLOR_TYPE_GRAY_ALPHA &&
            type != PNG_COLOR_TYPE_PALETTE) {
            png_error(png, "not a gray or palette image");
        }
        // One sample per byte, unscaled: a 4-bit label 3 stays 3 (not 51).
        if (depth < 8) png_set_packing(png);
        if (type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_strip_alpha(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_channels(png, info) != channels || png_get_bit_depth(png, info) != 8 ||
        png_get_rowbytes(png, info) != (size_t)width * (size_t)channels) {
        png_error(png, "unexpected row layout after conversion");
    }
    png_read_image(png, rows);
    return 0;
}

int hard_png_decode(const uint8_t *data, size_t size, uint32_t width, uint32_t height,
                    int channels, uint8_t *out, size_t out_size,
                    char message[HARD_PNG_MESSAGE_SIZE]) {
    if ((channels != 1 && channels != 3) || width == 0 || height == 0 ||
        width > HARD_PNG_MAX_SIDE || height > HARD_PNG_MAX_SIDE ||
        out_size != (size_t)width * (size_t)height * (size_t)channels) {
        set_message(message, "invalid decode request");
        return -1;
    }
    png_bytepp rows = (png_bytepp)malloc(height * sizeof(png_bytep));
    if (!rows) {
        set_message(message, "out of memory (row pointers)");
        return -1;
    }
    for (uint32_t y = 0; y < height; y++) rows[y] = out + (size_t)y * width * (size_t)channels;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, message, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        free(rows);
        set_message(message, "out of memory (libpng structs)");
        return -1;
    }
    source src = {data, size, 0};
    int result = decode_guarded(png, info, &src, width, height, channels, rows);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    return result;
}

static int encode_guarded(png_structp png, png_infop info, sink *dst, uint32_t width,
                          uint32_t height, int color_type, const png_color *palette,
                          int palette_entries, png_bytepp rows) {
    if (setjmp(png_jmpbuf(png))) return -1;
    png_set_write_fn(png, dst, write_to_memory, flush_memory);
    png_set_user_limits(png, HARD_PNG_MAX_SIDE, HARD_PNG_MAX_SIDE);
    png_set_IHDR(png, info, width, height, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_PLTE(png, info, palette, palette_entries);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, info);
    return 0;
}

int hard_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int color_type,
                    const uint8_t *palette, int palette_entries,
                    uint8_t **out, size_t *out_size,
                    char message[HARD_PNG_MESSAGE_SIZE]) {
    *out = NULL;
    *out_size = 0;
    size_t channels;
    switch (color_type) {
    case HARD_PNG_GRAY: channels = 1; break;
    case HARD_PNG_RGB: channels = 3; break;
    case HARD_PNG_PALETTE: channels = 1; break;
    default: set_message(message, "unsupported colour type to encode"); return -1;
    }
    if (width == 0 || height == 0 || width > HARD_PNG_MAX_SIDE || height > HARD_PNG_MAX_SIDE) {
        set_message(message, "image size outside 1...65535");
        return -1;
    }
    png_color colors[256];
    if (color_type == HARD_PNG_PALETTE) {
        if (!palette || palette_entries < 1 || palette_entries > 256) {
            set_message(message, "a palette needs 1...256 entries");
            return -1;
        }
        for (int i = 0; i < palette_entries; i++) {
            colors[i].red = palette[3 * i];
            colors[i].green = palette[3 * i + 1];
            colors[i].blue = palette[3 * i + 2];
        }
    }
    png_bytepp rows = (png_bytepp)malloc(height * sizeof(png_bytep));
    if (!rows) {
        set_message(message, "out of memory (row pointers)");
        return -1;
    }
    // libpng's row type is not const, but writing only reads the rows.
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * width * channels);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, message, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(png ? &png : NULL, NULL);
        free(rows);
        set_message(message, "out of memory (libpng structs)");
        return -1;
    }
    sink dst = {NULL, 0, 0};
    int result = encode_guarded(png, info, &dst, width, height, color_type, colors,
                                palette_entries, rows);
    png_destroy_write_struct(&png, &info);
    free(rows);
    if (result != 0) {
        free(dst.data);
        return -1;
    }
    *out = dst.data;
    *out_size = dst.size;
    return 0;
}

void hard_png_free(uint8_t *buffer) { free(buffer); }
