"""How sure the cleaner is of the article block it chose, measured on the page itself; this
decides whether a second opinion (trafilatura) is worth its cost."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html

from .dom import link_density, node_text
from .textnorm import collapse_spaces


@dataclass(frozen=True)
class BodyStats:
    """How clearly the page shows its article: measured on our own extraction, these decide
    whether a second opinion (trafilatura) is worth its cost."""
    heading_found: bool       # the <title>/og:title headline is in the page
    outside_prose: float      # running text outside the chosen block, over the block's
    runner_up: float          # best score of a separate block, over the chosen block's
    link_density: float       # of the chosen block

    def uncertain(self) -> str | None:
        """Why the body may be wrong, or None when the page is plain enough to trust."""
        if not self.heading_found:
            return "no headline matching the page title"
        if self.outside_prose > 0.25:
            return f"running text outside the article block ({self.outside_prose:.0%} of it)"
        if self.runner_up > 0.5:
            return f"a second block nearly as strong ({self.runner_up:.0%})"
        if self.link_density > 0.25:
            return f"linked text in the article block ({self.link_density:.0%})"
        return None


_FOOTER_MARK = re.compile(r"footer|copyright|bottom", re.I)


def _in_footer(node: lxml.html.HtmlElement) -> bool:
    """Inside the page's footer: the site's address and licence, never article text."""
    return any(n.tag == "footer" or _FOOTER_MARK.search((n.get("class") or "") + " " + (n.get("id") or ""))
               for n in (node, *node.iterancestors()))


def measure(body: lxml.html.HtmlElement, content: lxml.html.HtmlElement | None,
                heading_found: bool, scores: dict, kept: str) -> BodyStats:
    """Measured on the page after boilerplate went: running text we left out (not in ``kept``),
    the best rival block, and the linked share of the chosen one."""
    if content is None:
        return BodyStats(heading_found, 1.0, 1.0, 1.0)
    inside = len(node_text(content)) or 1
    related = {content, *content.iterancestors()}
    outside = 0
    for node in body.iter("p", "div", "td", "li", "section", "article", "blockquote"):
        if node in related or content in node.iterancestors():
            continue
        own = (node.text or "") + "".join(child.tail or "" for child in node)
        if len(own) >= 150:
            linked = sum(len(a.text_content()) for a in node.iterchildren("a"))
            if linked < 0.3 * len(own) and collapse_spaces(own)[:80] not in kept and not _in_footer(node):
                outside += len(own)
    best = scores.get(content, 0.0) or 1.0
    runner = max((v for n, v in scores.items() if n not in related and content not in n.iterancestors()), default=0.0)
    return BodyStats(heading_found, outside / inside, runner / best, link_density(content, inside))
