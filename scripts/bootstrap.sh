#!/usr/bin/env bash
# Installs what `hard` needs and is missing: Debian packages through apt-get (as root or
# with sudo), Python tools into the project-local virtual environment .venv.
# On macOS it names the Homebrew formulas instead. Safe to run again: it only installs
# what is absent.
#
#   scripts/bootstrap.sh            system packages for building and testing
#   scripts/bootstrap.sh --python   also the Python venv (fixture generation, ONNX checks)
#   scripts/bootstrap.sh --torch    also .venv-torch with PyTorch for the twin in Tools/torch
#                                   (about 3 GB: the wheel pulls its CUDA libraries)
set -euo pipefail

cd "$(dirname "$0")/.."

# Debian packages the code links against or runs.
# qemu-system-arm, gcc-arm-none-eabi, libnewlib-arm-none-eabi: the Cortex-M7 firmware (Firmware/).
# llvm-14: llvm-mca-14, whose Cortex-M7 scheduling model the cycle model costs blocks with.
# zlib1g-dev: zlib for the .mat reader (Sources/CZlib; libpng-dev brings it too).
# chromium: the test that renders `hard report`'s HTML page headless and checks the screenshot.
# libav*-dev: video decode and encode through FFmpeg's libraries (Sources/CVideoShim, `hard segment clip.mp4`);
# ffmpeg: the CLI, which the video tests use to make a clip.
DEBIAN_PACKAGES=(libdnnl-dev libpng-dev zlib1g-dev libturbojpeg0-dev qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi llvm-14 chromium
    libavformat-dev libavcodec-dev libswscale-dev libavutil-dev libavdevice-dev ffmpeg)

want_python=0
want_torch=0
for arg in "$@"; do
    case "$arg" in
        --python) want_python=1 ;;
        --torch) want_torch=1 ;;
        *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
    esac
done

if [[ "$(uname -s)" == "Darwin" ]]; then
    missing=()
    for f in onednn libpng jpeg-turbo ffmpeg; do brew list --formula "$f" >/dev/null 2>&1 || missing+=("$f"); done
    if ((${#missing[@]})); then
        echo "bootstrap: please install with Homebrew: brew install ${missing[*]}" >&2
        exit 1
    fi
else
    missing=()
    for p in "${DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "bootstrap: installing ${missing[*]}"
        SUDO=""
        if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
        export DEBIAN_FRONTEND=noninteractive
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
fi

if ((want_python)); then
    if [[ ! -x .venv/bin/python ]]; then
        echo "bootstrap: creating .venv"
        python3 -m venv .venv
    fi
    # Nothing is installed here yet by default: later tools add their requirements file.
    if [[ -f Tools/requirements.txt ]]; then
        .venv/bin/pip install -q -r Tools/requirements.txt
    fi
    if [[ -f Tools/requirements-nodeps.txt ]]; then
        .venv/bin/pip install -q --no-deps -r Tools/requirements-nodeps.txt
    fi
fi

if ((want_torch)); then
    # Only Tools/torch (the PyTorch twin, `make test-torch`) needs this venv. A stamp of the
    # requirements file skips pip when nothing changed.
    stamp=.venv-torch/.requirements.sha256
    want_sum="$(sha256sum Tools/torch/requirements.txt | cut -d' ' -f1)"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want_sum" ]]; then
        echo "bootstrap: installing PyTorch into .venv-torch from Tools/torch/requirements.txt."
        echo "bootstrap: note: PyTorch's wheel pulls its CUDA libraries, about 3 GB to download and unpack."
        [[ -x .venv-torch/bin/python ]] || python3 -m venv .venv-torch
        .venv-torch/bin/pip install -q -r Tools/torch/requirements.txt
        echo "$want_sum" > "$stamp"
    fi
fi
