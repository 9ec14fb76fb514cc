"""Who published a page, decided from the page's own evidence, ranked and recorded.

Every clue (``evidence.Clue``) is weighed by where it was found: the page's address first, then
the site's own name (``og:site_name``, logo, banner, ``<title>`` suffix), the footer (the body
that runs the site above the body it answers to), the contact e-mail, the host the page links
to. A body named by several clues adds their weights. Only when the page says nothing does the
archive folder decide, and last of all the state bodies the text names most (never a newspaper
named in the text). A site that names itself but is not in the registry keeps its own name
(``og:site_name``, the title suffix or the domain), in proper form; it is never replaced by a
ministry its footer or text mentions. The result says which clue decided and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .entities import GOVERNMENT_KINDS, PUBLISHER_KINDS, Entity
from .evidence import Clue, PageEvidence, credit_of, host
from .registry import Registry

UNKNOWN = "Không rõ cơ quan"

# Weight of a clue by where it was found (the ranking of issue #15, strongest first).
WEIGHTS = {
    "given url": 100, "saved from": 95, "mirrored from": 95, "canonical": 90, "og:url": 88, "base href": 85,
    "og:site_name": 80, "application-name": 75, "logo": 70, "banner": 65, "al:android:app_name": 60,
    "title": 60, "header line": 55, "footer:operator": 55, "twitter:site": 50, "footer:owner": 45,
    "email": 40, "lead domain": 40, "links": 35, "footer:editor": 30, "folder": 20, "text": 10,
}
# Clues in which the site names itself (as opposed to the body it answers to, or its text).
_SELF = {"given url", "saved from", "mirrored from", "canonical", "og:url", "base href", "og:site_name",
         "application-name", "logo", "banner", "al:android:app_name", "title", "header line",
         "footer:operator", "twitter:site", "email", "lead domain", "links"}
_ADDRESS = {"given url", "saved from", "mirrored from", "canonical", "og:url", "base href", "email", "links",
            "lead domain"}

# Words that portals put before their own name, and names that are sections, not sites.
_GENERIC_PREFIX = re.compile(
    r"^(?:(?:cổng|trang)\s+(?:thông\s+tin|tin)(?:\s+điện\s+tử)?|cổng\s+ttđt|trang\s+ttđt|website|web\s*site|"
    r"trang\s+chủ|trang\s+web|home(?:page)?|chào\s+mừng\s+(?:bạn\s+)?đến\s+với)\s*[:\-–|]?\s*", re.I)
_SECTION = re.compile(r"^(?:tin\s+tức|tin\s+tức\s*[-–]\s*sự\s+kiện|thời\s+sự|chi\s+tiết(?:\s+tin)?|tin\s+bài|"
                      r"tin\s+hoạt\s+động|bài\s+viết|news|home|trang\s+chủ|xã\s+hội|kinh\s+tế|văn\s+hóa|thể\s+thao)$",
                      re.I)
_PRESS_NAME = re.compile(r"^(?:Báo|Tạp chí|Thời báo|Đài|Thông tấn|Kênh|Tin tức|Trang tin)\b|online$|news$|\.(?:com|net)",
                         re.I)
_ACRONYM = re.compile(r"^[^aeiouyàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]+$", re.I)


@dataclass(frozen=True)
class Vote:
    """One clue and what the registry makes of it."""
    where: str
    text: str
    weight: int
    entity: Entity | None = None   # the body it names, if the registry knows it
    name: str | None = None        # else the site's own name, in proper form, if it names one

    def as_json(self) -> dict[str, object]:
        return {"where": self.where, "text": self.text, "weight": self.weight,
                "names": self.entity.canonical if self.entity else self.name}


@dataclass
class Publisher:
    name: str
    short: str
    kind: str                       # a publisher kind, or "other" for a site the registry does not know
    entity: Entity | None
    decided_by: str                 # where the deciding clue was found ("canonical", "folder", "text", ...)
    reason: str                     # one sentence, in English, for --explain and the logs
    votes: list[Vote] = field(default_factory=list)

    def explain(self) -> dict[str, object]:
        return {"publisher": self.name, "kind": self.kind, "decided_by": self.decided_by, "reason": self.reason,
                "evidence": [v.as_json() for v in self.votes]}


# ---------------------------------------------------------------- naming

def proper_name(text: str) -> str | None:
    """A site's name as it would write it: generic prefixes gone ("Cổng thông tin điện tử"), a
    name in capitals written in title case with its acronyms kept ("TUOI TRE ONLINE" ->
    "Tuoi Tre Online", "BÁO LAO ĐỘNG" -> "Báo Lao Động")."""
    name = " ".join(text.split()).strip(" -–|:·»")
    previous = None
    while previous != name:
        previous, name = name, _GENERIC_PREFIX.sub("", name).strip(" -–|:·»")
    if len(name) < 3 or len(name) > 90 or _SECTION.match(name) or not re.search(r"[^\W\d_]{2}", name):
        return None
    if not any(ch.islower() for ch in name):
        name = " ".join(_title_word(w) for w in name.split())
    return name


def _title_word(word: str) -> str:
    if len(word) <= 1 or word.upper() in _KEEP_UPPER or _ACRONYM.match(word):
        return word
    return word[:1] + word[1:].lower()


_KEEP_UPPER = {"VTV", "VOV", "VTC", "HTV", "VOH", "TV", "TP", "UBND", "HĐND", "TTXVN", "CAND", "QĐND", "GD", "ĐT"}


def _publisher_of(entity: Entity | None, registry: Registry) -> Entity | None:
    """The publisher an entity stands for: itself, or a unit's parent body (a department's site
    "Cục Báo chí - Bộ TT&TT" publishes for the ministry)."""
    if entity is None:
        return None
    if entity.kind in PUBLISHER_KINDS:
        return entity
    for parent in registry.parents_of(entity.canonical):
        found = registry.entity(parent)
        if found is not None and found.kind in PUBLISHER_KINDS:
            return found
    return None


def _named(text: str, registry: Registry) -> Entity | None:
    """The publisher a site's name for itself names: the whole name resolved ("Dân trí",
    "TUOI TRE ONLINE"), else the first body named in it ("Cổng TTĐT Bộ Y tế")."""
    stripped = proper_name(text) or text
    for candidate in (text, stripped):
        found = _publisher_of(registry.resolve(candidate), registry)
        if found is not None:
            return found
    for candidate in (text, text.title()) if text.isupper() else (text,):
        for entity in registry.find_mentions(candidate):
            found = _publisher_of(entity, registry)
            if found is not None:
                return found
    # "Cổng thông tin điện tử tỉnh Lào Cai": a province's own portal is its people's committee's
    # (a bare place name, such as a reporter called "Thanh Hòa", is not a portal).
    if _GENERIC_PREFIX.match(" ".join(text.split())):
        return registry.province_portal(stripped)
    return None


def vote(clue: Clue, registry: Registry) -> Vote:
    weight = WEIGHTS.get(clue.where, 10)
    if clue.where in _ADDRESS:
        entity = _publisher_of(registry.for_domain(clue.text), registry)
        name = None if entity else host(clue.text) or None
        return Vote(clue.where, clue.text, weight, entity, name)
    entity = _named(clue.text, registry)
    name = None
    if entity is None and clue.where in _SELF:
        name = proper_name(clue.text)
    return Vote(clue.where, clue.text, weight, entity, name)


# ---------------------------------------------------------------- deciding

def decide(evidence: PageEvidence, registry: Registry, *, relpath: str = "", given_url: str | None = None,
           title: str = "", paragraphs: list[str] | None = None) -> Publisher:
    """Rank the evidence and name the publisher; never fails, never returns an empty name."""
    clues = evidence.all()
    if given_url:
        clues.insert(0, Clue("given url", given_url))
    lead = " ".join((paragraphs or [])[:1])[:200]
    for match in re.finditer(r"\b((?:[a-z0-9-]+\.)+(?:gov\.vn|vn|com))\b", lead, re.I):
        clues.append(Clue("lead domain", match.group(1).lower()))
    votes = [vote(c, registry) for c in clues]
    decided = _from_votes(votes)
    if decided is None:
        decided = _from_folder(relpath, registry, votes) or _from_text(title, paragraphs or [], registry, votes)
    if decided is None:
        reason = "the page names no publisher, the folder and the text name no state body"
        return Publisher(UNKNOWN, UNKNOWN, "other", None, "none", reason, votes)
    decided.votes = votes
    return decided


def _from_votes(votes: list[Vote]) -> Publisher | None:
    scores: dict[str, int] = {}
    best_vote: dict[str, Vote] = {}
    for v in votes:
        if v.entity is None:
            continue
        c = v.entity.canonical
        scores[c] = scores.get(c, 0) + v.weight
        if c not in best_vote or v.weight > best_vote[c].weight:
            best_vote[c] = v
    unknown = max((v for v in votes if v.entity is None and v.name and v.where in _SELF),
                  key=lambda v: (v.where not in _ADDRESS, v.weight), default=None)
    if scores:
        winner = max(scores, key=lambda c: (scores[c], best_vote[c].weight))
        top = best_vote[winner]
        others = sorted((c for c in scores if c != winner), key=lambda c: -scores[c])
        if top.where in _SELF or unknown is None or unknown.weight <= top.weight:
            reason = f"{top.where} names {winner} (score {scores[winner]})"
            if others:
                reason += "; outweighs " + ", ".join(f"{c} ({scores[c]}, {best_vote[c].where})" for c in others[:3])
            e = top.entity
            assert e is not None
            return Publisher(e.canonical, e.short, e.kind, e, top.where, reason)
    if unknown is not None:
        name = unknown.name or ""
        # The same name written in capitals in one place and properly in another: the proper one.
        proper = [v for v in votes if v.name and v.entity is None and v.name.casefold() == name.casefold()
                  and any(ch.islower() for ch in v.text)]
        if proper and not any(ch.islower() for ch in unknown.text):
            name = proper[0].name or name
        if unknown.where in _ADDRESS:
            # The address is the only name: prefer how the site writes itself if it does.
            named = [v for v in votes if v.entity is None and v.name and v.where not in _ADDRESS]
            if named:
                unknown = max(named, key=lambda v: v.weight)
                name = unknown.name or name
        kind = "press" if _PRESS_NAME.search(name) else "other"
        reason = f"{unknown.where} names a site the registry does not know: {name!r}"
        if scores:
            reason += "; its " + ", ".join(f"{best_vote[c].where} names {c}" for c in scores) + " (not the site itself)"
        return Publisher(name, name, kind, None, unknown.where, reason)
    return None


def _from_folder(relpath: str, registry: Registry, votes: list[Vote]) -> Publisher | None:
    """The archive folder is often named after the site ("mic.gov.vn", "so-tttt-lao-cai")."""
    for part in Path(relpath).parts[:-1]:
        found = registry.for_domain(part.replace("-", ".")) or registry.resolve(part.replace("-", " "))
        found = _publisher_of(found, registry)
        if found is not None:
            votes.append(Vote("folder", part, WEIGHTS["folder"], found))
            return Publisher(found.canonical, found.short, found.kind, found, "folder",
                             f"the page names no publisher; its folder {part!r} names {found.canonical}")
    return None


def _from_text(title: str, paragraphs: list[str], registry: Registry, votes: list[Vote]) -> Publisher | None:
    """Last resort: the state body the text names most, the title counting extra (national
    "government" bodies such as Chính phủ only when no ministry or department is). A newspaper
    named in the text is a source or a subject, never the publisher."""
    tally: dict[str, tuple[int, Entity]] = {}
    lead = "\n".join(paragraphs[:1])
    for weight, part in ((3, title), (2, lead), (1, title + "\n" + "\n".join(paragraphs))):
        for entity in registry.find_mentions(part):
            if entity.kind in GOVERNMENT_KINDS:
                count = tally.get(entity.canonical, (0, entity))[0]
                tally[entity.canonical] = (count + weight, entity)
    if not tally:
        return None
    count, e = max(tally.values(), key=lambda v: (v[1].kind != "government", v[0]))
    votes.append(Vote("text", f"named {count} times (weighted)", WEIGHTS["text"], e))
    return Publisher(e.canonical, e.short, e.kind, e, "text",
                     f"the page names no publisher and its folder none; the text names {e.canonical} most")


# ---------------------------------------------------------------- reposts

def repost_source(lines: list[str], registry: Registry, publisher: Publisher) -> tuple[str, int] | None:
    """A credit line among the last lines of an article ("Nguồn: Báo Tuổi Trẻ", "Theo TTXVN"):
    the publisher it names (canonical when known) and the line's index; None when there is none
    or it names the publisher itself."""
    for index in range(len(lines) - 1, max(-1, len(lines) - 4), -1):
        name = credit_of(lines[index])
        if not name:
            continue
        entity = _named(name, registry) if not re.search(r"\.\w{2,3}$", name) else \
            _publisher_of(registry.for_domain(name), registry)
        if entity is not None:
            if publisher.entity is not None and entity.canonical == publisher.entity.canonical:
                return None
            return entity.canonical, index
        proper = proper_name(name)
        if proper and _PRESS_NAME.search(proper) and proper != publisher.name:
            return proper, index
    return None
