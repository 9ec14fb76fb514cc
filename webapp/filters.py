"""Jinja filters: Vietnamese dates and URL building that keeps every filter."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask, url_for


def vn_date(value: str | None) -> str:
    """``2020-07-16`` -> ``16/07/2020`` (day first, as Vietnamese readers expect)."""
    if not value:
        return "không rõ ngày"
    try:
        d = date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def vn_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def with_args(args: dict[str, Any], endpoint: str = "views.search", **changes: Any) -> str:
    """A URL for ``endpoint`` with ``args`` changed: ``None`` removes a key; page resets unless given."""
    merged = {k: (list(v) if isinstance(v, list) else v) for k, v in args.items()}
    if "page" not in changes:
        merged.pop("page", None)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return url_for(endpoint, **merged)


def toggle(args: dict[str, Any], key: str, value: str) -> str:
    """URL that adds ``value`` to a multi-valued filter, or removes it when present."""
    values = list(args.get(key, []))
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    return with_args(args, **{key: values or None})


def install_filters(app: Flask) -> None:
    app.jinja_env.filters["vn_date"] = vn_date
    app.jinja_env.filters["vn_number"] = vn_number
    app.jinja_env.globals["with_args"] = with_args
    app.jinja_env.globals["toggle"] = toggle
