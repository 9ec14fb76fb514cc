"""Jinja filters: Vietnamese dates and numbers, URL building that keeps every filter, and the
list of active filters (for the removable chips and the "no results" suggestions)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from flask import Flask
from markupsafe import Markup

from indexer.collation import sort_key
from indexer.datequery import presets
from indexer.service import ARGS, FILTER_ARGS, past_last_message

from .links import query_url

# URL arguments that narrow a search (everything in ``SearchParams.as_query_args`` but q/sort/per_page).
FILTER_KEYS = FILTER_ARGS


def vn_date(value: str | None) -> str:
    """``2020-07-16`` -> ``16/07/2020`` (day first, as Vietnamese readers expect)."""
    if not value:
        return "không rõ ngày"
    try:
        d = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def vn_month(value: str | None) -> str:
    """``2020-07`` -> ``07/2020``."""
    value = str(value or "")
    if len(value) >= 7 and value[4] == "-":
        return f"{value[5:7]}/{value[:4]}"
    return value


def vn_number(value: int | float) -> str:
    """Thousands with a dot, decimals with a comma: ``1234.5`` -> ``1.234,5``."""
    if isinstance(value, float) and not value.is_integer():
        whole, _, frac = f"{value:,.1f}".partition(".")
        return whole.replace(",", ".") + "," + frac
    return f"{int(value):,}".replace(",", ".")


def vn_seconds(ms: float) -> str:
    """Time taken, as a reader wants it: ``30,1 ms`` or ``1,25 giây``."""
    if ms >= 1000:
        return f"{ms / 1000:.2f}".replace(".", ",") + " giây"
    return vn_number(round(float(ms), 1)) + " ms"


# Build times are stored in UTC; readers are in Viet Nam (UTC+7 all year, no daylight saving).
VIETNAM = timezone(timedelta(hours=7), "ICT")
BUILD_MODES = {"full": "xây dựng lại toàn bộ", "incremental": "cập nhật các tệp mới và đã sửa"}


def vn_datetime(value: str | None) -> str:
    """An ISO timestamp (``2026-11-29T02:00:03Z``) -> ``29/11/2026 lúc 09:00`` in Viet Nam time."""
    if not value:
        return "không rõ"
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if when.tzinfo is not None:
        when = when.astimezone(VIETNAM)
    return f"{when.day:02d}/{when.month:02d}/{when.year} lúc {when.hour:02d}:{when.minute:02d}"


def vn_decimal(value: float | int | None, digits: int = 2) -> str:
    """``4.92`` -> ``4,92``: the decimal comma (and thousands dot) the rest of the site writes."""
    if value is None:
        return "–"
    whole, _, frac = f"{float(value):,.{digits}f}".partition(".")
    whole = whole.replace(",", ".")
    frac = frac.rstrip("0")
    return whole + ("," + frac if frac else "")


def build_mode(value: str | None) -> str:
    return BUILD_MODES.get(str(value or ""), str(value or "không rõ"))


def quoted_query(q: str | None) -> str:
    """The query for "kết quả cho …": in quotes, unless it has quotes of its own (a phrase),
    whose straight quotes become the curly ones around it: ``"cụm thi đua"`` -> ``“cụm thi đua”``."""
    q = (q or "").strip()
    if not any(c in q for c in "\"“”"):
        return f"“{q}”"
    out, opening = [], True
    for ch in q:
        if ch == '"':
            out.append("“" if opening else "”")
            opening = not opening
        else:
            out.append(ch)
    return "".join(out)


def facet_order(values: list[dict[str, Any]], chosen: list[str]) -> list[dict[str, Any]]:
    """Facet values with the ticked ones first (so a click never moves what was clicked), then
    by count, ties in Vietnamese alphabetical order (Đ after D, tones in dictionary order)."""
    picked = {str(c) for c in chosen}
    return sorted(values, key=lambda f: (str(f["value"]) not in picked, -int(f["count"]), sort_key(str(f["value"]))))


def date_presets(args: dict[str, Any], facets: dict[str, list[dict[str, Any]]], today: date | None = None
                 ) -> list[dict[str, Any]]:
    """One-click ranges for the date form: this year, the last 12 months, each year with
    results (from the year facet); each a URL keeping the other filters, and whether it is on."""
    years = [int(f["value"]) for f in facets.get("year", []) if f.get("count")]
    out = []
    for label, start, end in presets(today or date.today(), years):
        on = args.get("from") == start.isoformat() and args.get("to") == end.isoformat()
        changes = {"from": None, "to": None} if on else {"from": start.isoformat(), "to": end.isoformat()}
        out.append({"label": label, "on": on, "url": with_args(args, year=None, month=None, **changes)})
    return out


def web_url(value: str | None) -> str | None:
    """The value if it is an http(s) address (safe to use as a link), else ``None``."""
    if value and str(value).lower().startswith(("http://", "https://")):
        return str(value)
    return None


def with_args(args: dict[str, Any], endpoint: str = "views.search", **changes: Any) -> str:
    """A URL for ``endpoint`` with ``args`` changed: ``None`` removes a key; page resets unless given."""
    merged = {k: (list(v) if isinstance(v, list) else v) for k, v in args.items()}
    if "page" not in changes:
        merged.pop("page", None)
    for key, value in changes.items():
        if value is None or value == []:
            merged.pop(key, None)
        else:
            merged[key] = value
    if merged.get("page") == 1:
        merged.pop("page")
    return query_url(endpoint, merged)


def toggle(args: dict[str, Any], key: str, value: str) -> str:
    """URL that adds ``value`` to a multi-valued filter, or removes it when present."""
    values = [str(v) for v in args.get(key, [])]
    if str(value) in values:
        values.remove(str(value))
    else:
        values.append(str(value))
    return with_args(args, **{key: values or None})


def without(args: dict[str, Any], key: str, value: str | None = None) -> dict[str, Any]:
    """``args`` with one filter value (or the whole key when ``value`` is None) removed."""
    out = {k: (list(v) if isinstance(v, list) else v) for k, v in args.items() if k != "page"}
    if key not in out:
        return out
    if value is None or not isinstance(out[key], list):
        out.pop(key)
    else:
        out[key] = [v for v in out[key] if str(v) != str(value)]
        if not out[key]:
            out.pop(key)
    return out


def active_filters(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Every active filter: kind (Vietnamese), label, and the args/URL without it."""
    out: list[dict[str, Any]] = []

    def add(key: str, value: str | None, kind: str, label: str) -> None:
        rest = without(args, key, value)
        out.append({"key": key, "value": value, "kind": kind, "label": label, "args": rest,
                    "url": with_args(rest)})

    for v in args.get(ARGS.agency, []):
        add(ARGS.agency, v, "Cơ quan", v)
    for v in args.get(ARGS.unit, []):
        add(ARGS.unit, v, "Đơn vị", v)
    for v in args.get(ARGS.kind, []):
        add(ARGS.kind, v, "Loại", kind_label(v))
    for v in args.get(ARGS.year, []):
        add(ARGS.year, str(v), "Năm", str(v))
    for v in args.get(ARGS.month, []):
        add(ARGS.month, v, "Tháng", vn_month(v))
    if args.get(ARGS.date_from):
        add(ARGS.date_from, None, "Từ ngày", vn_date(args[ARGS.date_from]))
    if args.get(ARGS.date_to):
        add(ARGS.date_to, None, "Đến ngày", vn_date(args[ARGS.date_to]))
    if args.get(ARGS.group):
        add(ARGS.group, None, "Tin", "các bài cùng một tin")
    return out


