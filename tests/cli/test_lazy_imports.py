"""The CLI module imports no heavy dependency: ``loanbook --help`` should start near Typer's and
Rich's own cost. Checked by what a fresh interpreter has in ``sys.modules`` (not by timing:
timings live in benchmarks/)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "fastapi", "uvicorn", "pandas", "pyarrow", "numba", "numpy", "dask", "yaml")
ENGINES = ("loanbook.book", "loanbook.engine", "loanbook.revolving", "loanbook.storage")


def _modules_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_importing_the_cli_imports_no_heavy_dependency() -> None:
    loaded = _modules_after("import loanbook.cli.main")
    assert "loanbook.cli.main" in loaded
    assert "loanbook.cli.store" in loaded  # the command groups are registered all the same
    assert "sqlalchemy" not in loaded
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]
    assert not [m for m in loaded if m.startswith(ENGINES)]


def test_help_of_a_command_imports_no_heavy_dependency() -> None:
    loaded = _modules_after(
        "import sys\n"
        "from loanbook.cli.main import app\n"
        "sys.argv = ['loanbook', 'status', '--help']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )
    assert "sqlalchemy" not in loaded
    assert not [m for m in loaded if m.startswith(ENGINES)]
