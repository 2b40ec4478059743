"""Reads a safetensors token file into float32 numpy arrays plus its metadata.

Uses the `safetensors` package's numpy loader when it is installed (it cannot hold BF16, which
numpy lacks), else this tiny reader: u64 header length, JSON header, raw little-endian data.
"""
import json

import numpy as np

_NP = {"F32": "<f4", "F16": "<f2", "BF16": "<u2", "F64": "<f8", "I32": "<i4", "I64": "<i8"}

try:  # pragma: no cover - depends on the environment
    from safetensors.numpy import load as _st_load
except ImportError:  # pragma: no cover
    _st_load = None


def _to_f32(raw, dtype):
    if dtype == "BF16":
        return (raw.astype(np.uint32) << 16).view(np.float32)
    return raw.astype(np.float32, copy=False)


def load(path):
    """Returns ({name: float32 array}, metadata dict)."""
    with open(path, "rb") as f:
        buf = f.read()
    n = int.from_bytes(buf[:8], "little")
    header = json.loads(buf[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    if _st_load is not None and all(e["dtype"] != "BF16" for e in header.values()):
        return {k: v.astype(np.float32, copy=False) for k, v in _st_load(buf).items()}, meta
    base = 8 + n
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        dt = np.dtype(_NP[e["dtype"]])
        raw = np.frombuffer(buf, dtype=dt, count=(end - begin) // dt.itemsize, offset=base + begin)
        out[name] = _to_f32(raw, e["dtype"]).reshape(e["shape"])
    return out, meta
