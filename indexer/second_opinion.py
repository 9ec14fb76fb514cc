"""A second opinion on the article body from trafilatura, paid for only where it is needed.

Our cleaner knows Vietnamese portals (dates glued to the lead, captions, notices' headings) and
is fast; trafilatura holds better on layouts nobody has described to it. On a page whose
structure is plain (the headline found, one block of running text with no rival and little
linked text) ours is kept without asking. Otherwise trafilatura reads the page too, and its body
replaces ours unless it is empty or much shorter: the cases where ours is in doubt are the ones
where it tends to be wrong (a wrong block, an article split over several boxes, a block with a
widget in it). trafilatura failing or running out of time leaves ours, with the reason logged.
"""

from __future__ import annotations

import functools
import logging
import re
import signal
import threading
from dataclasses import dataclass

from .blocks import tidy_blocks
from .clean import Cleaned

log = logging.getLogger(__name__)

TIMEOUT_S = 5.0           # a page trafilatura cannot read in this time keeps our body
MAX_TREE_SIZE = 60_000    # elements; bigger pages are dumps, not articles
SHORT_BODY = 500          # characters: so little text is worth a second look
MUCH_SHORTER = 0.3        # trafilatura's body under this share of ours is a miss, not a correction


@dataclass(frozen=True)
class BodyChoice:
    paragraphs: list[str]
    kept: str       # "ours" | "trafilatura"
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"kept": self.kept, "reason": self.reason}


_TABLE_BARS = re.compile(r"\s*\|\s*")


class _Timeout(Exception):
    pass


def _alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise _Timeout()


@functools.cache
def _config():
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))
    return config


def trafilatura_text(html: str, timeout: float = TIMEOUT_S) -> str | None:
    """trafilatura's main text, or None; never raises. The time limit needs the main thread
    (a build worker's, the command line's); elsewhere the tree-size limit bounds the work."""
    import trafilatura

    use_timer = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    previous = signal.getsignal(signal.SIGALRM) if use_timer else None
    try:
        try:
            if use_timer:
                signal.signal(signal.SIGALRM, _alarm)
                signal.setitimer(signal.ITIMER_REAL, timeout)
            return trafilatura.extract(html, include_comments=False, include_tables=True, favor_precision=True,
                                       config=_config())
        finally:
            if use_timer:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except _Timeout:
        log.warning("trafilatura ran out of time (%.1f s); keeping our body", timeout)
        return None
    except Exception as err:  # any failure of the second opinion leaves the first
        log.warning("trafilatura failed (%s: %s); keeping our body", type(err).__name__, err)
        return None
    finally:
        if use_timer:
            signal.signal(signal.SIGALRM, previous)


def choose_body(cleaned: Cleaned, html: str, *, ask=trafilatura_text) -> BodyChoice:
    """Our paragraphs, or trafilatura's where ours are in doubt and its are a real answer."""
    ours = cleaned.paragraphs
    doubt = cleaned.stats.uncertain() if cleaned.stats is not None else None
    length = sum(len(p) for p in ours)
    if doubt is None and length < SHORT_BODY:
        doubt = f"a short body ({length} characters)"
    if doubt is None:
        return BodyChoice(ours, "ours", "the page shows one clear article block")
    text = ask(html)
    if not text:
        return BodyChoice(ours, "ours", f"{doubt}; trafilatura found no body")
    lines = [line for line in text.split("\n") if line.strip()]
    rows = sum(len(line) for line in lines if line.lstrip().startswith("|"))
    if rows > 0.5 * sum(len(line) for line in lines):
        # trafilatura writes table rows as "| a | b |": most of its text in rows means the page's
        # layout table (menu, article and footer in cells), not a table in the article.
        return BodyChoice(ours, "ours", f"{doubt}; trafilatura read the layout table as text")
    lines = [_TABLE_BARS.sub(" ", line).strip() if line.lstrip().startswith("|") else line for line in lines]
    theirs, _ = tidy_blocks([line for line in lines if line], cleaned.title)
    their_length = sum(len(p) for p in theirs)
    wrong_block = cleaned.stats is not None and cleaned.stats.outside_prose > 1.0
    if their_length < MUCH_SHORTER * length and not wrong_block:
        return BodyChoice(ours, "ours", f"{doubt}; trafilatura's body is much shorter ({their_length} < {length})")
    return BodyChoice(theirs, "trafilatura", f"{doubt}; trafilatura's body kept ({their_length} characters, ours {length})")
