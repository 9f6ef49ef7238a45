"""Numba's cache never runs machine code compiled from older sources (portfolio.jitcache).

Numba invalidates a cached function only when its own file changes; the kernels call each
other across files, so the guard stamps each module's cache with a hash of every source it
depends on. The second test shows the hazard on a module without the guard, then the guard.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import loanbook
import loanbook.portfolio
from loanbook.portfolio import engine  # noqa: F401  (imports every compiled module)
from loanbook.portfolio.jitcache import GUARDED, compiled

PORTFOLIO = loanbook.portfolio.__name__


def test_every_compiled_module_guards_the_modules_it_calls() -> None:
    modules = [
        importlib.import_module(f"{PORTFOLIO}.{m.name}")
        for m in pkgutil.iter_modules(loanbook.portfolio.__path__)
    ]
    with_code = [m for m in modules if compiled(m)]
    assert {m.__name__ for m in with_code} >= {f"{PORTFOLIO}.{n}" for n in ("kernel", "loop")}
    for module in with_code:
        assert module.__name__ in GUARDED, module.__name__
        covered = set(GUARDED[module.__name__])
        assert module.__name__ in covered
        called = {
            v.py_func.__module__
            for v in vars(module).values()
            if hasattr(v, "py_func") and v.py_func.__module__.startswith(PORTFOLIO)
        }
        assert called <= covered, (module.__name__, called - covered)


def _write(root: Path, name: str, text: str) -> None:
    (root / "pkg" / name).write_text(textwrap.dedent(text))


def _run(root: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    src = str(Path(loanbook.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([str(root), src])
    code = "import pkg.guarded as g, pkg.plain as p; print(g.outer(), p.outer())"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_change_to_a_called_module_recompiles_its_callers(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    _write(tmp_path, "__init__.py", "")
    inner = """\
        from numba import njit

        @njit(cache=True)
        def inner():
            return {value}
        """
    _write(tmp_path, "inner.py", inner.format(value=1))
    outer = """\
        from numba import njit
        from pkg.inner import inner

        @njit(cache=True)
        def outer():
            return inner() + 10
        """
    guard = """
        import sys
        from loanbook.portfolio import jitcache

        jitcache.guard(sys.modules[__name__], (sys.modules["pkg.inner"], sys.modules[__name__]))
        """
    _write(tmp_path, "guarded.py", outer + guard)  # the twins differ by the guard alone
    _write(tmp_path, "plain.py", outer)
    assert _run(tmp_path) == "11 11"
    cache = tmp_path / "pkg" / "__pycache__"
    assert list(cache.glob("guarded.*.nbi")) and list(cache.glob("plain.*.nbi"))

    path = tmp_path / "pkg" / "inner.py"
    before = path.stat()
    _write(tmp_path, "inner.py", inner.format(value=2))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 10**10))
    # Numba's own rule: the unguarded caller still runs the old inner function inlined.
    assert _run(tmp_path) == "12 11"
    # And the guarded module keeps its fresh cache once it matches the sources again.
    stamp = (cache / "guarded.sources.sha256").read_text()
    assert _run(tmp_path) == "12 11"
    assert (cache / "guarded.sources.sha256").read_text() == stamp
    assert list(cache.glob("guarded.*.nbi"))
