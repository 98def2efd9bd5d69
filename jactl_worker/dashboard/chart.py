"""The Fleet page's activity chart as server-rendered SVG: no chart library, no script.

Four series (starts, parks, resumes, completions) per minute over the last hour, from the
per-minute counts the fleet's processes flush to Redis (metrics.read_activity). Each point
carries a <title>, so hovering shows the minute and the count.
"""

from __future__ import annotations

import time
from html import escape

SERIES = (("starts", "#2563eb"), ("parks", "#d97706"), ("resumes", "#059669"), ("completions", "#7c3aed"))
WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 24, 30, 28


def _nice_max(v: int) -> int:
    """A y-axis top that splits into four whole-numbered steps."""
    return max(4, -(-v // 4) * 4)


def render(rows: list[dict]) -> str:
    """SVG markup for ``rows`` (oldest first, each {minute, starts, parks, resumes, completions})."""
    n = max(len(rows), 2)
    peak = _nice_max(max((r[s] for r in rows for s, _ in SERIES), default=0))
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i):
        return LEFT + pw * i / (n - 1)

    def y(v):
        return TOP + ph - ph * v / peak

    out = [f'<svg id="activity-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'width="100%" role="img" aria-label="Starts, parks, resumes and completions per minute, last hour">']
    for k in range(5):  # horizontal grid and y labels
        v = peak * k / 4
        yy = y(v)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{yy:.1f}" y2="{yy:.1f}" class="grid"/>')
        out.append(f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end" class="axis">{v:g}</text>')
    for i, r in enumerate(rows):  # x labels every 10 minutes
        if i % 10 == 0 or i == len(rows) - 1:
            label = time.strftime("%H:%M", time.gmtime(r["minute"] * 60))
            out.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="middle" class="axis">{label}</text>')
    for name, color in SERIES:
        pts = " ".join(f"{x(i):.1f},{y(r[name]):.1f}" for i, r in enumerate(rows))
        out.append(f'<polyline class="series series-{name}" data-series="{name}" fill="none" stroke="{color}" '
                   f'stroke-width="2" points="{pts}"/>')
        for i, r in enumerate(rows):
            if r[name]:
                when = time.strftime("%H:%M", time.gmtime(r["minute"] * 60))
                out.append(f'<circle cx="{x(i):.1f}" cy="{y(r[name]):.1f}" r="3" fill="{color}">'
                           f'<title>{escape(name)} {when} UTC: {r[name]}</title></circle>')
    lx = LEFT + 8
    for name, color in SERIES:  # legend
        total = sum(r[name] for r in rows)
        out.append(f'<rect x="{lx}" y="2" width="10" height="10" fill="{color}"/>'
                   f'<text x="{lx + 14}" y="{11}" class="legend">{name} ({total})</text>')
        lx += 150
    out.append("</svg>")
    return "".join(out)
