"""Mutation testing (mutmut, pinned in the dev dependencies), one module at a time.

    make mutate                       # every module below, one after the other
    make mutate MODULES="money time"  # some of them
    .venv/bin/python benchmarks/mutate.py --modules money --jobs 1

For each module a scratch copy of the project is made in ``.mutate/<module>/`` with a
``[tool.mutmut]`` section naming the files to mutate and the tests that are fast enough to
run against every mutant (the tests that exercise the module: mutmut runs, for each mutant,
only the selected tests that reach the mutated function). The run writes, per module,
``.mutate/<module>/survivors.txt`` (every surviving mutant with its file, line and diff) and
prints the score; ``--report FILE`` appends a Markdown summary (killed / total, by file, and
the survivors by file and line).

Not part of ``make test``: it takes minutes to hours depending on the module and machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Module:
    name: str
    files: tuple[str, ...]  # globs under src/, mutmut's only_mutate patterns
    tests: tuple[str, ...]  # the fast test selection run against its mutants
    pytest_args: tuple[str, ...] = ()  # e.g. -k to keep one database of the storage tests
    # Functions whose mutants only a PostgreSQL test can kill (the selection runs on SQLite),
    # and those tests: with ``--pg`` each surviving mutant of these functions is applied by
    # hand to the scratch copy and the tests run against it on PostgreSQL.
    pg_functions: tuple[str, ...] = ()
    pg_tests: tuple[str, ...] = ()


MODULES = (
    Module(
        "money",
        ("src/loanbook/money.py",),
        (
            "tests/money",
            "tests/engine/test_cit_note.py",
            "tests/revolving/test_borrowing_base_rules.py",
        ),
    ),
    Module(
        "time",
        ("src/loanbook/time/*",),
        (
            "tests/time/test_adjust.py",
            "tests/time/test_calendar.py",
            "tests/time/test_daycount.py",
            "tests/time/test_schedule.py",
            "tests/time/test_edges.py",
        ),
    ),
    Module(
        "rates",
        ("src/loanbook/rates/*",),
        ("tests/rates", "tests/engine/test_cit_note.py", "tests/golden/test_golden.py"),
    ),
    Module(
        "terms-versioning",
        ("src/loanbook/terms/versioning.py",),
        (
            "tests/terms/test_versioning_unit.py",
            "tests/terms/test_versioning_parties.py",
            "tests/terms/test_amendment_ops.py",
        ),
    ),
    Module(
        "engine",
        ("src/loanbook/engine/*",),
        (
            "tests/engine",
            "tests/golden",
            "tests/actus/test_actus.py",
            "tests/actus/test_engine_features.py",
        ),
    ),
    # The waterfall, dues, accrual and terms-over-time of the engine, with its fastest tests
    # (a subset of "engine", for a machine where the whole engine takes too long).
    Module(
        "engine-core",
        (
            "src/loanbook/engine/servicing.py",
            "src/loanbook/engine/dues.py",
            "src/loanbook/engine/accrual.py",
            "src/loanbook/engine/history.py",
        ),
        ("tests/engine", "tests/golden"),
    ),
    Module(
        "revolving",
        ("src/loanbook/revolving/*",),
        (
            "tests/revolving/test_revolver.py",
            "tests/revolving/test_borrowing_base_rules.py",
            "tests/revolving/test_revolver_parts.py",
            "tests/revolving/test_eurodollar_paths.py",
            "tests/revolving/test_certificate_rules.py",
            "tests/revolving/test_proceeds_parts.py",
        ),
        ("-k", "not example_book"),
    ),
    # The storage tests run on SQLite only here (PostgreSQL doubles the time), and without
    # the ones that start other processes (those import the unmutated package). The
    # PostgreSQL-only paths of record.py (the per-loan lock, the PostgreSQL insert) are
    # checked by applying their mutants by hand (``--pg-mutants``, see benchmarks/README.md).
    Module(
        "storage-record",
        ("src/loanbook/storage/record.py",),
        (
            "tests/storage/test_record_paths.py",
            "tests/storage/test_record_checks.py",
            "tests/storage/test_events.py",
            "tests/storage/test_record_races.py",
        ),
        ("-k", "not postgresql and not two_run"),
        # record_events passes the items to lock_loans, and insert_events runs the insert
        # whose conflict only a racing writer (PostgreSQL) produces.
        ("lock_loans", "_insert_ignoring_duplicates", "record_events", "insert_events"),
        (
            "tests/storage/test_record_races.py::"
            "test_concurrent_prepayments_are_serialized_per_loan[postgresql]",
            "tests/storage/test_record_races.py::"
            "test_a_racing_writer_with_other_content_under_the_same_key_is_refused[postgresql]",
        ),
    ),
    # A few days of the CIT note (and the revolver's accounts) per run: test_close.py's runs
    # of a year take minutes per mutant here.
    Module(
        "storage-close",
        ("src/loanbook/storage/close.py",),
        (
            "tests/storage/test_close_paths.py",
            "tests/storage/test_close.py::test_a_loan_that_fails_is_reported_and_the_others_posted",
        ),
        ("-k", "not postgresql"),
    ),
)
BY_NAME = {m.name: m for m in MODULES}


def toml_list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def prepare(module: Module) -> Path:
    """A scratch project: src, tests, examples and pyproject.toml with the mutmut section."""
    work = ROOT / ".mutate" / module.name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for name in ("src", "tests", "examples"):
        shutil.copytree(
            ROOT / name,
            work / name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis"),
        )
    pytest_args = ["-p", "no:cacheprovider", "-x", *module.pytest_args]
    config = (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {toml_list(module.files)}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(module.tests)}\n"
        f"pytest_add_cli_args = {toml_list(pytest_args)}\n"
        'also_copy = ["examples"]\n'
    )
    (work / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text() + config)
    return work


ALIVE = ("survived", "no tests", "timeout", "suspicious")
STATUS = re.compile(r"^\s+(\S+): (.+)$")


def results(work: Path, mutmut: str) -> dict[str, str]:
    out = subprocess.run(
        [mutmut, "results", "--all", "true"], cwd=work, capture_output=True, text=True
    )
    found = {}
    for line in out.stdout.splitlines():
        m = STATUS.match(line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


DIFFS = """
import json, sys
from mutmut.__main__ import find_mutant, get_diff_for_mutant
out = {}
for name in json.loads(sys.stdin.read()):
    out[name] = get_diff_for_mutant(name, path=find_mutant(name).path)
