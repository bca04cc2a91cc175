"""Whether a GGUF file holds all the tensor data its header announces, without loading it.

llama.cpp refuses a file whose tensors reach past its end ("tensor data is not within the
file bounds"), and ``evalatlas eval`` then says the file may be truncated. This reads the
header's tensor table (name, shape, type, offset) and applies that same rule, so a check
that must not load the model (a queued submission) refuses the same files, in the same
words.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

from evalatlas.errors import ModelError

TRUNCATED_ADVICE = "file may be truncated; re-download it"
DEFAULT_ALIGNMENT = 32
_ALIGNMENT_KEY = "general.alignment"
_STRING, _ARRAY, _UINT32 = 8, 9, 4
_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


class _End(Exception):
    """The header stops before what it announced."""


class _Reader:
    def __init__(self, buf: mmap.mmap) -> None:
        self.buf, self.at = buf, 0

    def take(self, fmt: str) -> int:
        width = struct.calcsize(fmt)
        if self.at + width > len(self.buf):
            raise _End
        (value,) = struct.unpack_from(fmt, self.buf, self.at)
        self.at += width
        return int(value)

    def skip(self, count: int) -> None:
        if self.at + count > len(self.buf):
            raise _End
        self.at += count

    def string(self) -> bytes:
        length = self.take("<Q")
        start = self.at
        self.skip(length)
        return bytes(self.buf[start : self.at])


def tensor_data_end(path: Path) -> int:
    """The byte offset where the last tensor's data ends; ModelError when the header
    itself is cut short or names a tensor type this version does not know."""
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        reader = _Reader(buf)
        try:
            return _data_end(reader)
        except (_End, KeyError, ValueError):
            raise ModelError(
                f"the GGUF header ends early or is malformed; {TRUNCATED_ADVICE}"
            ) from None


def check_complete(path: Path) -> None:
    """ModelError (the words ``eval`` uses) unless every tensor lies inside the file."""
    needed = tensor_data_end(path)
    size = path.stat().st_size
    if needed > size:
        raise ModelError(
            f"the GGUF file holds {size} bytes but its tensors need {needed}; {TRUNCATED_ADVICE}"
        )


def _data_end(reader: _Reader) -> int:
    reader.skip(8)  # magic, version
    tensor_count, kv_count = reader.take("<Q"), reader.take("<Q")
    alignment = DEFAULT_ALIGNMENT
    for _ in range(kv_count):
        key = reader.string()
        value_type = reader.take("<I")
        if key == _ALIGNMENT_KEY.encode() and value_type == _UINT32:
            alignment = reader.take("<I") or DEFAULT_ALIGNMENT
        else:
            _skip_value(reader, value_type)
    end = 0
    for _ in range(tensor_count):
        reader.string()
        dims = [reader.take("<Q") for _ in range(reader.take("<I"))]
        tensor_type, offset = reader.take("<I"), reader.take("<Q")
        end = max(end, offset + _tensor_bytes(dims, tensor_type))
    data_start = -(-reader.at // alignment) * alignment
    return data_start + end


def _skip_value(reader: _Reader, value_type: int) -> None:
    if value_type == _STRING:
        reader.string()
    elif value_type == _ARRAY:
        element_type, count = reader.take("<I"), reader.take("<Q")
        if element_type in (_STRING, _ARRAY):
            for _ in range(count):
                _skip_value(reader, element_type)
        else:
            reader.skip(count * _SCALAR_SIZES[element_type])
    else:
        reader.skip(_SCALAR_SIZES[value_type])


def _tensor_bytes(dims: list[int], tensor_type: int) -> int:
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

    block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(tensor_type)]
    elements = 1
    for dim in dims:
        elements *= dim
    return elements // block * type_size
