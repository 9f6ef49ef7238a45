"""Numba's on-disk cache, kept from running a compiled kernel older than its sources.

Numba keys each cached function on the modification time and size of the file that defines
it, and nothing else. ``loop.py`` and ``paid.py`` call (and Numba inlines) functions of
``kernel.py`` and ``loop.py``: after a change to ``kernel.py`` alone, the machine code cached
for ``loop.run_one`` would still carry the old kernel, and the portfolio engine would compute
yesterday's cents from today's code without a word. Numba documents this limitation; a loan
system cannot live with it.

So every module that compiles with ``cache=True`` calls :func:`guard` at its end, naming the
modules its compiled code depends on. The guard hashes their sources and compares the hash
with a stamp kept beside the module's cache files; when they differ it deletes that module's
cache files (Numba then compiles afresh and writes new ones) and writes the new stamp. If the
cache folder cannot be written, the module's functions are compiled afresh in this process
and not cached at all. Two processes guarding at once (Dask workers, test workers) only ever
delete stale files or files compiled from the same sources.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from numba.core.caching import NullCache
from numba.core.registry import CPUDispatcher

STAMP_SUFFIX = ".sources.sha256"

#: Each guarded module's name -> the names of the modules its stamp covers (for the tests).
GUARDED: dict[str, tuple[str, ...]] = {}


def sources_digest(modules: Sequence[ModuleType]) -> str:
    """One hash of the source files of ``modules`` (in the order given)."""
    h = hashlib.sha256()
    for module in modules:
        path = Path(module.__file__ or "")
        h.update(path.name.encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def compiled(module: ModuleType) -> list[Any]:
    """The dispatchers a module defines with ``cache=True``."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, CPUDispatcher)
        and value.py_func.__module__ == module.__name__
        and not isinstance(getattr(value, "_cache", None), NullCache)
    ]


def guard(module: ModuleType, depends_on: Sequence[ModuleType]) -> None:
    """Drop ``module``'s cached machine code unless it was compiled from these sources.

    ``depends_on`` lists every module whose compiled functions ``module``'s call (the module
    itself included); call this at the end of ``module``, before any of its functions runs.
    """
    GUARDED[module.__name__] = tuple(m.__name__ for m in depends_on)
    dispatchers = compiled(module)
    if not dispatchers:
        return
    digest = sources_digest(depends_on)
    stem = Path(module.__file__ or "").stem
    folders = {Path(d._cache.cache_path) for d in dispatchers}
    fresh = all(_refresh(folder, stem, digest) for folder in folders)
    if not fresh:
        for d in dispatchers:
            d._cache = NullCache()


def _refresh(folder: Path, stem: str, digest: str) -> bool:
    """Make ``folder``'s cache files for ``stem`` match ``digest``; False if it cannot."""
    stamp = folder / f"{stem}{STAMP_SUFFIX}"
    try:
        if stamp.read_text() == digest:
            return True
    except FileNotFoundError:
        pass
    except OSError:
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for pattern in (f"{stem}.*.nbi", f"{stem}.*.nbc"):
            for path in folder.glob(pattern):
                path.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{stem}.", suffix=".tmp")
        with os.fdopen(fd, "w") as out:
            out.write(digest)
        os.replace(tmp, stamp)
    except OSError:
        return False
    return True
