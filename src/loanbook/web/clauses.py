"""From a citation ("002 §6(f)", "003 ¶1", "004 Exhibit A preamble") to the place in the
agreement's own text, so that a figure's clause opens where it is written.

Exhibits number their sections ``6.`` and subsections ``(f)`` at the start of a line, and a
note's paragraphs are its indented blocks of text; a citation we cannot place opens the
document at its top with the citation shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_SECTION = re.compile(r"§\s*(\d+)((?:\([a-z]{1,4}\))*)")
_PARA = re.compile(r"¶\s*(\d+)")
_SUB = re.compile(r"\(([a-z]{1,4})\)")
_ANY_HEAD = re.compile(r"^\s*(\d+\.|\([a-z]{1,4}\))\s")


@dataclass(frozen=True)
class Located:
    """The text split around the cited passage (``before``, ``passage``, ``after``)."""

    before: str
    passage: str
    after: str
    found: bool


def split_cite(cite: str) -> tuple[str, str]:
    """``"002 §6(f)"`` -> ``("002", "§6(f)")``; an assumed clause's marker is dropped."""
    text = cite.replace("[assumed]", "").strip()
    doc, _, rest = text.partition(" ")
    return doc, rest.strip()


def agreement_text(folder: Path | None, source: str | None) -> str | None:
    """The agreement's text named by a term file (``document.source``), inside ``folder``."""
    if folder is None or not source:
        return None
    root = folder.resolve()
    path = (root / source).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def locate(text: str, clause: str) -> Located:
    lines = text.splitlines(keepends=True)
    span = _find(lines, clause)
    if span is None:
        return Located("", "", text, False)
    start, end = span
    return Located("".join(lines[:start]), "".join(lines[start:end]), "".join(lines[end:]), True)


def _find(lines: list[str], clause: str) -> tuple[int, int] | None:
    sec = _SECTION.search(clause)
    if sec:
        return _section(lines, int(sec.group(1)), _SUB.findall(sec.group(2)))
    para = _PARA.search(clause)
    if para:
        return _paragraph(lines, int(para.group(1)))
    if "exhibit" in clause.lower():
        name = re.search(r"exhibit\s+([A-Z0-9]+)", clause, re.IGNORECASE)
        if name:
            pattern = re.compile(rf"^\s*Exhibit\s+{name.group(1)}\s*$", re.IGNORECASE)
            for n, line in enumerate(lines):
                if pattern.match(line):
                    return n, min(len(lines), n + 30)
    if "preamble" in clause.lower():  # everything before section 1
        first = re.compile(r"^\s*1\.\s")
        end = next((n for n, line in enumerate(lines) if first.match(line)), None)
        return (0, end) if end else None
    return None


def _section(lines: list[str], number: int, subs: list[str]) -> tuple[int, int] | None:
    head = re.compile(rf"^\s*{number}\.\s")
    start = next((n for n, line in enumerate(lines) if head.match(line)), None)
    if start is None:
        return None
    following = re.compile(rf"^\s*{number + 1}\.\s")
    end = next((n for n in range(start + 1, len(lines)) if following.match(lines[n])), len(lines))
    if subs:
        sub = re.compile(rf"^\s*\({subs[0]}\)\s")
        found = next((n for n in range(start, end) if sub.match(lines[n])), None)
        if found is not None:
            stop = next((n for n in range(found + 1, end) if _ANY_HEAD.match(lines[n])), end)
            return found, stop
    return start, end


def _paragraph(lines: list[str], number: int) -> tuple[int, int] | None:
    """The ``number``-th paragraph: a block of two or more lines whose first line is indented."""
    blocks: list[tuple[int, int]] = []
    n = 0
    while n < len(lines):
        if not lines[n].strip():
            n += 1
            continue
        start = n
        while n < len(lines) and lines[n].strip():
            n += 1
        first = lines[start]
        indented = re.match(r"^\s{4,}[A-Z\"(]", first) is not None
        if n - start >= 2 and indented:
            blocks.append((start, n))
    return blocks[number - 1] if 0 < number <= len(blocks) else None
