"""A small bar chart of results per year (or per month inside one year), drawn as SVG on the
server so it works without JavaScript; every bar is a link that narrows the search.

The SVG has no viewBox: bars are placed in percentages of its width and the text is in CSS
pixels, so it stretches to any width without the labels shrinking to nothing on a phone.
Labels that would collide on a narrow screen carry ``hide-narrow`` (site.css hides them there).
Each bar is a link with an ``aria-label`` ("2020: 7 kết quả"), reachable with the keyboard;
years or months without results are drawn as a flat line so the time axis has no gaps. No chart
is drawn when the results fall in a single bar (one result, one year, one month).
"""

from __future__ import annotations

from math import ceil
from typing import Any

from markupsafe import Markup, escape

from .filters import with_args

HEIGHT = 118          # px, the whole chart
TOP = 18              # room for the count above the tallest bar
BASE = 94             # the baseline the bars stand on
LABEL_Y = 111         # axis labels
NARROW_LABELS = 9     # at most this many year labels on a phone
WIDE_LABELS = 24      # and on a desktop


def histogram_mode(result: dict[str, Any], args: dict[str, Any]) -> tuple[str, str | None]:
    """``("month", "2021")`` when the results sit in one year (chosen or not), else ``("year", None)``."""
    chosen = [str(y) for y in args.get("year", [])]
    if len(chosen) == 1:
        return "month", chosen[0]
    years = [f["value"] for f in result["facets"].get("year", []) if f["count"]]
    if not chosen and len(years) == 1:
        return "month", str(years[0])
    return "year", None


def _bars(result: dict[str, Any], args: dict[str, Any]) -> tuple[str, str | None, list[dict[str, Any]]]:
    mode, year = histogram_mode(result, args)
    if mode == "month":
        counts = {f["value"]: f["count"] for f in result["facets"].get("month", []) if f["value"].startswith(f"{year}-")}
        chosen = set(args.get("month", []))
        bars = []
        for m in range(1, 13):
            value = f"{year}-{m:02d}"
            bars.append({
                "value": value, "count": counts.get(value, 0), "label": f"T{m}",
                "name": f"Tháng {m:02d}/{year}", "selected": value in chosen,
                "href": with_args(args, month=None if value in chosen else [value]),
            })
        return mode, year, bars
    counts = {int(f["value"]): f["count"] for f in result["facets"].get("year", []) if f["count"]}
    if not counts:
        return mode, None, []
    chosen = {str(y) for y in args.get("year", [])}
    bars = []
    for y in range(min(counts), max(counts) + 1):
        bars.append({
            "value": str(y), "count": counts.get(y, 0), "label": str(y), "name": f"Năm {y}",
            "selected": str(y) in chosen, "href": with_args(args, year=[str(y)], month=None),
        })
    return mode, None, bars


def _pct(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") + "%"


def histogram_caption(result: dict[str, Any], args: dict[str, Any]) -> str:
    mode, year = histogram_mode(result, args)
    return f"Số kết quả theo tháng trong năm {year}" if mode == "month" else "Số kết quả theo năm"


def says_something(result: dict[str, Any], bars: list[dict[str, Any]]) -> bool:
    """A chart is worth its room only when the results spread over two bars or more: one
    result, or all of them in one year or one month, is said by the count and the facets."""
    total = result.get("total", sum(b["count"] for b in bars))
    return total > 1 and sum(1 for b in bars if b["count"]) > 1


def histogram_svg(result: dict[str, Any], args: dict[str, Any]) -> Markup:
    """The chart as SVG markup, or nothing when it would say nothing (see ``says_something``)."""
    mode, year, bars = _bars(result, args)
    if not bars or not says_something(result, bars):
        return Markup("")
    n = len(bars)
    peak = max(b["count"] for b in bars)
    slot = 100 / n
    bar_w = slot * 0.78
    short = max(len(b["label"]) for b in bars) <= 3  # "T12" fits twelve across a phone, "2024" does not
    narrow_step = ceil(n / (12 if short else NARROW_LABELS))
    wide_step = ceil(n / WIDE_LABELS)
    caption = histogram_caption(result, args)
    # escaped by hand and joined (Markup.format's formatter was most of the chart's time)
    parts = [f'<svg class="histogram" width="100%" height="{HEIGHT}" role="group" aria-label="{escape(caption)}" '
             'xmlns="http://www.w3.org/2000/svg">',
             f'<line class="axis" x1="0" x2="100%" y1="{BASE + 0.5}" y2="{BASE + 0.5}"></line>']
    for i, bar in enumerate(bars):
        x = i * slot + (slot - bar_w) / 2
        mid = _pct(i * slot + slot / 2)
        from_end = n - 1 - i
        label_cls = "label"
        if from_end % narrow_step:
            label_cls += " hide-narrow"
        if from_end % wide_step:
            label_cls += " hide-wide"
        count_cls = "count" + (" hide-narrow" if n > 13 else "") + (" hide-wide" if n > 30 else "")
        label = (f'<text class="{label_cls}" x="{mid}" y="{LABEL_Y}" text-anchor="middle" aria-hidden="true">'
                 f'{escape(bar["label"])}</text>')
        if not bar["count"]:
            parts.append(f'<g class="empty"><title>{escape(bar["name"])}: không có kết quả</title>'
                         f'<rect class="bar" x="{_pct(x)}" y="{BASE - 1}" width="{_pct(bar_w)}" height="1"></rect>'
                         f'{label}</g>')
            continue
        h = max(3, round(bar["count"] / peak * (BASE - TOP)))
        state = "đang chọn, bấm để bỏ chọn" if bar["selected"] and mode == "month" else (
            "đang chọn" if bar["selected"] else "bấm để lọc")
        text = f"{bar['name']}: {bar['count']} kết quả"
        current = ' aria-current="true"' if bar["selected"] else ""
        parts.append(
            f'<a href="{escape(bar["href"])}" class="{"on" if bar["selected"] else ""}" '
            f'aria-label="{escape(f"{text} ({state})")}"{current}><title>{escape(text)}</title>'
            f'<rect class="hit" x="{_pct(i * slot)}" y="0" width="{_pct(slot)}" height="{HEIGHT}"></rect>'
            f'<rect class="bar" x="{_pct(x)}" y="{BASE - h}" width="{_pct(bar_w)}" height="{h}"></rect>'
            f'<text class="{count_cls}" x="{mid}" y="{BASE - h - 4}" text-anchor="middle" aria-hidden="true">'
            f'{escape(bar["count"])}</text>{label}</a>')
    parts.append("</svg>")
    return Markup("".join(parts))

