"""Values between the drill parent and the candidate's process, as data only.

Inputs go to the child and outputs come back as files written with ``torch.save`` and read
with ``torch.load(weights_only=True)``: a file the candidate's code rewrote can hold no
code to run. :func:`encode` turns tensors, arrays, numbers, strings, lists, tuples and
dicts into a tree of plain values and tensors that ``weights_only`` accepts (NumPy arrays
as raw bytes with their dtype, so every dtype comes back exact); :func:`decode` checks
the tree and rebuilds the values, raising :class:`ValueError` on anything else.

>>> import numpy as np
>>> value = {"boxes": torch.ones(2, 4), "labels": np.array([1, 2]), "names": ("a", None)}
>>> back = decode(encode(value))
>>> back["labels"].dtype, back["names"], bool(torch.equal(back["boxes"], value["boxes"]))
(dtype('int64'), ('a', None), True)
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["MAX_FILE_BYTES", "decode", "encode", "load", "save"]

MAX_FILE_BYTES = 256 * 2**20  # an output larger than this is refused unread
_MAX_DEPTH = 64
_PLAIN = (type(None), bool, int, float, complex, str)


def encode(value: Any, _depth: int = 0) -> Any:
    """``value`` as plain data and tensors; :class:`TypeError` for anything else."""
    if _depth > _MAX_DEPTH:
        raise TypeError("nested too deeply")
    if type(value) in _PLAIN:  # exact types: NumPy's float64 and str_ subclass float and str
        return value
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        return ["tensor", tensor.to_dense() if tensor.layout != torch.strided else tensor.clone()]
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise TypeError("a NumPy array of Python objects")
        data = torch.frombuffer(bytearray(np.ascontiguousarray(array).tobytes()) or bytearray(1), dtype=torch.uint8)
        return ["ndarray", array.dtype.str, list(array.shape), data, isinstance(value, np.generic)]
    if isinstance(value, list):
        return ["list", [encode(v, _depth + 1) for v in value]]
    if isinstance(value, tuple):
        return ["tuple", [encode(v, _depth + 1) for v in value]]
    if isinstance(value, dict):
        return ["dict", [[encode(k, _depth + 1), encode(v, _depth + 1)] for k, v in value.items()]]
    raise TypeError(f"a {type(value).__module__}.{type(value).__qualname__}")


def decode(tree: Any, _depth: int = 0) -> Any:
    """The value :func:`encode` made ``tree`` from; :class:`ValueError` if it is malformed."""
    if _depth > _MAX_DEPTH:
        raise ValueError("nested too deeply")
    if isinstance(tree, _PLAIN):
        return tree
    if not isinstance(tree, list) or not tree or not isinstance(tree[0], str):
        raise ValueError(f"unexpected {type(tree).__name__} in the data")
    tag, rest = tree[0], tree[1:]
    if tag == "tensor" and len(rest) == 1 and isinstance(rest[0], torch.Tensor):
        return rest[0]
    if tag == "ndarray" and len(rest) == 4:
        dtype, shape, data, scalar = rest
        if not (isinstance(dtype, str) and isinstance(shape, list) and all(isinstance(n, int) and n >= 0 for n in shape)
                and isinstance(data, torch.Tensor) and data.dtype == torch.uint8 and isinstance(scalar, bool)):
            raise ValueError("malformed array")
        kind = np.dtype(dtype)
        if kind.hasobject:
            raise ValueError("an array of Python objects")
        count = int(np.prod(shape, dtype=np.int64))
        raw = data.numpy().tobytes()[: count * kind.itemsize]
        if len(raw) != count * kind.itemsize:
            raise ValueError("array data shorter than its shape")
        array = np.frombuffer(raw, dtype=kind).reshape(shape).copy()
        return array[()] if scalar else array
    if tag in ("list", "tuple") and len(rest) == 1 and isinstance(rest[0], list):
        items = [decode(v, _depth + 1) for v in rest[0]]
        return items if tag == "list" else tuple(items)
    if tag == "dict" and len(rest) == 1 and isinstance(rest[0], list):
        pairs = rest[0]
        if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise ValueError("malformed dict")
        return {decode(k, _depth + 1): decode(v, _depth + 1) for k, v in pairs}
    raise ValueError(f"unknown entry {tag[:40]!r} in the data")


def save(path: str | Path, tree: Any) -> None:
    """Write an encoded tree (through a temporary file and a rename)."""
    path = Path(path)
    buffer = io.BytesIO()
    torch.save(tree, buffer)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)


def load(path: str | Path) -> Any:
    """Read an encoded tree without running code from it; :class:`ValueError` if the file is
    too large or not one :func:`save` wrote."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{size / 2**20:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit")
    try:
        return torch.load(io.BytesIO(path.read_bytes()), weights_only=True)
    except Exception as e:  # unpickling errors come in many types; none may run code here
        raise ValueError(f"unreadable ({type(e).__name__})") from None
