// hard_video: FFmpeg's decode and encode loops behind a small, stable C interface.
//
// Every libav* call of the project happens in hard_video.c. Swift sees opaque handles, plain
// integers, RGB24 buffers it owns, and a message in words when something fails: FFmpeg's
// structs change layout between releases, these functions do not.
//
// Frames cross the wall as packed RGB24 (row after row, 3 bytes a pixel, no padding unless a
// stride says so), the layout of HardData's RGBImage.
#ifndef HARD_VIDEO_H
#define HARD_VIDEO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Room for an error message, including the terminating zero.
#define HARD_VIDEO_MESSAGE_SIZE 512

/// The largest side a reader accepts (larger streams are refused before any allocation).
#define HARD_VIDEO_MAX_SIDE 16384

typedef struct hard_video_reader hard_video_reader;
typedef struct hard_video_writer hard_video_writer;

/// What a reader found when it opened its input.
typedef struct hard_video_info {
    int32_t width;
    int32_t height;
    /// Frames per second as a fraction; 25/1 when the input does not say (`rate_guessed` = 1).
    int32_t rate_num;
    int32_t rate_den;
    int32_t rate_guessed;
    /// Frames the container announces; 0 when it does not say (a camera, some .mkv/.webm).
    int64_t frames_announced;
    /// The decoder's short name ("h264", "vp9", "rawvideo"...).
    char codec[32];
} hard_video_info;

/// Opens a file, or with `is_device` a V4L2 camera (`/dev/video0`) through libavdevice.
/// NULL on failure, with `message` filled.
hard_video_reader *hard_video_reader_open(const char *path, int is_device, hard_video_info *info, char *message);

/// Decodes the next frame into `rgb` (capacity at least width * height * 3 bytes of `info`;
/// a frame of another size is scaled to it). 1: a frame; 0: the end; -1: an error (message).
/// A packet the decoder rejects as damaged is skipped and counted, as the ffmpeg tool does;
/// a read error of the container is an error.
int hard_video_reader_next(hard_video_reader *reader, uint8_t *rgb, size_t capacity, char *message);

/// Packets skipped as damaged so far.
int64_t hard_video_reader_skipped(const hard_video_reader *reader);

void hard_video_reader_close(hard_video_reader *reader);

/// Whether this libavcodec has libx264.
int hard_video_has_x264(void);

/// Creates an MP4 file at `path` (any name: the container is MP4 whatever the extension),
/// H.264 through libx264 (CRF `quality`, preset veryfast) when libavcodec has it, else MPEG-4
/// part 2 (qscale from `quality`), yuv420p, at `rate_num`/`rate_den` frames per second.
/// Width and height must be even (yuv420p). NULL on failure, with `message` filled.
hard_video_writer *hard_video_writer_open(const char *path, int32_t width, int32_t height,
                                          int32_t rate_num, int32_t rate_den, int32_t quality, char *message);

/// The encoder's name ("libx264" or "mpeg4").
const char *hard_video_writer_codec(const hard_video_writer *writer);

/// Encodes one frame: the top-left width x height of an RGB24 image whose rows are
/// `stride` bytes apart (stride >= width * 3). 0, or -1 with message.
int hard_video_writer_write(hard_video_writer *writer, const uint8_t *rgb, size_t stride, char *message);

/// Flushes the encoder, writes the MP4 index and closes the file. 0, or -1 with message.
/// The writer is freed either way.
int hard_video_writer_finish(hard_video_writer *writer, char *message);

/// Frees a writer without finishing it; the file is left incomplete (the caller removes it).
void hard_video_writer_abandon(hard_video_writer *writer);

#ifdef __cplusplus
}
#endif

#endif
