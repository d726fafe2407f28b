"""A small safetensors reader and writer (F32 only), the format of Sources/HardNN/SafeTensors.swift:
an 8-byte little-endian header length N, N bytes of JSON header (padded with spaces to a
multiple of 8), then the raw little-endian tensor bytes."""

import json
import os
import tempfile

import numpy as np

MAX_HEADER_BYTES = 100_000_000


def encode(tensors, metadata=None) -> bytes:
    """tensors: list of (name, float32 array) in order; metadata: dict of str -> str."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    blobs = []
    for name, a in tensors:
        if name in header:
            raise ValueError(f"safetensors: duplicate tensor name {name}")
        a = np.ascontiguousarray(a, dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    js = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    js += b" " * (-len(js) % 8)
    return len(js).to_bytes(8, "little") + js + b"".join(blobs)


def decode(data: bytes):
    """Returns ({name: float32 array}, {metadata}); raises ValueError on a damaged blob."""
    if len(data) < 8:
        raise ValueError(f"file is {len(data)} bytes, shorter than the 8-byte header length")
    n = int.from_bytes(data[:8], "little")
    if n > MAX_HEADER_BYTES or n > len(data) - 8:
        raise ValueError(f"header length {n} exceeds the file ({len(data)} bytes) or the 100 MB limit")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    body = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, entry in header.items():
        if entry.get("dtype") != "F32":
            raise ValueError(f"{name}: dtype {entry.get('dtype')} is not supported (only F32)")
        shape = [int(d) for d in entry["shape"]]
        begin, end = (int(o) for o in entry["data_offsets"])
        count = int(np.prod(shape)) if shape else 1
        if not (0 <= begin <= end <= len(body)) or end - begin != 4 * count:
            raise ValueError(f"{name}: data_offsets {begin, end} do not fit shape {shape}")
        tensors[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(shape).copy()
    return tensors, metadata


def write_atomically(data: bytes, path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)   # mkstemp makes 0600; a checkpoint is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save(path: str, tensors, metadata=None) -> None:
    write_atomically(encode(tensors, metadata), path)


def load(path: str):
    with open(path, "rb") as f:
        return decode(f.read())
