"""Outstanding against availability over time, as an inline SVG drawn on the server (no
chart library, no script: it prints and works offline)."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from loanbook.api.operations import SeriesPoint

WIDTH, HEIGHT = 880, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 30


def _nice_step(top: float) -> float:
    raw = top / 4 or 1.0
    magnitude = 10.0 ** len(str(int(raw))) / 10
    for factor in (1, 2, 2.5, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


def _label(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.1f}M".replace(".0M", "M")
    if abs(value) >= 1_000:
        return f"{value / 1_000:,.0f}k"
    return f"{value:,.0f}"


def svg(points: list[SeriesPoint], outstanding_label: str = "Outstanding") -> str:
    if len(points) < 2:
        return '<p class="muted">Not enough history to draw.</p>'
    values = [float(p.outstanding) for p in points]
    values += [float(p.availability) for p in points if p.availability is not None]
    low = min(0.0, min(values))
    step = _nice_step(max(values) - low)
    high = step * (int(max(values) / step) + 1)
    low = -step * (int(-low / step) + 1) if low < 0 else 0.0
    span_x = (points[-1].day - points[0].day).days or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(p: SeriesPoint) -> float:
        return LEFT + plot_w * (p.day - points[0].day).days / span_x

    def y(v: Decimal | float) -> float:
        return TOP + plot_h * (high - float(v)) / ((high - low) or 1)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(outstanding_label)} and availability by month">'
    ]
    tick = low
    while tick <= high + 1e-6:
        ty = y(tick)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>'
            f'<text class="axis" x="{LEFT - 8}" y="{ty + 4:.1f}" text-anchor="end">'
            f"{_label(tick)}</text>"
        )
        tick += step
    years = sorted({p.day.year for p in points})
    every = max(1, len(years) // 8)
    for year in years[::every]:
        first = next(p for p in points if p.day.year == year)
        parts.append(
            f'<text class="axis" x="{x(first):.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
            f"{year}</text>"
        )
    line = " ".join(f"{x(p):.1f},{y(p.outstanding):.1f}" for p in points)
    avail = [p for p in points if p.availability is not None]
    if avail:
        area = " ".join(f"{x(p):.1f},{y(p.availability or 0):.1f}" for p in avail)
        base = f"{x(avail[-1]):.1f},{y(0):.1f} {x(avail[0]):.1f},{y(0):.1f}"
        parts.append(f'<polygon class="avail-area" points="{area} {base}"/>')
        parts.append(f'<polyline class="avail" points="{area}"/>')
    parts.append(f'<polyline class="outstanding" points="{line}"/>')
    if low < 0:
        parts.append(
            f'<line class="zero" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}"/>'
        )
    for p in points:
        tip = f"{p.day}: {escape(outstanding_label.lower())} {p.outstanding:,.2f}"
        if p.availability is not None:
            tip += f"; availability {p.availability:,.2f}"
        parts.append(
            f'<circle class="dot" cx="{x(p):.1f}" cy="{y(p.outstanding):.1f}" r="6">'
            f"<title>{tip}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
