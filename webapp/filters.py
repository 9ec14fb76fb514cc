"""Jinja filters: Vietnamese dates and numbers, URL building that keeps every filter, and the
list of active filters (for the removable chips and the "no results" suggestions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask, url_for
from markupsafe import Markup

# URL arguments that narrow a search (everything in ``SearchParams.as_query_args`` but q/sort/per_page).
FILTER_KEYS = ("agency", "unit", "year", "month", "from", "to")


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
    return url_for(endpoint, **merged)


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

    for v in args.get("agency", []):
        add("agency", v, "Cơ quan", v)
    for v in args.get("unit", []):
        add("unit", v, "Đơn vị", v)
    for v in args.get("year", []):
        add("year", str(v), "Năm", str(v))
    for v in args.get("month", []):
        add("month", v, "Tháng", vn_month(v))
    if args.get("from"):
        add("from", None, "Từ ngày", vn_date(args["from"]))
    if args.get("to"):
        add("to", None, "Đến ngày", vn_date(args["to"]))
    return out


def hidden_inputs(args: dict[str, Any], exclude: tuple[str, ...] = ()) -> Markup:
    """``<input type=hidden>`` for every argument except ``exclude`` (forms that change one thing)."""
    parts = []
    for key, value in args.items():
        if key in exclude or key == "page":
            continue
        for v in value if isinstance(value, list) else [value]:
            parts.append(Markup('<input type="hidden" name="{}" value="{}">').format(key, v))
    return Markup("\n").join(parts)


def install_filters(app: Flask) -> None:
    app.jinja_env.trim_blocks = True  # no blank lines where template tags were
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["vn_date"] = vn_date
    app.jinja_env.filters["vn_month"] = vn_month
    app.jinja_env.filters["vn_number"] = vn_number
    app.jinja_env.filters["vn_seconds"] = vn_seconds
    app.jinja_env.filters["web_url"] = web_url
    app.jinja_env.globals["vn_month"] = vn_month
    app.jinja_env.globals["with_args"] = with_args
    app.jinja_env.globals["toggle"] = toggle
    app.jinja_env.globals["active_filters"] = active_filters
    app.jinja_env.globals["hidden_inputs"] = hidden_inputs
    app.jinja_env.globals["FILTER_KEYS"] = FILTER_KEYS