print(json.dumps(out))
"""


def diffs_of(work: Path, names: list[str]) -> dict[str, str]:
    """Every mutant's diff, from one process (``mutmut show`` per mutant is slow)."""
    if not names:
        return {}
    out = subprocess.run(
        [sys.executable, "-c", DIFFS],
        cwd=work,
        input=json.dumps(names),
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, str] = json.loads(out.stdout)
    return found


def where(diff: str, name: str) -> tuple[str, int]:
    """The file and line of the source that a mutant changes. mutmut's diff is of the
    function alone (its lines numbered from the ``def``), so the changed line is the
    function's first line in the file plus its place in the diff's hunk (the mutant's name
    ends in ``x_<function>__mutmut_<n>``)."""
    path = "?"
    at = None  # the changed line, counted from the function's first line (1)
    hunk = offset = 0
    for text in diff.splitlines():
        if text.startswith(("--- ", "+++ ")):
            path = text[4:].strip() if text.startswith("--- ") else path
        elif text.startswith("@@"):
            found = re.match(r"@@ -(\d+)", text)
            hunk, offset = (int(found.group(1)) if found else 1), 0
        elif text.startswith("-"):
            at = hunk + offset
            break
        elif not text.startswith("+"):
            offset += 1
    source = ROOT / path
    if at is None or not source.is_file():
        return path, 0
    lines = source.read_text().splitlines()
    begin = next(
        (i for i, t in enumerate(lines) if re.match(rf"\s*(async )?def {function_of(name)}\b", t)),
        0,
    )
    return path, begin + at


def function_of(name: str) -> str:
    """The function a mutant changes (``x_<function>__mutmut_<n>``, methods ``xǁClassǁm``)."""
    function = name.rsplit("__mutmut_", 1)[0].rsplit(".", 1)[-1]
    return function.split("ǁ")[-1].removeprefix("x_")


PYTEST_PLUGINS_OFF = ("-p", "no:cacheprovider", "-p", "no:randomly")


