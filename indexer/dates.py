"""Vietnamese publication dates in running text: day before month, always.

Covers the forms portals print: ``Thứ năm, 16/07/2020 16:39``, ``08/07/2020 | 16:25`` glued to
the next word, ``16:56 04-08-2020``, ``ngày 01 tháng 11 năm 2013``, ``08/07/2020 4:25:00 PM``,
``Thứ Năm, 16-07-2020, 16:39 (GMT+7)`` and ISO ``2020-07-16T16:39``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

MIN_YEAR, MAX_YEAR = 1995, 2035

_TIME = r"(?P<{p}h>[01]?\d|2[0-3])\s*(?::|h|giờ)\s*(?P<{p}m>[0-5]\d)(?::(?P<{p}s>[0-5]\d))?(?:\s*(?P<{p}ap>[AaPp]\.?[Mm]\.?))?"
_DMY = r"(?P<d>[0-3]?\d)\s?(?P<sep>[/.-])\s?(?P<mo>[01]?\d)\s?(?P=sep)\s?(?P<y>(?:19|20)\d\d)"
_WORDS = r"[Nn]gày\s+(?P<d>[0-3]?\d)\s+tháng\s+(?P<mo>[01]?\d)\s*(?:năm|,|/)\s*(?P<y>(?:19|20)\d\d)"
_ISO = r"(?P<y>(?:19|20)\d\d)-(?P<mo>[01]\d)-(?P<d>[0-3]\d)(?:[T ](?P<ah>[01]\d|2[0-3]):(?P<am>[0-5]\d))?"

# A time may stand before the date ("16:56 04-08-2020") or after it, joined by a space, "|", ",",
# "-" or "lúc"; it must not run into further digits ("16:25Sáng" is fine, "16:251" is not).
_JOIN = r"\s*(?:[|,\-–]|lúc|\(|\s)\s*"
_DATE_RE = re.compile(
    rf"(?<![\d/.-])(?:(?:{_TIME.format(p='b')}){_JOIN})?(?:{_DMY})(?![\d/])(?:{_JOIN}(?:{_TIME.format(p='a')})(?!\d))?"
)
_WORDS_RE = re.compile(rf"{_WORDS}(?:{_JOIN}(?:{_TIME.format(p='a')})(?!\d))?")
_ISO_RE = re.compile(rf"(?<![\d/])(?:{_ISO})(?![\d])")


@dataclass(frozen=True)
class DateHit:
    start: int
    end: int
    day: date
    at: time | None

    @property
    def datetime(self) -> datetime | None:
        return datetime.combine(self.day, self.at) if self.at else None


def _time(match: re.Match[str], prefix: str) -> time | None:
    hour = match.groupdict().get(prefix + "h")
    if hour is None:
        return None
    h, m = int(hour), int(match.group(prefix + "m"))
    ampm = (match.groupdict().get(prefix + "ap") or "").lower().replace(".", "")
    if ampm == "pm" and h < 12:
        h += 12
    elif ampm == "am" and h == 12:
        h = 0
    return time(h, m)


def _make(match: re.Match[str]) -> DateHit | None:
    try:
        day = date(int(match.group("y")), int(match.group("mo")), int(match.group("d")))
    except ValueError:
        return None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return None
    at = _time(match, "a") or _time(match, "b")
    return DateHit(match.start(), match.end(), day, at)


def find_dates(text: str) -> list[DateHit]:
    """Every plausible date in ``text``, in order of position."""
    hits = []
    for pattern in (_DATE_RE, _WORDS_RE, _ISO_RE):
        for match in pattern.finditer(text):
            hit = _make(match)
            if hit:
                hits.append(hit)
    hits.sort(key=lambda h: (h.start, -h.end))
    out: list[DateHit] = []
    for hit in hits:
        if out and hit.start < out[-1].end:
            continue  # overlapping reading of the same characters
        out.append(hit)
    return out


def parse_date(text: str) -> DateHit | None:
    hits = find_dates(text)
    return hits[0] if hits else None


def parse_iso(value: str) -> datetime | None:
    """A machine date from a meta tag or ``<time datetime>`` (ISO 8601, possibly with zone)."""
    match = _ISO_RE.search(value.strip())
    if not match:
        return None
    hit = _make(match)
    if not hit:
        return None
    return hit.datetime or datetime.combine(hit.day, time(0, 0))


# ---------------------------------------------------------------- one date per page

_VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def looks_vietnamese(text: str) -> bool:
    """Vietnamese letters in a sample of the page's own text (its declared language is often
    missing or wrong)."""
    sample = text[:2000]
    letters = sum(ch.isalpha() for ch in sample)
    return letters > 0 and len(_VIETNAMESE.findall(sample)) >= 0.03 * letters


@dataclass(frozen=True)
class DateChoice:
    day: date | None
    at: datetime | None
    source: str            # "rules" | "meta" | "htmldate" | "none": which reading dated the page


def htmldate_of(html: str, not_after: date | None = None) -> str | None:
    """htmldate's reading of a page (English and other month names, URL dates, dozens of CMS
    conventions), no later than ``not_after`` when given; never raises."""
    from htmldate import find_date

    try:
        if not_after is not None:
            return find_date(html, original_date=True, extensive_search=True, outputformat="%Y-%m-%d",
                             max_date=not_after.isoformat())
        return find_date(html, original_date=True, extensive_search=True, outputformat="%Y-%m-%d")
    except Exception:  # a date library must never fail a build
        return None


def _unambiguous(hit: DateHit) -> bool:
    """Day-before-month can only be read one way: the day is over 12 or equals the month."""
    return hit.day.day > 12 or hit.day.day == hit.day.month


# Languages that write numeric dates year first or month first: their "03/05" is not read day first.
_NOT_DAY_FIRST = ("en", "zh", "ja", "ko", "hu", "lt", "fa", "eu")


def choose_date(rules: DateHit | None, meta: str | None, html: str, *, vietnamese: bool,
                rules_where: str = "", lang: str | None = None, htmldate=htmldate_of,
                not_after: date | None = None) -> DateChoice:
    """The publication date of a page from three readings: our rules (the date printed by the
    headline, day before month), the page's machine date (``article:published_time``,
    ``<time datetime>``) and htmldate's.

    On a Vietnamese page our rules come first: the line under the headline is what the page
    shows its readers, while meta tags are often a save time in UTC. On other pages htmldate
    (which knows month names and many CMS conventions) comes first, except where our reading
    of the headline's date line disagrees and cannot be month-first ("24/01/2020"): then the
    date the reader sees wins over htmldate's guess among the page's dates; so does the date
    line under the headline (``rules_where == "headline"``) of a page whose declared language
    writes numeric dates day first (German, French, ...).

    ``not_after`` is the day a crawler captured the page (a WARC record's date, an HTTrack
    mirror's): it cannot have been published later, so a reading after it is wrong and ignored.
    """
    from_meta = parse_iso(meta) if meta else None
    if not_after is not None:
        if rules is not None and rules.day > not_after:
            rules = None
        if from_meta is not None and from_meta.date() > not_after:
            from_meta = None
    if vietnamese:
        if rules is not None:
            return DateChoice(rules.day, rules.datetime, "rules")
        if from_meta is not None:
            return DateChoice(from_meta.date(), from_meta if from_meta.hour or from_meta.minute else None, "meta")
    found = htmldate(html) if not_after is None else htmldate(html, not_after)
    if found and not_after is not None and found > not_after.isoformat():
        found = None
    if found:
        day_first = bool(lang) and not lang.lower().startswith(_NOT_DAY_FIRST)
        if rules is not None and rules.day.isoformat() != found and (
                _unambiguous(rules) or (rules_where == "headline" and day_first)):
            return DateChoice(rules.day, rules.datetime, "rules")
        return DateChoice(date.fromisoformat(found), None, "htmldate")
    if from_meta is not None:
        return DateChoice(from_meta.date(), None, "meta")
    if rules is not None and (vietnamese or _unambiguous(rules)):
        return DateChoice(rules.day, rules.datetime, "rules")
    return DateChoice(None, None, "none")
