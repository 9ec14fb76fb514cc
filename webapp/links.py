"""Links to the search pages with their arguments, without Werkzeug's router for each one.

A search page links every facet value (a few hundred on a page: agencies, units, years, months),
each sort, page and histogram bar to a search with one argument changed. ``url_for`` matches the
endpoint's rule and runs its converters for each of them: most of the page's rendering time.
These endpoints have no arguments in their path, so the path is built once per request (by
``url_for``, with the request's script root) and each link only adds its query string, encoded
as Werkzeug encodes it (``None`` dropped, lists repeated, the same characters left as they are).
A test compares the two on random arguments.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode

from flask import g, url_for
from werkzeug.routing import BuildError

SAFE = "!$'()*,/:;?@"  # what werkzeug.urls leaves unescaped in a query string


def query_url(endpoint: str, values: Mapping[str, Any]) -> str:
    """``url_for(endpoint, **values)`` for an endpoint whose path takes no arguments."""
    paths = g.setdefault("tracuu_paths", {})
    path = paths.get(endpoint)
    if path is None:
        try:
            path = paths[endpoint] = url_for(endpoint)
        except BuildError:
            path = paths[endpoint] = ""  # its path needs arguments: the router builds every link
    if not path:
        return url_for(endpoint, **values)
    query = "&".join(_encoded(values.items()))
    return f"{path}?{query}" if query else path


def _encoded(items: Iterable[tuple[str, Any]]) -> list[str]:
    """Each ``key=value`` of ``items`` encoded: ``None`` dropped, lists repeated."""
    return [_pair(key, v) for key, value in items if value is not None
            for v in (value if isinstance(value, (list, tuple, set)) else (value,)) if v is not None]


@lru_cache(maxsize=16384, typed=True)  # the links of a page share most of their arguments; 1 is not True
def _pair(key: Any, value: Any) -> str:
    return urlencode([(key, value)], safe=SAFE)


def toggle_urls(endpoint: str, args: Mapping[str, Any], key: str, values: list[str]) -> list[str]:
    """For each of ``values``: the URL that adds it to ``key``'s list in ``args``, or removes it
    when there (``filters.toggle`` for each, page dropped), with the arguments around ``key``
    encoded once for all of them: a facet lists hundreds of values."""
    current = args.get(key, [])
    if not isinstance(current, list):
        raise TypeError(f"{key} is not a list of values")
    kept = [(k, v) for k, v in args.items() if k != "page"]
    names = [k for k, _ in kept]
    at = names.index(key) if key in names else len(kept)
    before, after = _encoded(kept[:at]), _encoded(kept[at + 1:])
    chosen = [str(v) for v in current]
    path = query_url(endpoint, {})
    urls = []
    for value in values:
        picked = list(chosen)
        if value in picked:
            picked.remove(value)
        else:
            picked.append(value)
        query = "&".join(before + [_pair(key, v) for v in picked] + after)
        urls.append(f"{path}?{query}" if query else path)
    return urls
