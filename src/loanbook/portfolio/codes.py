# mypy: disable-error-code="no-any-return"
"""The code of each value of a text column (day count, convention, calendar...) among the few
names it may take: the kernel's fields are integers.

Arrow's ``dictionary_encode`` hashes every value into a table of the values it has met, and a
loan table has eleven such columns. Here each value is compared, byte by byte, with the names
of its length only (a few, of a few bytes each), loans in parallel: about half the time
(1,000,000 day counts: 19 against 38 CPU ms; ``benchmarks/README.md``).
"""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa
from numba import njit, prange

from loanbook.portfolio import jitcache


@njit(cache=True, parallel=True, nogil=True)
def _match(
    offsets: np.ndarray,
    data: np.ndarray,
    names_off: np.ndarray,
    names: np.ndarray,
    values: np.ndarray,
    out: np.ndarray,
    missing: np.ndarray,
) -> None:
    """``out[i]``: ``values[k]`` of the name ``k`` equal to value i (bytes
    ``data[offsets[i]:offsets[i + 1]]``); ``missing[i]`` where none is."""
    for i in prange(out.shape[0]):
        s = offsets[i]
        length = offsets[i + 1] - s
        found = -1
        for k in range(values.shape[0]):
            a = names_off[k]
            if names_off[k + 1] - a != length:
                continue
            same = True
            for j in range(length):
                if data[s + j] != names[a + j]:
                    same = False
                    break
            if same:
                found = k
                break
        out[i] = values[found] if found >= 0 else 0
        missing[i] = found < 0


def codes(column: pa.ChunkedArray, table: dict[str, int]) -> tuple[np.ndarray, str | None]:
    """The code of each value of ``column`` (text without nulls) by ``table``: (codes, the
    first value not in ``table``, or None)."""
    arr = column.combine_chunks()
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    n = len(arr)
    out = np.empty(n, np.int64)
    if n == 0:
        return out, None
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, np.int32)[arr.offset : arr.offset + n + 1]
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    encoded = [name.encode() for name in table]
    names_off = np.zeros(len(encoded) + 1, np.int64)
    names_off[1:] = np.cumsum([len(e) for e in encoded])
    names = np.frombuffer(b"".join(encoded) or b"\0", np.uint8)
    values = np.array(list(table.values()), np.int64)
    missing = np.empty(n, np.bool_)
    _match(offsets, data, names_off, names, values, out, missing)
    if missing.any():
        return out, str(arr[int(np.argmax(missing))].as_py())
    return out, None


# Cached machine code compiled from other sources than these is dropped (jitcache says why).
jitcache.guard(sys.modules[__name__], (sys.modules[__name__],))
