// FFmpeg's libraries (Debian 12: libavformat-dev, libavcodec-dev, libswscale-dev, libavutil-dev,
// libavdevice-dev; FFmpeg 5.1). Used only through the C shim in Sources/CVideoShim: no Swift
// code calls av_* (FFmpeg's structs change between versions; the shim's do not).
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libswscale/swscale.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
