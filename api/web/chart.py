"""Server-side SVG charts (no script, no inline style: classes styled by web.css): the quality report's line chart
and a candidate pair's match weights as horizontal bars."""

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


BAR_WIDTH, ROW = 720, 24
LABEL_X, BARS_LEFT, BARS_RIGHT = 8, 300, 652  # labels, then the bars, then the signed weights


def weight_chart(rows: list[tuple[str, str, float, str]], title: str, ident: str) -> Markup:
    """Signed weights as horizontal bars from a zero axis (splink's waterfall, laid flat): rows are (label,
    detail, weight, kind) with kind "prior", "field" or "total"; bars are green when positive, red when negative,
    scaled to the largest |weight|. `ident` is the svg's id, unique on a page of several charts."""
    low = min([0.0, *(w for _, _, w, _ in rows)])
    high = max([0.0, *(w for _, _, w, _ in rows)])
    scale = (BARS_RIGHT - BARS_LEFT) / ((high - low) or 1.0)
    zero = BARS_LEFT - low * scale
    height = ROW * len(rows) + 16
    spoken = "; ".join(" ".join(filter(None, (label, detail, f"{weight:+.2f}"))) for label, detail, weight, _ in rows)
    parts = [
        f'<svg class="chart weights" id="{escape(ident)}" viewBox="0 0 {BAR_WIDTH} {height}" role="img" '
        f'aria-label="{escape(f"{title}: {spoken}")}">',
        f"<title>{escape(title)}</title>",
    ]
    for k, (label, detail, weight, kind) in enumerate(rows):
        top = 8 + k * ROW
        base = top + ROW / 2 + 4
        if kind == "total":
            parts.append(f'<line class="grid" x1="{LABEL_X}" x2="{BAR_WIDTH - 8}" y1="{top}" y2="{top}"/>')
        sign = "pos" if weight > 0 else "neg" if weight < 0 else "zero"
        x, width = (zero, weight * scale) if weight >= 0 else (zero + weight * scale, -weight * scale)
        tip = f"{label}: {detail}, {weight:+.2f}" if detail else f"{label}: {weight:+.2f}"
        level = f' <tspan class="level">{escape(detail)}</tspan>' if detail else ""
        parts.append(
            f'<g class="{kind}"><title>{escape(tip)}</title>'
            f'<text x="{LABEL_X}" y="{base:.1f}">{escape(label)}{level}</text>'
            f'<rect class="bar {kind} {sign}" x="{x:.1f}" y="{top + 4}" width="{width:.1f}" height="{ROW - 8}"/>'
            f'<text class="value" x="{BAR_WIDTH - 8}" y="{base:.1f}" text-anchor="end">{weight:+.2f}</text></g>'
        )
    parts.append(f'<line class="axis" x1="{zero:.1f}" x2="{zero:.1f}" y1="4" y2="{height - 4}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
