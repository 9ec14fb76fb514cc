"""Original addresses of archived pages: a URL's stable key, and the address of a page in a site
mirror.

A crawl saves the same page under many names (``https://www.mic.gov.vn/a.html?b=2&a=1``,
``http://mic.gov.vn/a.html?a=1&b=2#top``); ``url_key`` writes them one way, ``host/path?query``,
which is also where ``wget --mirror`` puts the page (``mic.gov.vn/a.html``): a page's id is made
from it, so it stays the same from one crawl to the next and between a WARC and a mirror.
``wget`` mirrors are folders named after the host; HTTrack mirrors are folders named after the
host too, inside a project folder, and every page says where it came from and when in a comment
(``<!-- Mirrored from host/path by HTTrack Website Copier/3.x [XR&CO'2014], Mon, 01 Dec 2025
10:00:00 GMT -->``).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit

# A folder named like a host: labels with dots and a top-level domain of letters.
_HOST = re.compile(r"^(?:www\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,12}(?:[:+]\d{1,5})?$", re.I)
# Files a mirroring tool writes for itself, not pages of the site.
MIRROR_TOOL_FILES = {"hts-cache", "hts-log.txt", "backblue.gif", "fade.gif", "cookies.txt", "hts-in_progress.lock"}
_HTTRACK = re.compile(rb"<!--\s*Mirrored from\s+(\S+?)\s+by HTTrack[^,\]]*(?:\[[^\]]*\])?,\s*([^>]*?)\s*-->", re.I)
# The index page HTTrack writes at a project's top ("HTTrack Website Copier - Open Source offline browser")
_HTTRACK_INDEX = re.compile(rb"<meta name=\"generator\" content=\"HTTrack Website Copier", re.I)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def url_key(url: str) -> str:
    """One way to write an address: no scheme, host in lower case without ``www.`` or a default
    port, the path with its percent-escapes written one way, query arguments sorted, no fragment.
    ``https://www.MIC.gov.vn:443/tin%20tuc/a.html?b=2&a=1#x`` -> ``mic.gov.vn/tin%20tuc/a.html?a=1&b=2``."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".").lower()
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and str(port) != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host += f":{port}"
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=~-._")
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)), quote_via=quote)
    return host + path + (f"?{query}" if query else "")


def is_host_folder(name: str) -> bool:
    """A folder that ``wget --mirror`` or HTTrack named after the site it saved."""
    return bool(_HOST.match(name)) and not name.lower().endswith((".html", ".htm", ".txt", ".pdf", ".zip"))


def mirror_url(root_name: str, relpath: str) -> str | None:
    """The original address of a file saved by a site mirror, or None when its path names no
    host: ``mic.gov.vn/tin-tuc/a.html`` (a host folder inside the source), or ``tin-tuc/a.html``
    inside a source folder itself named ``mic.gov.vn``. A query string kept in the file name
    (``a.aspx?id=5``, wget) is kept. The scheme is not recorded by either tool: ``http``, which
    sites that moved to https redirect."""
    parts = PurePosixPath(relpath).parts
    for i, part in enumerate(parts[:-1]):
        if is_host_folder(part):
            rest = "/".join(parts[i + 1:])
            return _join(part, rest)
    if is_host_folder(root_name):
        return _join(root_name, relpath)
    return None


def _join(host: str, rest: str) -> str:
    host = host.replace("+", ":")  # HTTrack writes a port as host+8080
    if rest.endswith(("/index.html", "/index.htm")) or rest in ("index.html", "index.htm"):
        rest = rest.rsplit("index.htm", 1)[0]  # wget's name for a folder's own page
    path, _, query = rest.partition("?")
    return f"http://{host}/{quote(path, safe='/:@!$&()*+,;=~-._')}" + (f"?{query}" if query else "")


def httrack_origin(head: bytes) -> tuple[str | None, datetime | None]:
    """The address and the time an HTTrack mirror recorded in a page's comment (the first few
    kilobytes of the file): ``(url, when)``, either None when the page does not say."""
    match = _HTTRACK.search(head)
    if not match:
        return None, None
    where = match.group(1).decode("ascii", "replace")
    url = where if "://" in where else "http://" + where
    when = None
    try:
        when = parsedate_to_datetime(match.group(2).decode("ascii", "replace"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
    except (TypeError, ValueError, IndexError):
        when = None
    return url, when


def is_httrack_index(head: bytes) -> bool:
    """HTTrack's own index page at the top of a project (a list of mirrored sites)."""
    return bool(_HTTRACK_INDEX.search(head))


def resolve(href: str, base: str) -> str | None:
    """``href`` against ``base`` (an address or a path), or None when it is not a link to a file."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "javascript:", "tel:", "data:")):
        return None
    try:
        return urljoin(base, href)
    except ValueError:
        return None
