"""A small bar chart of results per year (or per month inside one year), drawn as SVG on the
server so it works without JavaScript; every bar is a link that narrows the search."""

from __future__ import annotations

from html import escape
from typing import Any

from .filters import with_args

WIDTH, HEIGHT, GAP = 600, 80, 2


def histogram_svg(result: dict[str, Any], args: dict[str, Any]) -> str:
    years = sorted(result["facets"].get("year", []), key=lambda f: f["value"])
    by_month = len(years) == 1 or bool(args.get("year"))
    if by_month:
        bars = sorted(result["facets"].get("month", []), key=lambda f: f["value"])
        link = lambda v: with_args(args, month=[v])  # noqa: E731
        label = lambda v: f"{v[5:7]}/{v[:4]}"  # noqa: E731
    else:
        bars = years
        link = lambda v: with_args(args, year=[v])  # noqa: E731
        label = str
    if not bars:
        return ""
    peak = max(b["count"] for b in bars)
    width = max(8, (WIDTH - GAP * len(bars)) // len(bars))
    parts = [f'<svg class="histogram" viewBox="0 0 {len(bars) * (width + GAP)} {HEIGHT + 16}" '
             f'role="img" aria-label="Số kết quả theo {"tháng" if by_month else "năm"}" xmlns="http://www.w3.org/2000/svg">']
    for i, bar in enumerate(bars):
        h = max(2, round(bar["count"] / peak * HEIGHT))
        x = i * (width + GAP)
        text = f'{label(bar["value"])}: {bar["count"]} kết quả'
        parts.append(
            f'<a href="{escape(link(bar["value"]))}"><title>{escape(text)}</title>'
            f'<rect x="{x}" y="{HEIGHT - h}" width="{width}" height="{h}"></rect>'
            f'<text x="{x + width / 2}" y="{HEIGHT + 12}" text-anchor="middle">{escape(label(bar["value"])[-2:] if by_month else label(bar["value"])[-2:])}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)
