"""Agency and unit registry: who published a page and which bodies it names.

A small facade over three modules: ``entities`` (the kinds, ``Entity``, ``Province``),
``registry_data`` (``indexer/data/registry.json`` loaded and validated into tables) and
``registry_match`` (finding names in running text). The data covers ministries and other national
bodies with their units, the press that ministry archives repost, the 63 provinces, and the kinds of
provincial body (Sở ..., UBND, Đài PT&TH) that are multiplied by the provinces.

Matching ignores the spelling noise of real portals: case after the head word, NFC/NFD, old/new
tone placement and the separators ``, - – — & và`` ("Bộ VH,TT&DL" = "Bộ VH-TT-DL").
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .entities import PUBLISHER_KINDS, UNIT_KINDS, Entity, Province
from .registry_data import DATA_PATH, RegistryError, compact_key, dedupe, load_tables, tokens
from .registry_match import TRAILING_PUNCT, Matcher
from .textnorm import key, normalize

__all__ = ["DATA_PATH", "Entity", "Registry", "RegistryError", "host_of"]


def host_of(domain_or_url: str) -> str:
    """"https://www.mic.gov.vn/x" -> "mic.gov.vn"; "" when it holds no host."""
    s = domain_or_url.strip()
    if "://" not in s:
        s = "//" + s
    try:
        host = urlsplit(s).hostname or ""
    except ValueError:  # not a URL at all ("[::1" and the like): no host to read
        return ""
    host = host.rstrip(".")
    while host.startswith("www.") or re.match(r"www\d\.", host):
        host = host.split(".", 1)[1]
    return host


class Registry:
    def __init__(self, data: dict[str, Any]) -> None:
        """Build the registry from the parsed data file (sections: see ``registry_data.load_tables``)."""
        self._t = load_tables(data)
        self._match = Matcher(self._t)

    @classmethod
    def load(cls, path: str | Path = DATA_PATH) -> "Registry":
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as err:
            raise RegistryError(f"registry: cannot read {path}: {err}") from err
        return cls(data)

    @classmethod
    def default(cls) -> "Registry":
        return _default_registry()

    def _province_param(self, province: str | None) -> Province | None:
        if not province:
            return None
        p = self._t.lookup_province(province)
        if p is not None:
            return p
        name = self.province_of(province)
        return self._t.province_by_full.get(key(name)) if name else None

    # ---------------------------------------------------------------- names

    def resolve(self, name: str, province: str | None = None) -> Entity | None:
        """One name -> its entity; None when unknown, ambiguous, or a bare provincial kind without province."""
        if not name or not name.strip():
            return None
        prov = self._province_param(province)
        for loose in (False, True):
            toks = tokens(name, loose)
            while toks and toks[-1] in TRAILING_PUNCT:
                toks.pop()
            # "Trung tâm Công nghệ thông tin (Bộ VHTTDL)": the qualifier only repeats the parent.
            if len(toks) > 2 and toks[-1] == ")" and "(" in toks[1:]:
                cut = len(toks) - 1 - toks[::-1].index("(")
                r = self._match.resolve_tokens(toks[:cut], prov, loose)
                if r is not None:
                    return r if isinstance(r, Entity) else None
            r = self._match.resolve_tokens(toks, prov, loose)
            if r is not None:
                return r if isinstance(r, Entity) else None
        return None

    def find_mentions(self, text: str, province: str | None = None, *, loose: bool = False) -> list[Entity]:
        """Entities named in text, in order of first mention, longest match first.

        ``loose`` is for typed queries: heads need not be capitalised and diacritics are ignored
        (spellings that are ambiguous without diacritics are skipped).
        """
        if not text:
            return []
        return self._match.mentions(text, self._province_param(province), loose)

    def mention_spans(self, query: str) -> list[tuple[int, int, str]]:
        """Names typed in a query, as ``(start, end, canonical)`` character spans (loose matching:
        any case, with or without diacritics). Used to expand ``Bộ TT&TT`` into the agency."""
        return self._match.spans(query)

    def find_units(self, text: str, province: str | None = None) -> list[str]:
        """Canonical names of the units, departments, committees and broadcasters text names."""
        return [e.canonical for e in self.find_mentions(text, province) if e.kind in UNIT_KINDS]

    # ---------------------------------------------------------------- domains and provinces

    def for_domain(self, domain_or_url: str) -> Entity | None:
        """The body whose site a host or URL belongs to ("https://mic.gov.vn/x" -> Bộ TT&TT)."""
        host = host_of(domain_or_url)
        if not host:
            return None
        t = self._t
        e = t.domains.get(host)
        if e is not None:
            return e
        labels = host.split(".")
        # <sub>.<province slug>.gov.vn: a department by its usual subdomain, else the province's portal.
        if host.endswith(".gov.vn") and len(labels) >= 3:
            p = t.province_by_compact.get(labels[-3].replace("-", ""))
            if p is not None and labels[-3] in p.slugs:
                if len(labels) >= 4:
                    kind = t.kind_by_subdomain.get(labels[-4])
                    if kind is not None and (kind.key, p.name) in t.provincial:
                        return t.provincial[(kind.key, p.name)]
                return t.portal_owner.get(p.name)
        for cut in range(1, len(labels) - 1):
            e = t.domains.get(".".join(labels[cut:]))
            if e is not None:
                return e
        return None

    def province_portal(self, name: str) -> Entity | None:
        """The body whose portal a province's name alone stands for ("tỉnh Lào Cai" -> UBND tỉnh
        Lào Cai), or None when ``name`` is more than a province."""
        p = self._t.lookup_province(name) or self._match.province_named(name)
        return self._t.portal_owner.get(p.name) if p is not None else None

    def province_of(self, text: str) -> str | None:
        """"Lào Cai" / "laocai" / "Lao Cai" / "stttt.laocai.gov.vn" -> "tỉnh Lào Cai".

        For longer text: the first province named with its "tỉnh"/"thành phố", or the province of
        the first provincial body named. A bare place name in running text is not enough ("tại Hà
        Nội" says where a ministry met, not whose page it is).
        """
        if not text or not text.strip():
            return None
        s = text.strip()
        if "://" in s or re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?(/\S*)?", s):
            host = host_of(s)
            labels = host.split(".")
            if host.endswith(".gov.vn") and len(labels) >= 3:
                p = self._t.province_by_compact.get(labels[-3].replace("-", ""))
                if p is not None:
                    return p.full
            e = self.for_domain(s)
            if e is not None and e.province:
                return e.province
        p = self._t.province_by_compact.get(compact_key(s))
        if p is not None:
            return p.full
        p = self._match.province_named(s)
        if p is not None:
            return p.full
        return self._match.first_province_in(s)

    # ---------------------------------------------------------------- lookups

    def alias_forms(self, canonical: str) -> list[str]:
        """Canonical + short + aliases, one per normalised spelling, for query expansion."""
        e = self.entity(canonical) or self.resolve(canonical)
        if e is None:
            return []
        return list(dedupe((e.canonical, e.short, *e.aliases)))

    def agencies(self) -> list[Entity]:
        """Bodies that publish: ministries, government bodies, departments, committees, broadcasters, press."""
        return [e for e in self._t.entities if e.kind in PUBLISHER_KINDS]

    def entity(self, canonical: str) -> Entity | None:
        """Exact lookup by canonical name (after normalisation and case folding)."""
        return self._t.by_key.get(key(canonical))

    def entities(self) -> list[Entity]:
        return list(self._t.entities)

    def units(self) -> list[Entity]:
        return [e for e in self._t.entities if e.kind == "unit"]

    def provinces(self) -> list[str]:
        """The 63 provinces as "tỉnh Lào Cai" / "thành phố Đà Nẵng"."""
        return [p.full for p in self._t.provinces]

    def units_of(self, agency: str) -> list[Entity]:
        """Units listed under an agency (a provincial body gets those of its kind)."""
        e = self.entity(agency) or self.resolve(agency)
        if e is None:
            return []
        kind = self._t.kind_of.get(e.canonical)
        names = self._t.units_of.get(key(kind.name if kind else e.canonical), [])
        return [self._t.by_key[key(n)] for n in names]

    def parents_of(self, unit: str) -> list[str]:
        """Agencies a unit belongs to: national canonical names or provincial kinds ("Sở Y tế")."""
        e = self.entity(unit) or self.resolve(unit)
        return list(self._t.parents.get(e.canonical, ())) if e is not None else []

    def for_doc_code(self, code: str) -> Entity | None:
        """National issuer of a document-number code: "BTTTT", "QĐ-BTTTT", "BNN-VP" -> its body."""
        parts = [p for p in re.split(r"[-–\s/]+", normalize(code).strip()) if p]
        for part in parts:
            e = self._t.doc_codes.get(part.casefold())
            if e is not None:
                return e
        return None


@functools.cache
def _default_registry() -> Registry:
    return Registry.load(DATA_PATH)
