"""The facet column's values as markup, made in Python.

A search page lists up to a few hundred facet values (agencies, units, years, months), each a
link that adds or removes it. Rendered through a Jinja macro, one call per value, they were the
largest part of the page's rendering; the same markup joined here takes a fraction of it. The
template (``_filters.html``) calls ``facet_items`` where it called the macro; tests compare pages.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Iterable

from flask import Flask
from markupsafe import Markup, escape

from .filters import vn_number
from .links import toggle_urls

CHOSEN = '<span class="visually-hidden">Đã chọn: </span>'


def facet_items(args: dict[str, Any], name: str, values: Iterable[dict[str, Any]], chosen: list[str],
                labeller: Callable[[Any], str] | None = None) -> Markup:
    """One ``<li>`` per facet value: a link toggling it in ``args``, ticked when ``chosen``."""
    values = list(values)
    texts = [str(f["value"]) for f in values]
    hrefs = toggle_urls("views.search", args, name, texts)
    parts = []
    for f, value, href in zip(values, texts, hrefs):
        on = value in chosen
        label = (labeller(f["value"]) if labeller else None) or value
        count = f["count"]
        parts.append(
            f'  <li><a class="facet-value{" selected" if on else ""}" href="{escape(href)}"\n'
            f'         data-facet="{_escaped(name)}" data-value="{_escaped(value)}" data-count="{_escaped(str(count))}">\n'
            '    <span class="box" aria-hidden="true"></span>\n'
            f'    <span class="label">{CHOSEN if on else ""}{_escaped(label)}</span>\n'
            f'    <span class="count"><span class="visually-hidden">, </span>{_escaped(vn_number(count))}'
            '<span class="visually-hidden"> kết quả</span></span></a></li>')
    return Markup("".join(parts))


@lru_cache(maxsize=16384)  # facet names, values and counts come back on every page
def _escaped(text: str) -> str:
    return str(escape(text))


def install_facet_markup(app: Flask) -> None:
    app.jinja_env.globals["facet_items"] = facet_items
