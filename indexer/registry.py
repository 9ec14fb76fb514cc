"""Agency and unit registry: who published a page and which bodies it names.

The data lives in ``indexer/data/registry.json`` (format described in its ``about`` field and in
``Registry.__init__``): ministries and other national bodies with their units, the 63 provinces,
and the kinds of provincial body (Sở ..., UBND, Đài PT&TH) that are multiplied by the provinces.

Matching works on tokens, not characters, so that one rule covers all the spelling noise seen on
real portals: case after the head word, NFC/NFD, old/new tone placement (via ``textnorm``), and the
separators ``, - – — & và`` which are skipped ("Bộ VH,TT&DL" = "Bộ VH-TT-DL", "Bộ TT và TT" =
"Bộ TT&TT"). Provincial bodies are matched as kind + province rather than from ~30,000 listed
spellings, which is also what lets a list like "các Sở TT&TT (Bắc Kạn, Phú Thọ)" name two bodies.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from indexer.textnorm import canonical_tones, fold, folded_key, key, modern_tones, normalize

DATA_PATH = Path(__file__).resolve().parent / "data" / "registry.json"

KINDS = ("ministry", "department", "people_committee", "broadcaster", "unit", "government")
_UNIT_LIKE = frozenset({"unit", "department", "people_committee", "broadcaster"})


@dataclass(frozen=True)
class Entity:
    canonical: str                 # full official name
    short: str                     # usual abbreviation, e.g. "Bộ TT&TT", "Sở TT&TT Lào Cai"; canonical if none
    kind: str                      # "ministry" | "department" | "people_committee" | "broadcaster" | "unit" | "government"
    aliases: tuple[str, ...]       # every other spelling we accept
    domains: tuple[str, ...] = ()  # web domains of its portal
    province: str | None = None    # "tỉnh Lào Cai" / "thành phố Đà Nẵng" for provincial bodies
    doc_code: str | None = None    # issuer code in document numbers ("BTTTT")


@dataclass(frozen=True)
class Province:
    name: str                      # "Lào Cai"
    type: str                      # "tỉnh" | "thành phố"
    slugs: tuple[str, ...]         # domain labels: laocai.gov.vn
    aliases: tuple[str, ...]       # other spellings of the name, without "tỉnh"
    short_place: str               # how abbreviations write it: "Lào Cai", "TP.HCM"

    @property
    def full(self) -> str:
        return f"{self.type} {self.name}"


@dataclass(frozen=True)
class _Kind:
    """A kind of provincial body; one Entity per province is generated from it."""
    key: str
    kind: str
    name: str
    short: str
    aliases: tuple[str, ...]
    resolve_only: tuple[str, ...]
    doc_code: str | None
    subdomains: tuple[str, ...]
    short_with_type: bool          # "UBND tỉnh Lào Cai" rather than "UBND Lào Cai"
    bare_needs_type: bool          # in running text a bare "UBND" is as often a district's as the province's


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# A phrase that starts like an entity but is not one ("Chính phủ điện tử").
_BLOCK = _Marker("BLOCK")
# A diacritic-free spelling shared by two entities: resolving it would be a guess.
_AMBIGUOUS = _Marker("AMBIGUOUS")

_TOKEN_RE = re.compile(r"\w+|[^\w\s]")
# Separators people use interchangeably inside names; skipped while matching.
_SOFT = frozenset({",", "-", "–", "—", "‐", "‑", "&", "và", "va"})
_PLURAL = frozenset({"các", "những", "cac", "nhung"})
# "UBND huyện ...", "Sở ... xã": a body below the province, never the province's own.
_LOWER_LEVEL = frozenset({"huyện", "quận", "xã", "phường", "thị", "huyen", "quan", "xa", "phuong", "thi"})
_LIST_SEPARATORS = frozenset({",", ";", "-", "–", "—", "và", "va"})
_LIST_LEAD = frozenset({"tỉnh", "tinh", "thành", "thanh", "phố", "pho", "tp", ",", "/", "địa", "dia",
                        "phương", "phuong", ":"})
_TRAILING_PUNCT = frozenset({".", ":", ";", ",", "!", "?", "…"})

_Node = dict  # token -> child node; "" -> (payload, usable_in_running_text)


_ZERO_WIDTH = str.maketrans({"\u200b": " ", "\ufeff": " ", "\u2060": " "})


def _tokens(text: str, loose: bool) -> list[str]:
    """Words and single punctuation marks of NFC text.

    The full ``normalize`` (tone placement) costs more than the whole match on a 5 KB page, so
    only NFC is applied here and tone placement is fixed per token, when a token is compared
    (``_tok_key``). Splitting on spaces first is about twice as fast as one regex over the text.
    """
    text = unicodedata.normalize("NFC", text)
    if "\u200b" in text or "\ufeff" in text or "\u2060" in text:
        text = text.translate(_ZERO_WIDTH)
    if loose:
        # Folding the whole text once keeps token boundaries and is much cheaper than per token.
        text = fold(text).casefold()
    out: list[str] = []
    for chunk in text.split():
        if chunk.isalnum():
            out.append(chunk)
        else:
            out += _TOKEN_RE.findall(chunk)
    return out


@functools.lru_cache(maxsize=100_000)
def _tok_key(tok: str) -> str:
    """Comparison form of one token: traditional tone placement, case folded."""
    return canonical_tones(tok).casefold()


def _match_key(name: str, loose: bool) -> tuple[str, ...]:
    return tuple(t for t in (_tok_key(tok) for tok in _tokens(name, loose)) if t not in _SOFT)


def _insert(root: _Node, keys: tuple[str, ...], payload: object, text_ok: bool, loose: bool,
            alias: str) -> None:
    if not keys:
        raise ValueError(f"registry: empty name {alias!r}")
    node = root
    for k in keys:
        node = node.setdefault(k, {})
    old = node.get("")
    if old is None:
        node[""] = (payload, text_ok)
    elif old[0] is payload:
        node[""] = (payload, old[1] or text_ok)
    elif loose:
        node[""] = (_AMBIGUOUS, True)
    else:
        raise ValueError(f"registry: {alias!r} names both {_label(old[0])} and {_label(payload)}")


def _label(payload: object) -> str:
    if isinstance(payload, Entity):
        return payload.canonical
    if isinstance(payload, _Kind):
        return payload.name
    if isinstance(payload, Province):
        return payload.full
    return repr(payload)


def _host(domain_or_url: str) -> str:
    s = domain_or_url.strip()
    if "://" not in s:
        s = "//" + s
    try:
        host = urlsplit(s).hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".")
    while host.startswith("www.") or re.match(r"www\d\.", host):
        host = host.split(".", 1)[1]
    return host


def _unit_spec(raw: str | dict[str, Any]) -> dict[str, Any]:
    return {"name": raw} if isinstance(raw, str) else raw


def _dedupe(forms: Iterable[str], skip: Iterable[str] = (), normalised: bool = False) -> tuple[str, ...]:
    # Generated provincial spellings are built from normalised parts, so the cheap key is enough
    # (and loading stays fast: there are ~25,000 of them).
    k_of = (lambda s: " ".join(s.split()).casefold()) if normalised else key
    seen = {k_of(s) for s in skip}
    out = []
    for f in forms:
        k = k_of(f)
        if k and k not in seen:
            seen.add(k)
            out.append(f)
    return tuple(out)


class Registry:
    def __init__(self, data: dict[str, Any]) -> None:
        """Build the indexes from the parsed data file.

        Sections: ``provinces`` [{name, type, slugs, aliases?, short_place?}]; ``national``
        [{canonical, short, kind, aliases?, resolve_only?, domains, doc_codes, province?,
        common_units, units}]; ``provincial_kinds`` [{key, kind, name, short, aliases, resolve_only,
        doc_code, subdomains, only?, except?, short_with_type?, bare_needs_type?, units}];
        ``ministry_common_units`` / ``department_common_units``; ``domains`` {host: canonical};
        ``not_entities`` [phrase]. A unit is a name or {name, short?, aliases?, code?, domains?}.
        ``resolve_only`` spellings are accepted by resolve() but not looked for in running text
        (e.g. "BTC" is as often "Ban tổ chức").
        """
        self._entities: list[Entity] = []
        self._by_key: dict[str, Entity] = {}
        self._trie: _Node = {}
        self._trie_loose: _Node = {}
        self._prov_trie: _Node = {}
        self._prov_trie_loose: _Node = {}
        self._provinces: list[Province] = []
        self._prov_by_compact: dict[str, Province] = {}
        self._prov_by_full: dict[str, Province] = {}
        self._dept: dict[tuple[str, str], Entity] = {}
        self._kinds: dict[str, _Kind] = {}
        self._kind_by_sub: dict[str, _Kind] = {}
        self._domains: dict[str, Entity] = {}
        self._doc_codes: dict[str, Entity] = {}
        self._units_of: dict[str, list[str]] = {}
        self._parents: dict[str, list[str]] = {}
        self._surfaces: dict[str, set[str]] = {}
        self._portal_owner: dict[str, Entity] = {}
        self._kind_of: dict[str, _Kind] = {}
        self._load_provinces(data["provinces"])
        units = self._collect_units(data)
        extra_domains: dict[str, list[str]] = {}
        for host, canonical in data.get("domains", {}).items():
            extra_domains.setdefault(key(canonical), []).append(host.lower())
        self._load_national(data["national"], extra_domains)
        self._load_units(units, extra_domains)
        self._load_provincial(data["provincial_kinds"], extra_domains)
        for phrase in data.get("not_entities", ()):
            self._insert_name(phrase, _BLOCK, True)
        missing = set(extra_domains) - set(self._by_key)
        if missing:
            raise ValueError(f"registry: domains for unknown entities {sorted(missing)}")
        self._heads = self._surface_heads()

    # ---------------------------------------------------------------- loading

    @classmethod
    def load(cls, path: str | Path = DATA_PATH) -> "Registry":
        with open(path, encoding="utf-8") as fh:
            return cls(json.load(fh))

    @classmethod
    def default(cls) -> "Registry":
        return _default_registry()

    def _insert_name(self, name: str, payload: object, text_ok: bool) -> None:
        norm = normalize(name)
        toks = _TOKEN_RE.findall(norm)
        if toks:
            self._surfaces.setdefault(toks[0].casefold(), set()).add(toks[0])
        exact = tuple(t for t in (tok.casefold() for tok in toks) if t not in _SOFT)
        loose = tuple(t for t in _TOKEN_RE.findall(fold(norm).casefold()) if t not in _SOFT)
        _insert(self._trie, exact, payload, text_ok, False, name)
        _insert(self._trie_loose, loose, payload, text_ok, True, name)

    def _add(self, entity: Entity) -> None:
        k = key(entity.canonical)
        if k in self._by_key:
            raise ValueError(f"registry: {entity.canonical!r} defined twice")
        self._by_key[k] = entity
        self._entities.append(entity)
        for host in entity.domains:
            if self._domains.setdefault(host, entity) is not entity:
                raise ValueError(f"registry: domain {host} claimed twice")

    def _load_provinces(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            name = normalize(row["name"])
            p = Province(name, row["type"], tuple(row["slugs"]), tuple(normalize(a) for a in row.get("aliases", ())),
                         normalize(row.get("short_place", name)))
            if p.type not in ("tỉnh", "thành phố"):
                raise ValueError(f"registry: bad province type {p.type!r}")
            self._provinces.append(p)
            self._prov_by_full[key(p.full)] = p
            for form in (p.name, *p.aliases):
                _insert(self._prov_trie, _match_key(form, False), p, True, False, form)
                _insert(self._prov_trie_loose, _match_key(form, True), p, True, True, form)
            for form in (*p.slugs, p.name, *p.aliases):
                compact = re.sub(r"[\W_]", "", folded_key(form))
                if self._prov_by_compact.setdefault(compact, p) is not p:
                    raise ValueError(f"registry: {form!r} names two provinces")

    def _collect_units(self, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Merge unit definitions (one unit may belong to several ministries) and record parents."""
        units: dict[str, dict[str, Any]] = {}

        def take(raw: str | dict[str, Any], parent: str) -> str:
            spec = _unit_spec(raw)
            name = normalize(spec["name"])
            u = units.setdefault(name, {"short": None, "aliases": [], "code": None, "domains": []})
            u["short"] = u["short"] or spec.get("short")
            u["code"] = u["code"] or spec.get("code")
            u["aliases"] += [a for a in spec.get("aliases", ()) if a not in u["aliases"]]
            u["domains"] += [d for d in spec.get("domains", ()) if d not in u["domains"]]
            parents = self._parents.setdefault(name, [])
            if parent not in parents:
                parents.append(parent)
            return name

        for row in data["national"]:
            parent = normalize(row["canonical"])
            common = data["ministry_common_units"] if row.get("common_units") else []
            self._units_of[key(parent)] = [take(u, parent) for u in (*common, *row.get("units", ()))]
        for row in data["provincial_kinds"]:
            parent = normalize(row["name"])
            common = data["department_common_units"] if row["kind"] == "department" else []
            self._units_of[key(parent)] = [take(u, parent) for u in (*common, *row.get("units", ()))]
        return units

    def _load_national(self, rows: list[dict[str, Any]], extra_domains: dict[str, list[str]]) -> None:
        for row in rows:
            canonical = normalize(row["canonical"])
            if row["kind"] not in KINDS or row["kind"] == "unit":
                raise ValueError(f"registry: bad kind for {canonical!r}")
            province = None
            if row.get("province"):
                province = self._lookup_province(row["province"])
                if province is None:
                    raise ValueError(f"registry: unknown province {row['province']!r}")
            resolve_only = tuple(normalize(a) for a in row.get("resolve_only", ()))
            short = normalize(row.get("short") or canonical)
            aliases = _dedupe((*(normalize(a) for a in row.get("aliases", ())), *resolve_only), (canonical, short))
            codes = row.get("doc_codes", ())
            e = Entity(canonical, short, row["kind"], aliases,
                       tuple(d.lower() for d in row.get("domains", ())) + tuple(extra_domains.get(key(canonical), ())),
                       province.full if province else None, codes[0] if codes else None)
            self._add(e)
            for form in (canonical, short, *aliases):
                self._insert_name(form, e, form not in resolve_only)
            for code in codes:
                self._doc_codes[code.casefold()] = e

    def _load_units(self, units: dict[str, dict[str, Any]], extra_domains: dict[str, list[str]]) -> None:
        for name, u in units.items():
            short = normalize(u["short"] or name)
            aliases = _dedupe((normalize(a) for a in u["aliases"]), (name, short))
            e = Entity(name, short, "unit", aliases,
                       tuple(d.lower() for d in u["domains"]) + tuple(extra_domains.get(key(name), ())),
                       None, u["code"])
            self._add(e)
            for form in (name, short, *aliases):
                self._insert_name(form, e, True)

    def _load_provincial(self, rows: list[dict[str, Any]], extra_domains: dict[str, list[str]]) -> None:
        for row in rows:
            kind = _Kind(row["key"], row["kind"], normalize(row["name"]), normalize(row["short"]),
                         tuple(normalize(a) for a in row.get("aliases", ())),
                         tuple(normalize(a) for a in row.get("resolve_only", ())),
                         row.get("doc_code"), tuple(row.get("subdomains", ())),
                         bool(row.get("short_with_type")), bool(row.get("bare_needs_type")))
            if kind.kind not in ("department", "people_committee", "broadcaster"):
                raise ValueError(f"registry: bad provincial kind {kind.kind!r}")
            self._kinds[kind.key] = kind
            for sub in kind.subdomains:
                if self._kind_by_sub.setdefault(sub, kind) is not kind:
                    raise ValueError(f"registry: subdomain {sub!r} used by two kinds")
            for form in (kind.name, kind.short, *kind.aliases):
                self._insert_name(form, kind, True)
            for form in kind.resolve_only:
                self._insert_name(form, kind, False)
            only = {normalize(n) for n in row.get("only", ())}
            excluded = {normalize(n) for n in row.get("except", ())}
            for p in self._provinces:
                if (only and p.name not in only) or p.name in excluded:
                    continue
                self._add_provincial(kind, p, extra_domains)

    def _add_provincial(self, kind: _Kind, p: Province, extra_domains: dict[str, list[str]]) -> None:
        canonical = f"{kind.name} {p.full}"
        short = f"{kind.short} {p.full if kind.short_with_type else p.short_place}"
        places = [p.name, p.full, p.short_place, *p.aliases]
        if p.type == "thành phố":
            places += [f"TP {p.name}", f"TP. {p.name}"]
        aliases = _dedupe((f"{k} {place}" for k in (kind.name, kind.short, *kind.aliases) for place in places),
                          (canonical, short), normalised=True)
        if kind.kind == "department":
            domains: tuple[str, ...] = (f"{kind.subdomains[0]}.{p.slugs[0]}.gov.vn",) if kind.subdomains else ()
        elif kind.kind == "people_committee":
            domains = tuple(f"{slug}.gov.vn" for slug in p.slugs[:1])
        else:
            domains = ()
        e = Entity(canonical, short, kind.kind, aliases, domains + tuple(extra_domains.get(key(canonical), ())),
                   p.full, kind.doc_code)
        self._add(e)
        self._dept[(kind.key, p.name)] = e
        self._kind_of[canonical] = kind
        if kind.kind == "people_committee":
            # The province's own portal (laocai.gov.vn) is the people's committee's.
            self._portal_owner.setdefault(p.name, e)

    def _surface_heads(self) -> dict[str, _Node]:
        """Head tokens as they may appear in text, each mapped to its trie node.

        Only capitalised forms are listed: "Trung tâm Thông tin" is a unit, "trung tâm" in running
        text is not. Looking the raw token up here is the whole cost of a non-head token.
        """
        heads: dict[str, _Node] = {}
        for low, node in self._trie.items():
            for surface in self._surfaces.get(low, {low}):
                variants = {surface, surface.upper(), surface[:1].upper() + surface[1:].lower()}
                variants |= {modern_tones(v) for v in variants}
                for v in variants:
                    if v[:1].isupper() or not v[:1].isalpha():
                        heads[v] = node
        return heads

    # ---------------------------------------------------------------- matching core

    @staticmethod
    def _walk(node: _Node, toks: list[str], start: int, text_mode: bool) -> list[tuple[object, int]]:
        """Every payload along the path from toks[start] (whose node is given), shortest first."""
        found: list[tuple[object, int]] = []
        hit = node.get("")
        if hit is not None and (hit[1] or not text_mode):
            found.append((hit[0], start))
        n = len(toks)
        j = start + 1
        while j < n:
            t = _tok_key(toks[j])
            if t in _SOFT:
                j += 1
                continue
            node = node.get(t)
            if node is None:
                break
            hit = node.get("")
            if hit is not None and (hit[1] or not text_mode):
                found.append((hit[0], j))
            j += 1
        return found

    def _province_at(self, toks: list[str], k: int, text_mode: bool,
                     loose: bool) -> tuple[Province | None, str | None, int, bool]:
        """Optional "tỉnh"/"thành phố"/"TP" then a province name at toks[k].

        Returns (province, qualifier, index of last token used, blocked). ``blocked`` means a
        qualifier is followed by a name that is not a province of that type ("UBND thành phố
        Lào Cai" is the city's committee, not the province's).
        """
        n = len(toks)
        qual = None
        t = toks[k].casefold() if k < n else ""
        if t in ("tỉnh", "tinh"):
            qual, k = "tỉnh", k + 1
        elif t in ("thành", "thanh") and k + 1 < n and toks[k + 1].casefold() in ("phố", "pho"):
            qual, k = "thành phố", k + 2
        elif t == "tp":
            qual, k = "thành phố", k + 1
            if k < n and toks[k] == ".":
                k += 1
        q_end = k - 1
        if k >= n:
            return None, qual, q_end, False
        capitalised = toks[k][:1].isupper()
        if text_mode and not loose and not capitalised:
            return None, qual, q_end, False
        root = self._prov_trie_loose if loose else self._prov_trie
        node = root.get(_tok_key(toks[k]))
        found = self._walk(node, toks, k, False) if node is not None else []
        if not found or found[-1][0] is _AMBIGUOUS:
            return None, qual, q_end, qual is not None and (capitalised or loose) and toks[k].isalpha()
        prov, end = found[-1]
        assert isinstance(prov, Province)
        if qual is not None and qual != prov.type:
            return None, qual, q_end, True
        return prov, qual, end, False

    def _province_list(self, toks: list[str], k: int, text_mode: bool,
                       loose: bool) -> tuple[list[Province], int]:
        provs: list[Province] = []
        last = k - 1
        n = len(toks)
        while k < n:
            prov, _, end, _ = self._province_at(toks, k, text_mode, loose)
            if prov is None:
                break
            provs.append(prov)
            last, k = end, end + 1
            moved = False
            while k < n and (toks[k] in _LIST_SEPARATORS or toks[k].casefold() in _LIST_SEPARATORS):
                k += 1
                moved = True
            if not moved:
                break
        return provs, last

    def _kind_mentions(self, kind: _Kind, toks: list[str], i: int, end: int, province: Province | None,
                       text_mode: bool, loose: bool) -> tuple[list[Entity], int] | None:
        """The provincial bodies named by a kind ("Sở TT&TT") matched at toks[i..end]."""
        n = len(toks)
        j = end + 1
        plural = i > 0 and toks[i - 1].casefold() in _PLURAL
        if j < n and toks[j] == "(":
            # "các Sở TT&TT (Bắc Kạn, Phú Thọ)"; a parenthesis holding anything else is not a list.
            provs, last = self._province_list(toks, j + 1, text_mode, loose)
            if provs:
                if last + 1 < n and toks[last + 1] == ")":
                    last += 1
                return self._depts(kind, provs, last)
        if j < n and toks[j].casefold() in _PLURAL:
            # "Sở TT&TT các tỉnh Bắc Kạn, Phú Thọ"
            k = j + 1
            while k < n and k <= j + 5 and toks[k].casefold() in _LIST_LEAD:
                k += 1
            provs, last = self._province_list(toks, k, text_mode, loose)
            return self._depts(kind, provs, last)
        prov, qual, q_end, blocked = self._province_at(toks, j, text_mode, loose)
        if prov is not None:
            provs, last = [prov], q_end
            k = q_end + 1
            if plural and k < n and (toks[k] in _LIST_SEPARATORS or toks[k].casefold() in _LIST_SEPARATORS):
                more, more_last = self._province_list(toks, k + 1, text_mode, loose)
                if more:
                    provs += more
                    last = more_last
            return self._depts(kind, provs, last)
        # A bare kind: the body of the page's own province, if the caller knows it.
        if blocked or plural or province is None:
            return None
        if qual is None:
            if text_mode and kind.bare_needs_type:
                return None
            if j < n and toks[j].casefold() in _LOWER_LEVEL:
                return None
        elif qual != province.type:
            return None
        return self._depts(kind, [province], q_end)

    def _depts(self, kind: _Kind, provs: list[Province], last: int) -> tuple[list[Entity], int] | None:
        ents = [e for e in (self._dept.get((kind.key, p.name)) for p in provs) if e is not None]
        return (ents, last) if ents else None

    def _best_at(self, node: _Node, toks: list[str], i: int, province: Province | None,
                 text_mode: bool, loose: bool) -> tuple[int, list[Entity] | None] | None:
        """The longest mention starting at toks[i]: (last token index, entities)."""
        best: tuple[int, list[Entity] | None] | None = None
        for payload, end in self._walk(node, toks, i, text_mode):
            if isinstance(payload, Entity):
                cand: tuple[int, list[Entity] | None] = (end, [payload])
            elif isinstance(payload, _Kind):
                r = self._kind_mentions(payload, toks, i, end, province, text_mode, loose)
                if r is None:
                    continue
                cand = (r[1], r[0])
            elif payload is _BLOCK:
                if not text_mode:
                    continue
                cand = (end, [])
            else:  # ambiguous without diacritics
                cand = (end, None)
            if best is None or cand[0] >= best[0]:
                best = cand
        return best

    def _lookup_province(self, name: str) -> Province | None:
        """A province by its full name ("tỉnh Lào Cai"), name, alias or slug; no text scanning."""
        p = self._prov_by_full.get(key(name))
        return p if p is not None else self._prov_by_compact.get(re.sub(r"[\W_]", "", folded_key(name)))

    def _province_param(self, province: str | None) -> Province | None:
        if not province:
            return None
        p = self._lookup_province(province)
        if p is not None:
            return p
        name = self.province_of(province)
        return self._prov_by_full.get(key(name)) if name else None

    # ---------------------------------------------------------------- public API

    def resolve(self, name: str, province: str | None = None) -> Entity | None:
        """One name -> its entity; None when unknown, ambiguous, or a bare provincial kind without province."""
        if not name or not name.strip():
            return None
        prov = self._province_param(province)
        for loose in (False, True):
            toks = _tokens(name, loose)
            while toks and toks[-1] in _TRAILING_PUNCT:
                toks.pop()
            # "Trung tâm Công nghệ thông tin (Bộ VHTTDL)": the qualifier only repeats the parent.
            if len(toks) > 2 and toks[-1] == ")" and "(" in toks[1:]:
                cut = len(toks) - 1 - toks[::-1].index("(")
                r = self._resolve_tokens(toks[:cut], prov, loose)
                if r is not None:
                    return r if isinstance(r, Entity) else None
            r = self._resolve_tokens(toks, prov, loose)
            if r is not None:
                return r if isinstance(r, Entity) else None
        return None

    def _resolve_tokens(self, toks: list[str], prov: Province | None, loose: bool) -> Entity | _Marker | None:
        if not toks:
            return None
        root = self._trie_loose if loose else self._trie
        node = root.get(_tok_key(toks[0]))
        if node is None:
            return None
        last = len(toks) - 1
        while last > 0 and toks[last].casefold() in _SOFT:
            last -= 1
        best = self._best_at(node, toks, 0, prov, False, loose)
        if best is None or best[0] != last:
            return None
        ents = best[1]
        if ents is None:
            return _AMBIGUOUS
        return ents[0] if len(ents) == 1 else _AMBIGUOUS

    def find_mentions(self, text: str, province: str | None = None, *, loose: bool = False) -> list[Entity]:
        """Entities named in text, in order of first mention, longest match first.

        ``loose`` is for typed queries: heads need not be capitalised and diacritics are ignored
        (spellings that are ambiguous without diacritics are skipped).
        """
        if not text:
            return []
        prov = self._province_param(province)
        toks = _tokens(text, loose)
        heads = self._trie_loose if loose else self._heads
        out: dict[str, Entity] = {}
        n = len(toks)
        i = 0
        while i < n:
            node = heads.get(toks[i])
            if node is None:
                i += 1
                continue
            best = self._best_at(node, toks, i, prov, True, loose)
            if best is None:
                i += 1
                continue
            end, ents = best
            for e in ents or ():
                out.setdefault(e.canonical, e)
            nxt = end + 1
            # A longer mention can start inside this one: "Thanh tra Bộ Tài chính" is the unit
            # "Thanh tra Bộ" and the ministry; "Văn phòng UBND tỉnh Lào Cai" likewise.
            for p in range(i + 1, end + 1):
                inner = heads.get(toks[p])
                if inner is not None:
                    b = self._best_at(inner, toks, p, prov, True, loose)
                    if b is not None and b[0] > end:
                        nxt = p
                        break
            i = nxt
        return list(out.values())

    def mention_spans(self, query: str) -> list[tuple[int, int, str]]:
        """Names typed in a query, as ``(start, end, canonical)`` character spans (loose matching:
        any case, with or without diacritics). Used to expand ``Bộ TT&TT`` into the agency."""
        text = unicodedata.normalize("NFC", query)
        folded = fold(text).lower()
        if len(folded) != len(text):
            return []
        toks: list[str] = []
        spans: list[tuple[int, int]] = []
        for chunk in re.finditer(r"\S+", folded):
            word = chunk.group()
            if word.isalnum():
                toks.append(word)
                spans.append((chunk.start(), chunk.end()))
                continue
            for m in _TOKEN_RE.finditer(word):
                toks.append(m.group())
                spans.append((chunk.start() + m.start(), chunk.start() + m.end()))
        out: list[tuple[int, int, str]] = []
        i = 0
        while i < len(toks):
            node = self._trie_loose.get(toks[i])
            best = self._best_at(node, toks, i, None, True, True) if node is not None else None
            if best is None or not best[1]:
                i += 1
                continue
            end, ents = best
            out.append((spans[i][0], spans[end][1], ents[0].canonical))
            i = end + 1
        return out

    def find_units(self, text: str, province: str | None = None) -> list[str]:
        """Canonical names of the units, departments, committees and broadcasters text names."""
        return [e.canonical for e in self.find_mentions(text, province) if e.kind in _UNIT_LIKE]

    def for_domain(self, domain_or_url: str) -> Entity | None:
        """The body whose portal a host or URL belongs to ("https://mic.gov.vn/x" -> Bộ TT&TT)."""
        host = _host(domain_or_url)
        if not host:
            return None
        e = self._domains.get(host)
        if e is not None:
            return e
        labels = host.split(".")
        # <sub>.<province slug>.gov.vn: a department by its usual subdomain, else the province's portal.
        if host.endswith(".gov.vn") and len(labels) >= 3:
            p = self._prov_by_compact.get(labels[-3].replace("-", ""))
            if p is not None and labels[-3] in p.slugs:
                if len(labels) >= 4:
                    kind = self._kind_by_sub.get(labels[-4])
                    if kind is not None and (kind.key, p.name) in self._dept:
                        return self._dept[(kind.key, p.name)]
                return self._portal_owner.get(p.name)
        for cut in range(1, len(labels) - 1):
            e = self._domains.get(".".join(labels[cut:]))
            if e is not None:
                return e
        return None

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
            host = _host(s)
            labels = host.split(".")
            if host.endswith(".gov.vn") and len(labels) >= 3:
                p = self._prov_by_compact.get(labels[-3].replace("-", ""))
                if p is not None:
                    return p.full
            e = self.for_domain(s)
            if e is not None and e.province:
                return e.province
        p = self._prov_by_compact.get(re.sub(r"[\W_]", "", folded_key(s)))
        if p is not None:
            return p.full
        for loose in (False, True):
            toks = _tokens(s, loose)
            while toks and toks[-1] in _TRAILING_PUNCT:
                toks.pop()
            if not toks:
                return None
            p, _, end, _ = self._province_at(toks, 0, False, loose)
            if p is not None and end == len(toks) - 1:
                return p.full
        toks = _tokens(s, False)
        for i, tok in enumerate(toks):
            low = tok.casefold()
            if low in ("tỉnh", "thành", "tp"):
                p, qual, _, _ = self._province_at(toks, i, True, False)
                if p is not None and qual is not None:
                    return p.full
            node = self._heads.get(tok)
            if node is not None:
                best = self._best_at(node, toks, i, None, True, False)
                for e in (best[1] or ()) if best else ():
                    if e.province:
                        return e.province
        return None

    def alias_forms(self, canonical: str) -> list[str]:
        """Canonical + short + aliases, one per normalised spelling, for query expansion."""
        e = self.entity(canonical) or self.resolve(canonical)
        if e is None:
            return []
        return list(_dedupe((e.canonical, e.short, *e.aliases)))

    def agencies(self) -> list[Entity]:
        """Bodies that publish: ministries, government bodies, departments, committees, broadcasters."""
        return [e for e in self._entities if e.kind != "unit"]

    # ---------------------------------------------------------------- extras

    def entity(self, canonical: str) -> Entity | None:
        """Exact lookup by canonical name (after normalisation and case folding)."""
        return self._by_key.get(key(canonical))

    def entities(self) -> list[Entity]:
        return list(self._entities)

    def units(self) -> list[Entity]:
        return [e for e in self._entities if e.kind == "unit"]

    def provinces(self) -> list[str]:
        """The 63 provinces as "tỉnh Lào Cai" / "thành phố Đà Nẵng"."""
        return [p.full for p in self._provinces]

    def units_of(self, agency: str) -> list[Entity]:
        """Units listed under an agency (a provincial body gets those of its kind)."""
        e = self.entity(agency) or self.resolve(agency)
        if e is None:
            return []
        kind = self._kind_of.get(e.canonical)
        names = self._units_of.get(key(kind.name if kind else e.canonical), [])
        return [self._by_key[key(n)] for n in names]

    def parents_of(self, unit: str) -> list[str]:
        """Agencies a unit belongs to: national canonical names or provincial kinds ("Sở Y tế")."""
        e = self.entity(unit) or self.resolve(unit)
        return list(self._parents.get(e.canonical, ())) if e is not None else []

    def for_doc_code(self, code: str) -> Entity | None:
        """National issuer of a document-number code: "BTTTT", "QĐ-BTTTT", "BNN-VP" -> its body."""
        parts = [p for p in re.split(r"[-–\s/]+", normalize(code).strip()) if p]
        for part in parts:
            e = self._doc_codes.get(part.casefold())
            if e is not None:
                return e
        return None


@functools.cache
def _default_registry() -> Registry:
    return Registry.load(DATA_PATH)
