"""A server-side SVG line chart (no script, no inline style: classes styled by web.css)."""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 44


def _nice_top(value: float) -> float:
    """The axis maximum: the next of 1, 2, 2.5, 5 x 10^n above the largest value (at least 5%)."""
    value = max(value, 0.05)
    exp = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * 10**exp
        if top >= value:
            return top
    return 10 ** (exp + 1)


def rate_chart(labels: list[str], series: list[tuple[str, str, dict[int, float]]], title: str, desc: str) -> Markup:
    """Rates (0..1) at positions 0..len(labels)-1; series are (name, css class, {position: rate})."""
    top = _nice_top(max([v for _, _, pts in series for v in pts.values()] or [0.0]))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(labels), 1)

    def x(i: int) -> float:
        return LEFT + (inner_w * (i + 0.5) / count)

    def y(v: float) -> float:
        return TOP + inner_h * (1 - v / top)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}</desc>',
    ]
    for k in range(5):
        v = top * k / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v * 100:g}%</text>')
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + inner_h}"/>')
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + inner_h}" y2="{TOP + inner_h}"/>')
    for i, label in enumerate(labels):
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{escape(label)}</text>')
    for name, css, points in series:
        ordered = sorted(points.items())
        if len(ordered) > 1:
            path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in ordered)
            parts.append(f'<polyline class="{css}" points="{path}"/>')
        for i, v in ordered:
            parts.append(
                f'<circle class="{css}dot" cx="{x(i):.1f}" cy="{y(v):.1f}" r="4">'
                f"<title>{escape(name)}: {v * 100:.1f}%</title></circle>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
