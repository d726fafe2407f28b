// FFmpeg 5.1's send/receive API (libavcodec), demuxing and muxing (libavformat), V4L2 input
// (libavdevice) and pixel-format conversion (libswscale). See include/hard_video.h.
#include "hard_video.h"

#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: Messages and one-time setup

static void say(char *message, const char *what, int code) {
    if (!message) return;
    if (code == 0) {
        snprintf(message, HARD_VIDEO_MESSAGE_SIZE, "%s", what);
        return;
    }
    char reason[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(code, reason, sizeof reason);
    snprintf(message, HARD_VIDEO_MESSAGE_SIZE, "%s (%s)", what, reason);
}

// FFmpeg logs to stderr by default: a damaged stream would print a line per broken slice.
// Our errors carry their own message; HARD_VIDEO_LOG=1 brings FFmpeg's log back to debug.
static void setup(void) {
    static int done = 0;
    if (done) return;
    done = 1;
    const char *log = getenv("HARD_VIDEO_LOG");
    av_log_set_level(log && log[0] == '1' ? AV_LOG_INFO : AV_LOG_QUIET);
    avdevice_register_all();
}

// MARK: Reader

struct hard_video_reader {
    AVFormatContext *format;
    AVCodecContext *decoder;
    struct SwsContext *scaler;
    AVPacket *packet;
    AVFrame *frame;
    int stream;
    int width, height;
    int flushing;
    int64_t skipped;
};

void hard_video_reader_close(hard_video_reader *r) {
    if (!r) return;
    sws_freeContext(r->scaler);
    av_frame_free(&r->frame);
    av_packet_free(&r->packet);
    avcodec_free_context(&r->decoder);
    avformat_close_input(&r->format);
    free(r);
}

hard_video_reader *hard_video_reader_open(const char *path, int is_device, hard_video_info *info, char *message) {
    setup();
    hard_video_reader *r = calloc(1, sizeof *r);
    if (!r) { say(message, "out of memory", 0); return NULL; }
    const AVInputFormat *forced = NULL;
    if (is_device) {
        forced = av_find_input_format("v4l2");
        if (!forced) { say(message, "this FFmpeg has no V4L2 input (libavdevice without v4l2)", 0); free(r); return NULL; }
    }
    int code = avformat_open_input(&r->format, path, forced, NULL);
    if (code < 0) {
        say(message, is_device ? "cannot open the camera" : "not a video FFmpeg can open", code);
        free(r);
        return NULL;
    }
    if ((code = avformat_find_stream_info(r->format, NULL)) < 0) {
        say(message, "cannot read the streams", code);
        hard_video_reader_close(r);
        return NULL;
    }
    const AVCodec *codec = NULL;
    r->stream = av_find_best_stream(r->format, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (r->stream == AVERROR_STREAM_NOT_FOUND) { say(message, "holds no video stream", 0); hard_video_reader_close(r); return NULL; }
    if (r->stream < 0 || !codec) {
        say(message, "no decoder in this FFmpeg for its video codec", r->stream < 0 ? r->stream : 0);
        hard_video_reader_close(r);
        return NULL;
    }
    AVStream *st = r->format->streams[r->stream];
    r->decoder = avcodec_alloc_context3(codec);
    r->packet = av_packet_alloc();
    r->frame = av_frame_alloc();
    if (!r->decoder || !r->packet || !r->frame) { say(message, "out of memory", 0); hard_video_reader_close(r); return NULL; }
    if ((code = avcodec_parameters_to_context(r->decoder, st->codecpar)) < 0 ||
        (code = avcodec_open2(r->decoder, codec, NULL)) < 0) {
        say(message, "cannot open the video decoder", code);
        hard_video_reader_close(r);
        return NULL;
    }
    r->width = r->decoder->width;
    r->height = r->decoder->height;
    if (r->width <= 0 || r->height <= 0 || r->width > HARD_VIDEO_MAX_SIDE || r->height > HARD_VIDEO_MAX_SIDE) {
        char what[96];
        snprintf(what, sizeof what, "unusable frame size %dx%d (each side 1...%d)", r->width, r->height, HARD_VIDEO_MAX_SIDE);
        say(message, what, 0);
        hard_video_reader_close(r);
        return NULL;
    }
    AVRational rate = av_guess_frame_rate(r->format, st, NULL);
    memset(info, 0, sizeof *info);
    info->width = r->width;
    info->height = r->height;
    if (rate.num > 0 && rate.den > 0) {
        info->rate_num = rate.num;
        info->rate_den = rate.den;
    } else {
        info->rate_num = 25;
        info->rate_den = 1;
        info->rate_guessed = 1;
    }
    info->frames_announced = st->nb_frames > 0 ? st->nb_frames : 0;
    snprintf(info->codec, sizeof info->codec, "%s", codec->name);
    return r;
}

// The frame in r->frame as RGB24 at the reader's size.
static int convert(hard_video_reader *r, uint8_t *rgb, char *message) {
    AVFrame *f = r->frame;
    r->scaler = sws_getCachedContext(r->scaler, f->width, f->height, (enum AVPixelFormat)f->format,
                                     r->width, r->height, AV_PIX_FMT_RGB24, SWS_BILINEAR, NULL, NULL, NULL);
    if (!r->scaler) { say(message, "cannot convert the decoded frames to RGB", 0); return -1; }
    uint8_t *planes[4] = {rgb, NULL, NULL, NULL};
    int strides[4] = {r->width * 3, 0, 0, 0};
    sws_scale(r->scaler, (const uint8_t *const *)f->data, f->linesize, 0, f->height, planes, strides);
    return 0;
}

int hard_video_reader_next(hard_video_reader *r, uint8_t *rgb, size_t capacity, char *message) {
    if (capacity < (size_t)r->width * (size_t)r->height * 3) { say(message, "frame buffer too small", 0); return -1; }
    for (;;) {
        int code = avcodec_receive_frame(r->decoder, r->frame);
        if (code == 0) {
            int ok = convert(r, rgb, message);
            av_frame_unref(r->frame);
            return ok == 0 ? 1 : -1;
        }
        if (code == AVERROR_EOF) return 0;
        if (code != AVERROR(EAGAIN)) {
            // A decoder that gives up on a frame: skipped like a damaged packet.
            if (code == AVERROR_INVALIDDATA) { r->skipped++; continue; }
            say(message, "cannot decode", code);
            return -1;
        }
        if (r->flushing) return 0;
        code = av_read_frame(r->format, r->packet);
        if (code == AVERROR(EAGAIN)) continue;  // a camera with no frame ready yet
        if (code == AVERROR_EOF) {
            r->flushing = 1;
            avcodec_send_packet(r->decoder, NULL);
            continue;
        }
        if (code < 0) { say(message, "the file is damaged or cut short", code); return -1; }
        if (r->packet->stream_index != r->stream) { av_packet_unref(r->packet); continue; }
        code = avcodec_send_packet(r->decoder, r->packet);
        av_packet_unref(r->packet);
        if (code == AVERROR_INVALIDDATA) { r->skipped++; continue; }
        if (code < 0 && code != AVERROR(EAGAIN)) { say(message, "cannot decode", code); return -1; }
    }
}

int64_t hard_video_reader_skipped(const hard_video_reader *r) { return r->skipped; }

// MARK: Writer

struct hard_video_writer {
    AVFormatContext *format;
    AVCodecContext *encoder;
    AVStream *stream;
    struct SwsContext *scaler;
    AVFrame *frame;
    AVPacket *packet;
    int64_t next_pts;
};

int hard_video_has_x264(void) { return avcodec_find_encoder_by_name("libx264") != NULL; }

void hard_video_writer_abandon(hard_video_writer *w) {
    if (!w) return;
    sws_freeContext(w->scaler);
    av_frame_free(&w->frame);
    av_packet_free(&w->packet);
    avcodec_free_context(&w->encoder);
    if (w->format) {
        if (w->format->pb) avio_closep(&w->format->pb);
        avformat_free_context(w->format);
    }
    free(w);
}

hard_video_writer *hard_video_writer_open(const char *path, int32_t width, int32_t height,
                                          int32_t rate_num, int32_t rate_den, int32_t quality, char *message) {
    setup();
    if (width <= 0 || height <= 0 || (width & 1) || (height & 1)) { say(message, "yuv420p needs an even width and height", 0); return NULL; }
    if (rate_num <= 0 || rate_den <= 0) { say(message, "the frame rate must be positive", 0); return NULL; }
    hard_video_writer *w = calloc(1, sizeof *w);
    if (!w) { say(message, "out of memory", 0); return NULL; }
    int code = avformat_alloc_output_context2(&w->format, NULL, "mp4", path);
    if (code < 0 || !w->format) { say(message, "this FFmpeg cannot write MP4", code); free(w); return NULL; }
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    int x264 = codec != NULL;
    if (!codec) codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    if (!codec) { say(message, "this FFmpeg has neither libx264 nor an MPEG-4 encoder", 0); hard_video_writer_abandon(w); return NULL; }
    w->stream = avformat_new_stream(w->format, NULL);
    w->encoder = avcodec_alloc_context3(codec);
    w->frame = av_frame_alloc();
    w->packet = av_packet_alloc();
    if (!w->stream || !w->encoder || !w->frame || !w->packet) { say(message, "out of memory", 0); hard_video_writer_abandon(w); return NULL; }
    AVCodecContext *e = w->encoder;
    e->width = width;
    e->height = height;
    e->pix_fmt = AV_PIX_FMT_YUV420P;
    e->time_base = (AVRational){rate_den, rate_num};
    e->framerate = (AVRational){rate_num, rate_den};
    // swscale converts RGB with BT.601 coefficients in limited range: say so in the stream.
    e->color_range = AVCOL_RANGE_MPEG;
    e->colorspace = AVCOL_SPC_SMPTE170M;
    if (x264) {
        char crf[16];
        snprintf(crf, sizeof crf, "%d", quality);
        av_opt_set(e->priv_data, "preset", "veryfast", 0);
        av_opt_set(e->priv_data, "crf", crf, 0);
    } else {
        // MPEG-4 part 2 has no CRF: a fixed quantiser (2 is near transparent, 31 the coarsest).
        e->flags |= AV_CODEC_FLAG_QSCALE;
        int q = quality / 6 < 2 ? 2 : quality / 6 > 31 ? 31 : quality / 6;
        e->global_quality = FF_QP2LAMBDA * q;
    }
    if (w->format->oformat->flags & AVFMT_GLOBALHEADER) e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if ((code = avcodec_open2(e, codec, NULL)) < 0) { say(message, "cannot open the video encoder", code); hard_video_writer_abandon(w); return NULL; }
    if ((code = avcodec_parameters_from_context(w->stream->codecpar, e)) < 0) { say(message, "cannot set up the stream", code); hard_video_writer_abandon(w); return NULL; }
    w->stream->time_base = e->time_base;
    w->stream->avg_frame_rate = e->framerate;
    if ((code = avio_open(&w->format->pb, path, AVIO_FLAG_WRITE)) < 0) { say(message, "cannot create the file", code); hard_video_writer_abandon(w); return NULL; }
    if ((code = avformat_write_header(w->format, NULL)) < 0) { say(message, "cannot write the MP4 header", code); hard_video_writer_abandon(w); return NULL; }
    w->frame->format = e->pix_fmt;
    w->frame->width = width;
    w->frame->height = height;
    if ((code = av_frame_get_buffer(w->frame, 0)) < 0) { say(message, "out of memory", code); hard_video_writer_abandon(w); return NULL; }
    w->scaler = sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL, NULL, NULL);
    if (!w->scaler) { say(message, "cannot convert RGB to yuv420p", 0); hard_video_writer_abandon(w); return NULL; }
    return w;
}

const char *hard_video_writer_codec(const hard_video_writer *w) { return w->encoder->codec->name; }

// Sends one frame (NULL: the end) and writes every packet the encoder has ready.
static int encode(hard_video_writer *w, AVFrame *frame, char *message) {
    int code = avcodec_send_frame(w->encoder, frame);
    if (code < 0) { say(message, "cannot encode", code); return -1; }
    for (;;) {
        code = avcodec_receive_packet(w->encoder, w->packet);
        if (code == AVERROR(EAGAIN) || code == AVERROR_EOF) return 0;
        if (code < 0) { say(message, "cannot encode", code); return -1; }
        av_packet_rescale_ts(w->packet, w->encoder->time_base, w->stream->time_base);
        w->packet->stream_index = w->stream->index;
        code = av_interleaved_write_frame(w->format, w->packet);
        if (code < 0) { say(message, "cannot write", code); return -1; }
    }
}

int hard_video_writer_write(hard_video_writer *w, const uint8_t *rgb, size_t stride, char *message) {
    if (stride < (size_t)w->encoder->width * 3) { say(message, "row stride shorter than a row", 0); return -1; }
    int code = av_frame_make_writable(w->frame);
    if (code < 0) { say(message, "out of memory", code); return -1; }
    const uint8_t *planes[4] = {rgb, NULL, NULL, NULL};
    int strides[4] = {(int)stride, 0, 0, 0};
    sws_scale(w->scaler, planes, strides, 0, w->encoder->height, w->frame->data, w->frame->linesize);
    w->frame->pts = w->next_pts++;
    return encode(w, w->frame, message);
}

int hard_video_writer_finish(hard_video_writer *w, char *message) {
    int ok = encode(w, NULL, message);
    if (ok == 0) {
        int code = av_write_trailer(w->format);
        if (code < 0) { say(message, "cannot write the MP4 index", code); ok = -1; }
    }
    if (ok == 0 && w->format->pb) {
        int code = avio_closep(&w->format->pb);
        if (code < 0) { say(message, "cannot close the file", code); ok = -1; }
    }
    hard_video_writer_abandon(w);
    return ok;
}
