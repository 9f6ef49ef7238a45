"""Tables that never cut a figure: columns chosen by the terminal's width, text abbreviated.

A figure (an amount, a date, a count) is printed whole on one line, always: its column is as
wide as its widest value. Text (a clause, a memo, an event key) gives way first: it is
abbreviated with an ellipsis down to a few characters, and when even that does not fit, the
least needed columns are left out and a note says which (``--wide`` shows every column, whole).
A pipe is 80 columns wide unless ``COLUMNS`` says otherwise, like a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

#: Text columns are abbreviated down to this many characters before any column is left out.
MIN_TEXT = 12


@dataclass(frozen=True)
class Column:
    """A column: ``figure`` columns are never cut or wrapped (right-aligned unless ``left``);
    ``drop`` orders the columns left out on a narrow terminal (0: never, higher: first;
    equal ranks together, as debit and credit); a
    text column that would not mean much abbreviated (an account name) has ``shrink`` off
    and is left out rather than cut."""

    header: str
    figure: bool = False
    drop: int = 0
    left: bool = False
    shrink: bool = True
    middle: bool = False  # abbreviate in the middle (ids differ at their ends: ...-lpc, ...-lrg)


def abbreviate(text: str, width: int, middle: bool = False) -> str:
    """``text`` in at most ``width`` characters, an ellipsis marking what is left out (at the
    end, or in the middle so that both ends of an id stay readable)."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    if middle:
        tail = (width - 1) // 2
        return text[: width - 1 - tail] + "…" + (text[-tail:] if tail else "")
    return text[: width - 1] + "…"


def _overhead(count: int) -> int:
    """Borders and padding of a boxed Rich table with ``count`` columns."""
    return 3 * count + 1


def layout(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int, wide: bool
) -> tuple[list[int], list[int | None]]:
    """Which columns to show (indexes) and the width of each shown text column (None:
    natural width). Figures always get their natural width."""
    natural = [
        max([cell_len(c.header), *(cell_len(r[i]) for r in rows)]) for i, c in enumerate(columns)
    ]
    shown = list(range(len(columns)))
    if wide:
        return shown, [None] * len(shown)

    def least(i: int) -> int:
        c = columns[i]
        if c.figure or not c.shrink:
            return natural[i]
        return min(natural[i], max(MIN_TEXT, min(cell_len(c.header), MIN_TEXT)))

    while sum(least(i) for i in shown) + _overhead(len(shown)) > width:
        droppable = [i for i in shown if columns[i].drop > 0]
        if not droppable:
            break
        first = max(columns[i].drop for i in droppable)  # columns of one rank go together
        shown = [i for i in shown if columns[i].drop != first]
    room = width - _overhead(len(shown)) - sum(natural[i] for i in shown if columns[i].figure)
    texts = [i for i in shown if not columns[i].figure]
    widths: dict[int, int] = {i: least(i) for i in texts}
    spare = room - sum(widths.values())
    # Share what is left among the text columns, narrowest need first, so short text is whole.
    for n, i in enumerate(sorted(texts, key=lambda i: natural[i] - widths[i])):
        share = max(spare // (len(texts) - n), 0)
        extra = min(natural[i] - widths[i], share)
        widths[i] += extra
        spare -= extra
    return shown, [None if columns[i].figure else widths[i] for i in shown]


def table_of(
    title: str | None,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    wide: bool = False,
    width: int | None = None,
    caption: str | None = None,
    show_header: bool = True,
) -> tuple[Table, int, list[str]]:
    """The table, the console width it needs, and the headers of the columns left out."""
    width = width or Console().width
    shown, widths = layout(columns, rows, width, wide)
    natural = [
        max([cell_len(c.header), *(cell_len(r[i]) for r in rows)]) for i, c in enumerate(columns)
    ]
    needed = _overhead(len(shown)) + sum(
        natural[i] if w is None else w for i, w in zip(shown, widths, strict=True)
    )
    table = Table(title=title, caption=caption, show_header=show_header)
    for i, w in zip(shown, widths, strict=True):
        c = columns[i]
        if c.figure:
            table.add_column(
                c.header,
                justify="left" if c.left else "right",
                no_wrap=True,
                min_width=natural[i],
            )
        else:
            table.add_column(c.header, no_wrap=True, overflow="ellipsis", width=w)
    for row in rows:
        table.add_row(
            *(
                Text(row[i] if w is None else abbreviate(row[i], w, columns[i].middle))
                for i, w in zip(shown, widths, strict=True)
            )
        )
    hidden = [columns[i].header for i in range(len(columns)) if i not in shown]
    return table, max(width, needed), hidden


def print_table(
    title: str | None,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    wide: bool = False,
    caption: str | None = None,
    show_header: bool = True,
    console: Console | None = None,
) -> None:
    """Print a table whose figures are whole at the console's width (or every column whole,
    ``wide``). A line only grows past the width when the figures alone need more."""
    # The width now (a console made earlier may have fixed its width from the environment).
    width = console.width if console is not None else Console().width
    table, needed, hidden = table_of(
        title, columns, rows, wide=wide, width=width, caption=caption, show_header=show_header
    )
    out = Console(width=max(width, needed), stderr=console.stderr if console else False)
    out.print(table)
    if hidden:
        out.print(
            f"(not shown at {width} columns: {', '.join(hidden)}; --wide shows every column)",
            markup=False,
            soft_wrap=True,
        )