KIND_LABELS = {"tin": "Tin bài", "văn bản": "Văn bản đính kèm"}


def kind_label(value: str | None) -> str:
    """A value of the kind facet as readers call it: news, or the documents attached to it."""
    return KIND_LABELS.get(str(value or ""), str(value or ""))


def hidden_inputs(args: dict[str, Any], exclude: tuple[str, ...] = ()) -> Markup:
    """``<input type=hidden>`` for every argument except ``exclude`` (forms that change one thing)."""
    parts = []
    for key, value in args.items():
        if key in exclude or key == "page":
            continue
        for v in value if isinstance(value, list) else [value]:
            parts.append(Markup('<input type="hidden" name="{}" value="{}">').format(key, v))
    return Markup("\n").join(parts)


# The "·" between the items of a result's or an article's byline: it keeps to the item before it
# (a no-break space), so a narrow screen never starts a line with one.
SEPARATOR = Markup('&nbsp;<span class="sep" aria-hidden="true">·</span> ')


def install_filters(app: Flask) -> None:
    app.jinja_env.trim_blocks = True  # no blank lines where template tags were
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["vn_date"] = vn_date
    app.jinja_env.filters["vn_month"] = vn_month
    app.jinja_env.filters["kind_label"] = kind_label
    app.jinja_env.filters["vn_number"] = vn_number
    app.jinja_env.filters["vn_seconds"] = vn_seconds
    app.jinja_env.filters["web_url"] = web_url
    app.jinja_env.filters["vn_datetime"] = vn_datetime
    app.jinja_env.filters["vn_decimal"] = vn_decimal
    app.jinja_env.filters["build_mode"] = build_mode
    app.jinja_env.filters["quoted_query"] = quoted_query
    app.jinja_env.filters["facet_order"] = facet_order
    app.jinja_env.globals["date_presets"] = date_presets
    app.jinja_env.globals["vn_month"] = vn_month
    app.jinja_env.globals["kind_label"] = kind_label
    app.jinja_env.globals["with_args"] = with_args
    app.jinja_env.globals["toggle"] = toggle
    app.jinja_env.globals["active_filters"] = active_filters
    app.jinja_env.globals["hidden_inputs"] = hidden_inputs
    app.jinja_env.globals["FILTER_KEYS"] = FILTER_KEYS
    app.jinja_env.globals["past_last_message"] = past_last_message
    app.jinja_env.globals["separator"] = SEPARATOR
