#!/usr/bin/env bash
# Regenerates Fuzz/corpus/video/: tiny clips in the containers and codecs users feed
# `hard segment` (MP4/H.264, MKV/FFV1, AVI/MJPEG, WebM/VP8, MPEG-4 part 2), 3 frames of
# 32x24 each, with the ffmpeg CLI (scripts/bootstrap.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
out=Fuzz/corpus/video
rm -rf "$out"; mkdir -p "$out"
src=(-f lavfi -i testsrc=size=32x24:rate=5 -frames:v 3)
ffmpeg -v error "${src[@]}" -c:v libx264 -pix_fmt yuv420p "$out/h264.mp4"
ffmpeg -v error "${src[@]}" -c:v ffv1 "$out/ffv1.mkv"
ffmpeg -v error "${src[@]}" -c:v mjpeg -q:v 5 "$out/mjpeg.avi"
ffmpeg -v error "${src[@]}" -c:v libvpx -b:v 50k "$out/vp8.webm"
ffmpeg -v error "${src[@]}" -c:v mpeg4 "$out/mpeg4.mp4"
ls -l "$out"