def apply_and_test(
    module: Module, work: Path, mutmut: str, names: list[str], tests: list[str], jobs: int = 1
) -> dict[str, str]:
    """Apply each mutant by hand to the scratch copy's source and run ``tests`` (pytest
    arguments) against it: "killed" when a test fails, "survived" when they pass. PostgreSQL
    is the machine's test server unless LOANBOOK_TEST_POSTGRES_URL says otherwise. With
    ``jobs`` > 1 the mutants are shared among that many copies of the scratch project (one
    mutant applied per copy at a time), tested at once."""
    if jobs > 1 and len(names) > 1:
        copies = []
        for i in range(jobs):
            copy = work.with_name(f"{work.name}-apply-{i}")
            if copy.exists():
                shutil.rmtree(copy)
            shutil.copytree(work, copy, symlinks=True)
            copies.append(copy)
        with ThreadPoolExecutor(jobs) as pool:
            parts = pool.map(
                lambda i: apply_and_test(module, copies[i], mutmut, names[i::jobs], tests),
                range(jobs),
            )
            merged = {k: v for part in parts for k, v in part.items()}
        for copy in copies:
            shutil.rmtree(copy)
        return {n: merged[n] for n in names}
    out: dict[str, str] = {}
    env = {
        **os.environ,
        "CI": "true",
        "PYTHONPATH": str(work / "src"),
        "LOANBOOK_TEST_POSTGRES_URL": os.environ.get(
            "LOANBOOK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    }
    pristine = [(p, work / p.relative_to(ROOT)) for f in module.files for p in ROOT.glob(f)]
    for name in names:
        for source, copy in pristine:
            shutil.copy(source, copy)
        subprocess.run([mutmut, "apply", name], cwd=work, check=True, capture_output=True)
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", *PYTEST_PLUGINS_OFF, *tests],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        out[name] = {0: "survived", 1: "killed"}.get(proc.returncode, f"error {proc.returncode}")
    for source, copy in pristine:  # the scratch copy as it was
        shutil.copy(source, copy)
    return out


def run_module(
    module: Module,
    jobs: int,
    mutmut: str,
    collect_only: bool,
    pg: bool = False,
    recheck: bool = False,
) -> dict[str, object]:
    work = ROOT / ".mutate" / module.name
    seconds = 0.0
    exit_code = 0
    if not collect_only:
        work = prepare(module)
        env = {**os.environ, "CI": "true"}  # the hypothesis profile of CI: the same examples
        began = time.monotonic()
        proc = subprocess.run(
            [mutmut, "run", "--max-children", str(jobs)],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - began
        exit_code = proc.returncode
        (work / "mutmut-run.log").write_text(proc.stdout + proc.stderr)
    elif (work / "summary.json").exists():
        seconds = json.loads((work / "summary.json").read_text()).get("seconds", 0)
    found = results(work, mutmut)
    counts = Counter(found.values())
    survivors = []
    lines = []
    alive = [n for n, s in sorted(found.items()) if s in ALIVE]
    diffs = diffs_of(work, alive)
    for name in alive:
        status = found[name]
        diff = diffs[name]
        path, line = where(diff, name)
        survivors.append({"name": name, "status": status, "file": path, "line": line})
        lines.append(f"## {path}:{line} {name} ({status})\n{diff}\n")
    (work / "survivors.txt").write_text("".join(lines))
    killed = counts.get("killed", 0) + counts.get("caught by type check", 0)
    total = sum(counts.values())
    on_pg: dict[str, str] = {}
    if pg and module.pg_functions:
        names = [n for n in alive if function_of(n) in module.pg_functions]
        on_pg = apply_and_test(module, work, mutmut, names, list(module.pg_tests), jobs)
        for s in survivors:
            if s["name"] in on_pg:
                s["postgresql"] = on_pg[s["name"]]
    pg_killed = sum(1 for v in on_pg.values() if v == "killed")
    again: dict[str, str] = {}
    if recheck:  # the survivors against the tests as they are now (tests added since the run)
        shutil.rmtree(work / "tests")
        shutil.copytree(
            ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        names = [n for n in alive if on_pg.get(n) != "killed"]
        again = apply_and_test(
            module, work, mutmut, names, [*module.tests, *module.pytest_args], jobs
        )
        for s in survivors:
            if s["name"] in again:
                s["recheck"] = again[s["name"]]
    rechecked = sum(1 for v in again.values() if v == "killed")
    return {
        "module": module.name,
        "files": list(module.files),
        "tests": list(module.tests),
        "total": total,
        "killed": killed,
        "score": round(100 * killed / total, 1) if total else None,
        "killed_on_postgresql": pg_killed,
        "score_with_postgresql": round(100 * (killed + pg_killed) / total, 1) if total else None,
        "killed_on_recheck": rechecked,
        "score_with_recheck": (
            round(100 * (killed + pg_killed + rechecked) / total, 1) if total else None
        ),
        "counts": dict(counts),
        "seconds": round(seconds),
        "survivors": survivors,
        "exit_code": exit_code,
    }


def markdown(summary: dict[str, object]) -> str:
    survivors = summary["survivors"]
    assert isinstance(survivors, list)
    out = [
        f"### {summary['module']}: {summary['killed']} of {summary['total']} killed "
        f"({summary['score']}%), {summary['seconds']} s",
        "",
        f"- mutated: {', '.join(summary['files'])}",  # type: ignore[arg-type]
        f"- tests: {', '.join(summary['tests'])}",  # type: ignore[arg-type]
        f"- outcomes: {summary['counts']}",
    ]
    if summary.get("killed_on_recheck"):
        out.append(
            f"- killed on recheck (`--collect-only --recheck`: the survivors applied by hand, "
            f"the tests as they are now): {summary['killed_on_recheck']}, score with them "
            f"{summary['score_with_recheck']}%"
        )
    if summary.get("killed_on_postgresql"):
        out.append(
            f"- killed on PostgreSQL by hand (`--pg`): {summary['killed_on_postgresql']}, "
            f"score with them {summary['score_with_postgresql']}%"
        )
    by_file: dict[str, list[str]] = {}
    for s in survivors:
        function = s["name"].rsplit("__mutmut_", 1)[0].rsplit(".", 1)[-1]
        by_file.setdefault(s["file"], []).append(f"{s['line']} ({function})")
    for path, where_ in sorted(by_file.items()):
        out.append(f"- survivors in {path}, lines: {', '.join(where_)}")
    return "\n".join(out) + "\n\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", nargs="*", default=[m.name for m in MODULES])
    parser.add_argument(
        "--jobs", type=int, default=1, help="mutants run (or applied, --pg/--recheck) at once"
    )
    parser.add_argument("--report", type=Path, help="append a Markdown summary to this file")
    parser.add_argument(
        "--collect-only", action="store_true", help="report on the last run, do not run again"
    )
    parser.add_argument(
        "--pg",
        action="store_true",
        help="apply the survivors of PostgreSQL-only functions by hand, run PostgreSQL tests",
    )
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="apply each survivor of the last run by hand and run the selection as it is now",
    )
    args = parser.parse_args()
    mutmut = str(Path(sys.executable).parent / "mutmut")
    unknown = [m for m in args.modules if m not in BY_NAME]
    if unknown:
        parser.error(f"unknown modules {unknown}; known: {', '.join(BY_NAME)}")
    for name in args.modules:
        summary = run_module(
            BY_NAME[name], args.jobs, mutmut, args.collect_only, args.pg, args.recheck
        )
        summary_path = ROOT / ".mutate" / name / "summary.json"
        summary_path.write_text(json.dumps(summary, indent=2))
        print(
            f"{name}: {summary['killed']}/{summary['total']} killed ({summary['score']}%) "
            f"in {summary['seconds']} s"
            + (
                f"; {summary['killed_on_postgresql']} more on PostgreSQL by hand "
                f"({summary['score_with_postgresql']}%)"
                if summary["killed_on_postgresql"]
                else ""
            )
            + (
                f"; {summary['killed_on_recheck']} more on recheck "
                f"({summary['score_with_recheck']}%)"
                if summary["killed_on_recheck"]
                else ""
            )
            + f"; survivors in .mutate/{name}/survivors.txt",
            flush=True,
        )
        if args.report:
            with args.report.open("a") as fh:
                fh.write(markdown(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
