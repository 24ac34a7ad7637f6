#!/usr/bin/env python3
"""Writes models/src/test/resources/fixtures/python.safetensors with an independent writer.

The file follows the safetensors format as the reference implementation writes it (8-byte
little-endian header length, a JSON header padded with spaces to a multiple of 8, then the
raw little-endian data in header order), built here with struct, json and numpy only, so
that SafetensorsTest checks Kiln's reader against a file Kiln did not write. The Debian
python3-torch here has no `safetensors` package; `read(path)` below is the matching
independent reader, used to check files Kiln writes:

    /usr/bin/python3 tools/make_safetensors_fixture.py            # writes the fixture
    /usr/bin/python3 tools/make_safetensors_fixture.py FILE...    # reads Kiln-written files

The expected values are simple formulas that the test recomputes.
"""
import json
import struct
import sys

import numpy as np

OUT = "models/src/test/resources/fixtures/python.safetensors"
OUT_DTYPES = "models/src/test/resources/fixtures/python_dtypes.safetensors"


def tensors():
    return {
        # F32 [2, 3]: i * 0.5 - 1
        "layer.weight": (np.arange(6, dtype=np.float32) * np.float32(0.5) - np.float32(1)).reshape(2, 3),
        # F64 [4]: 1 / (i + 1)
        "layer.bias": 1.0 / (np.arange(4, dtype=np.float64) + 1.0),
        # I32 [3, 1]: -(i * 1000) + 7
        "counts": (-(np.arange(3, dtype=np.int32) * 1000) + 7).reshape(3, 1),
        # BOOL [5]: i % 2 == 0
        "mask": np.arange(5) % 2 == 0,
        # 0-d F32: pi
        "scalar": np.array(np.float32(np.pi)),
        # empty F32 [0, 4]
        "empty": np.zeros((0, 4), dtype=np.float32),
    }


def bf16(values):
    """BF16 bits of float32 values that BF16 holds exactly (the top 16 bits of each float)."""
    bits = np.array(values, dtype=np.float32).view(np.uint32)
    assert np.all(bits & 0xFFFF == 0), "values must be exact in BF16"
    return ("BF16", (bits >> 16).astype(np.uint16))


def tensors_dtypes():
    """The other five dtypes Kiln reads (written to OUT_DTYPES)."""
    return {
        # F16 [2, 2]: values exact in half precision, a subnormal and the largest finite one
        "half": np.array([[1.5, -2.0], [2.0 ** -24, 65504.0]], dtype=np.float16),
        # BF16 [3]
        "brain": bf16([1.0, -0.5, 2.0 ** 100]),
        # I64 [3]: beyond 2^53, the extremes
        "long": np.array([2 ** 53 + 1, -(2 ** 63), 2 ** 63 - 1], dtype=np.int64),
        # I8 [2, 2]
        "int8": np.array([[-128, 127], [0, -1]], dtype=np.int8),
        # U8 [4]
        "uint8": np.array([0, 1, 200, 255], dtype=np.uint8),
    }


DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int32): "I32", np.dtype(np.bool_): "BOOL",
          np.dtype(np.float16): "F16", np.dtype(np.int64): "I64", np.dtype(np.int8): "I8", np.dtype(np.uint8): "U8"}


def write(path, ts, metadata):
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, a in ts.items():
        kind, a = a if isinstance(a, tuple) else (DTYPES[a.dtype], a)
        b = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": kind, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read(path):
    """The tensors (numpy arrays) and metadata of a safetensors file, checking the layout."""
    np_types = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "BOOL": "|b1", "F16": "<f2", "BF16": "<u2", "I64": "<i8",
                "I8": "|i1", "U8": "|u1"}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    out = {}
    end = 0
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        b, t = e["data_offsets"]
        assert b == end, f"{name}: gap or overlap at {b} (expected {end})"
        a = np.frombuffer(body[b:t], dtype=np_types[e["dtype"]])
        assert a.size == int(np.prod(e["shape"])), f"{name}: size {a.size} does not match shape {e['shape']}"
        out[name] = a.reshape(e["shape"])
        end = t
    assert end == len(body), f"{len(body) - end} trailing bytes"
    return out, meta


if __name__ == "__main__":
    if len(sys.argv) > 1:
        for p in sys.argv[1:]:
            ts, meta = read(p)
            print(p, "metadata", meta)
            for k, v in ts.items():
                print(f"  {k}: {v.dtype} {list(v.shape)} sum={v.astype(np.float64).sum():.9g}")
    else:
        write(OUT, tensors(), {"format": "pt", "written_by": "tools/make_safetensors_fixture.py"})
        print("wrote", OUT)
        write(OUT_DTYPES, tensors_dtypes(), {"format": "pt", "written_by": "tools/make_safetensors_fixture.py"})
        print("wrote", OUT_DTYPES)
