"""The registry's data: ``indexer/data/registry.json`` loaded, validated and indexed.

``load_tables`` turns the parsed file into ``Tables``: the entities, the provinces, and the tries
of name tokens that ``registry_match`` walks over running text. Every inconsistency in the file
(a name given to two bodies, a domain claimed twice, an unknown province or kind) is a
``RegistryError`` naming it; nothing is silently dropped.

Names are compared token by token (``name_key``): NFC, traditional tone placement, case folded,
and the separators ``, - – — & và`` skipped, so "Bộ VH,TT&DL" = "Bộ VH-TT-DL".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .entities import KINDS, PROVINCIAL_KINDS, Entity, Province, ProvincialKind
from .textnorm import canonical_tones, fold, folded_key, key, modern_tones, normalize

DATA_PATH = Path(__file__).resolve().parent / "data" / "registry.json"


class RegistryError(ValueError):
    """The registry data file is inconsistent; the message says where."""


class Marker:
    """A trie payload that is not an entity."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# A phrase that starts like an entity but is not one ("Chính phủ điện tử").
BLOCK = Marker("BLOCK")
# A diacritic-free spelling shared by two entities: resolving it would be a guess.
AMBIGUOUS = Marker("AMBIGUOUS")

TOKEN_RE = re.compile(r"\w+|[^\w\s]")
# Separators people use interchangeably inside names; skipped while matching.
SOFT = frozenset({",", "-", "–", "—", "‐", "‑", "&", "và", "va"})

Node = dict  # token -> child node; "" -> TrieHit


@dataclass(frozen=True)
class TrieHit:
    payload: object          # Entity, ProvincialKind, Province or a Marker
    in_running_text: bool    # False for resolve_only spellings ("BTC" is as often "Ban tổ chức")


_ZERO_WIDTH = str.maketrans({"\u200b": " ", "\ufeff": " ", "\u2060": " "})


def tokens(text: str, loose: bool) -> list[str]:
    """Words and single punctuation marks of NFC text.

    The full ``normalize`` (tone placement) costs more than the whole match on a 5 KB page, so
    only NFC is applied here and tone placement is fixed per token, when a token is compared
    (``tok_key``). Splitting on spaces first is about twice as fast as one regex over the text.
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
            out += TOKEN_RE.findall(chunk)
    return out


@functools.lru_cache(maxsize=100_000)
def tok_key(tok: str) -> str:
    """Comparison form of one token: traditional tone placement, case folded."""
    return canonical_tones(tok).casefold()


def name_key(name: str, loose: bool) -> tuple[str, ...]:
    return tuple(t for t in (tok_key(tok) for tok in tokens(name, loose)) if t not in SOFT)


def compact_key(text: str) -> str:
    """"Lào Cai" / "laocai" / "Lao-Cai" -> "laocai": how provinces are looked up by slug."""
    return re.sub(r"[\W_]", "", folded_key(text))


def label(payload: object) -> str:
    if isinstance(payload, Entity):
        return payload.canonical
    if isinstance(payload, ProvincialKind):
        return payload.name
    if isinstance(payload, Province):
        return payload.full
    return repr(payload)


def insert(root: Node, keys: tuple[str, ...], payload: object, text_ok: bool, loose: bool, alias: str) -> None:
    if not keys:
        raise RegistryError(f"registry: empty name {alias!r}")
    node = root
    for k in keys:
        node = node.setdefault(k, {})
    old: TrieHit | None = node.get("")
    if old is None:
        node[""] = TrieHit(payload, text_ok)
    elif old.payload is payload:
        node[""] = TrieHit(payload, old.in_running_text or text_ok)
    elif loose:
        node[""] = TrieHit(AMBIGUOUS, True)
    else:
        raise RegistryError(f"registry: {alias!r} names both {label(old.payload)} and {label(payload)}")


def dedupe(forms: Iterable[str], skip: Iterable[str] = (), normalised: bool = False) -> tuple[str, ...]:
    """One spelling per normalised form, in order, leaving out those in ``skip``."""
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


@dataclass
class Tables:
    """Everything the registry answers from, built once by ``load_tables``."""
    entities: list[Entity] = field(default_factory=list)
    by_key: dict[str, Entity] = field(default_factory=dict)           # key(canonical) -> entity
    trie: Node = field(default_factory=dict)                          # exact name tokens
    trie_loose: Node = field(default_factory=dict)                    # folded, for typed queries
    heads: dict[str, Node] = field(default_factory=dict)              # capitalised head token -> trie node
    province_trie: Node = field(default_factory=dict)
    province_trie_loose: Node = field(default_factory=dict)
    provinces: list[Province] = field(default_factory=list)
    province_by_compact: dict[str, Province] = field(default_factory=dict)  # slug or folded name
    province_by_full: dict[str, Province] = field(default_factory=dict)     # key("tỉnh Lào Cai")
    provincial: dict[tuple[str, str], Entity] = field(default_factory=dict)  # (kind key, province name)
    kinds: dict[str, ProvincialKind] = field(default_factory=dict)
    kind_by_subdomain: dict[str, ProvincialKind] = field(default_factory=dict)
    kind_of: dict[str, ProvincialKind] = field(default_factory=dict)        # provincial canonical -> kind
    domains: dict[str, Entity] = field(default_factory=dict)
    doc_codes: dict[str, Entity] = field(default_factory=dict)
    units_of: dict[str, list[str]] = field(default_factory=dict)            # key(parent) -> unit names
    parents: dict[str, list[str]] = field(default_factory=dict)             # unit -> parent names
    portal_owner: dict[str, Entity] = field(default_factory=dict)           # province name -> its UBND

    def lookup_province(self, name: str) -> Province | None:
        """A province by its full name ("tỉnh Lào Cai"), name, alias or slug; no text scanning."""
        p = self.province_by_full.get(key(name))
        return p if p is not None else self.province_by_compact.get(compact_key(name))


def load_tables(data: dict[str, Any]) -> Tables:
    """Build the tables from the parsed data file.

    Sections: ``provinces`` [{name, type, slugs, aliases?, short_place?}]; ``national``
    [{canonical, short, kind, aliases?, resolve_only?, domains, doc_codes, province?,
    common_units, units}]; ``press`` [{canonical, short?, aliases?, resolve_only?, domains,
    province?}]; ``provincial_kinds`` [{key, kind, name, short, aliases, resolve_only, doc_code,
    subdomains, only?, except?, short_with_type?, bare_needs_type?, units}];
    ``ministry_common_units`` / ``department_common_units``; ``domains`` {host: canonical};
    ``not_entities`` [phrase]. A unit is a name or {name, short?, aliases?, code?, domains?}.
    ``resolve_only`` spellings are accepted by resolve() but not looked for in running text.
    """
    return _Loader(data).tables


class _Loader:
    def __init__(self, data: dict[str, Any]) -> None:
        self.tables = Tables()
        self._surfaces: dict[str, set[str]] = {}  # head token (case folded) -> spellings seen
        self._load_provinces(data["provinces"])
        units = self._collect_units(data)
        self._extra_domains: dict[str, list[str]] = {}
        for host, canonical in data.get("domains", {}).items():
            self._extra_domains.setdefault(key(canonical), []).append(host.lower())
        self._load_national(data["national"])
        self._load_press(data.get("press", ()), units)
        self._load_units(units)
        self._load_provincial(data["provincial_kinds"])
        for phrase in data.get("not_entities", ()):
            self._insert_name(phrase, BLOCK, True)
        missing = set(self._extra_domains) - set(self.tables.by_key)
        if missing:
            raise RegistryError(f"registry: domains for unknown entities {sorted(missing)}")
        self.tables.heads = self._surface_heads()

    def _insert_name(self, name: str, payload: object, text_ok: bool) -> None:
        norm = normalize(name)
        toks = TOKEN_RE.findall(norm)
        if toks:
            self._surfaces.setdefault(toks[0].casefold(), set()).add(toks[0])
        exact = tuple(t for t in (tok.casefold() for tok in toks) if t not in SOFT)
        loose = tuple(t for t in TOKEN_RE.findall(fold(norm).casefold()) if t not in SOFT)
        insert(self.tables.trie, exact, payload, text_ok, False, name)
        insert(self.tables.trie_loose, loose, payload, text_ok, True, name)

    def _add(self, entity: Entity) -> None:
        t = self.tables
        k = key(entity.canonical)
        if k in t.by_key:
            raise RegistryError(f"registry: {entity.canonical!r} defined twice")
        t.by_key[k] = entity
        t.entities.append(entity)
        for host in entity.domains:
            if t.domains.setdefault(host, entity) is not entity:
                raise RegistryError(f"registry: domain {host} claimed by {t.domains[host].canonical!r} "
                                    f"and {entity.canonical!r}")

    def _domains_of(self, row_domains: Iterable[str], canonical: str) -> tuple[str, ...]:
        return tuple(d.lower() for d in row_domains) + tuple(self._extra_domains.get(key(canonical), ()))

    def _load_provinces(self, rows: list[dict[str, Any]]) -> None:
        t = self.tables
        for row in rows:
            name = normalize(row["name"])
            p = Province(name, row["type"], tuple(row["slugs"]), tuple(normalize(a) for a in row.get("aliases", ())),
                         normalize(row.get("short_place", name)))
            if p.type not in ("tỉnh", "thành phố"):
                raise RegistryError(f"registry: bad province type {p.type!r}")
            t.provinces.append(p)
            t.province_by_full[key(p.full)] = p
            for form in (p.name, *p.aliases):
                insert(t.province_trie, name_key(form, False), p, True, False, form)
                insert(t.province_trie_loose, name_key(form, True), p, True, True, form)
            for form in (*p.slugs, p.name, *p.aliases):
                if t.province_by_compact.setdefault(compact_key(form), p) is not p:
                    raise RegistryError(f"registry: {form!r} names two provinces")

    def _province(self, name: str | None, owner: str) -> Province | None:
        if not name:
            return None
        province = self.tables.lookup_province(name)
        if province is None:
            raise RegistryError(f"registry: unknown province {name!r} for {owner!r}")
        return province

    def _collect_units(self, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Merge unit definitions (one unit may belong to several ministries) and record parents."""
        units: dict[str, dict[str, Any]] = {}
        t = self.tables

        def take(raw: str | dict[str, Any], parent: str) -> str:
            spec = {"name": raw} if isinstance(raw, str) else raw
            name = normalize(spec["name"])
            u = units.setdefault(name, {"short": None, "aliases": [], "code": None, "domains": []})
            u["short"] = u["short"] or spec.get("short")
            u["code"] = u["code"] or spec.get("code")
            u["aliases"] += [a for a in spec.get("aliases", ()) if a not in u["aliases"]]
            u["domains"] += [d for d in spec.get("domains", ()) if d not in u["domains"]]
            parents = t.parents.setdefault(name, [])
            if parent not in parents:
                parents.append(parent)
            return name

        for row in data["national"]:
            parent = normalize(row["canonical"])
            common = data["ministry_common_units"] if row.get("common_units") else []
            t.units_of[key(parent)] = [take(u, parent) for u in (*common, *row.get("units", ()))]
        for row in data["provincial_kinds"]:
            parent = normalize(row["name"])
            common = data["department_common_units"] if row["kind"] == "department" else []
            t.units_of[key(parent)] = [take(u, parent) for u in (*common, *row.get("units", ()))]
        return units

    def _load_named(self, row: dict[str, Any], kind: str) -> Entity:
        """A body listed by name (a national body or a newspaper): its entity and spellings."""
        canonical = normalize(row["canonical"])
        if kind not in KINDS or kind == "unit":
            raise RegistryError(f"registry: bad kind {kind!r} for {canonical!r}")
        province = self._province(row.get("province"), canonical)
        resolve_only = tuple(normalize(a) for a in row.get("resolve_only", ()))
        short = normalize(row.get("short") or canonical)
        aliases = dedupe((*(normalize(a) for a in row.get("aliases", ())), *resolve_only), (canonical, short))
        codes = row.get("doc_codes", ())
        e = Entity(canonical, short, kind, aliases, self._domains_of(row.get("domains", ()), canonical),
                   province.full if province else None, codes[0] if codes else None)
        self._add(e)
        for form in (canonical, short, *aliases):
            self._insert_name(form, e, form not in resolve_only)
        for code in codes:
            self.tables.doc_codes[code.casefold()] = e
        return e

    def _load_national(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            if row["kind"] == "press":
                raise RegistryError(f"registry: {row['canonical']!r}: newspapers go in the 'press' section")
            self._load_named(row, row["kind"])

    def _load_press(self, rows: Iterable[dict[str, Any]], units: dict[str, dict[str, Any]]) -> None:
        """Newspapers and news sites. A ministry's own newspaper is also listed among its units (so
        ``units_of`` and ``parents_of`` know it); the press row defines it, with the unit's spellings."""
        for row in rows:
            if row.get("kind", "press") != "press":
                raise RegistryError(f"registry: {row['canonical']!r} in 'press' has kind {row['kind']!r}")
            unit = units.pop(normalize(row["canonical"]), None)
            if unit is not None:
                row = {**row, "aliases": [*row.get("aliases", ()), *unit["aliases"]],
                       "domains": [*row.get("domains", ()), *(d for d in unit["domains"] if d not in row.get("domains", ()))]}
            self._load_named(row, "press")

    def _load_units(self, units: dict[str, dict[str, Any]]) -> None:
        for name, u in units.items():
            short = normalize(u["short"] or name)
            aliases = dedupe((normalize(a) for a in u["aliases"]), (name, short))
            e = Entity(name, short, "unit", aliases, self._domains_of(u["domains"], name), None, u["code"])
            self._add(e)
            for form in (name, short, *aliases):
                self._insert_name(form, e, True)

    def _load_provincial(self, rows: list[dict[str, Any]]) -> None:
        t = self.tables
        for row in rows:
            kind = ProvincialKind(row["key"], row["kind"], normalize(row["name"]), normalize(row["short"]),
                                  tuple(normalize(a) for a in row.get("aliases", ())),
                                  tuple(normalize(a) for a in row.get("resolve_only", ())),
                                  row.get("doc_code"), tuple(row.get("subdomains", ())),
                                  bool(row.get("short_with_type")), bool(row.get("bare_needs_type")))
            if kind.kind not in PROVINCIAL_KINDS:
                raise RegistryError(f"registry: bad provincial kind {kind.kind!r}")
            t.kinds[kind.key] = kind
            for sub in kind.subdomains:
                if t.kind_by_subdomain.setdefault(sub, kind) is not kind:
                    raise RegistryError(f"registry: subdomain {sub!r} used by two kinds")
            for form in (kind.name, kind.short, *kind.aliases):
                self._insert_name(form, kind, True)
            for form in kind.resolve_only:
                self._insert_name(form, kind, False)
            only = {normalize(n) for n in row.get("only", ())}
            excluded = {normalize(n) for n in row.get("except", ())}
            for p in t.provinces:
                if (only and p.name not in only) or p.name in excluded:
                    continue
                self._add_provincial(kind, p)

    def _add_provincial(self, kind: ProvincialKind, p: Province) -> None:
        t = self.tables
        canonical = f"{kind.name} {p.full}"
        short = f"{kind.short} {p.full if kind.short_with_type else p.short_place}"
        places = [p.name, p.full, p.short_place, *p.aliases]
        if p.type == "thành phố":
            places += [f"TP {p.name}", f"TP. {p.name}"]
        aliases = dedupe((f"{k} {place}" for k in (kind.name, kind.short, *kind.aliases) for place in places),
                         (canonical, short), normalised=True)
        if kind.kind == "department":
            domains: tuple[str, ...] = (f"{kind.subdomains[0]}.{p.slugs[0]}.gov.vn",) if kind.subdomains else ()
        elif kind.kind == "people_committee":
            domains = tuple(f"{slug}.gov.vn" for slug in p.slugs[:1])
        else:
            domains = ()
        e = Entity(canonical, short, kind.kind, aliases, domains + tuple(self._extra_domains.get(key(canonical), ())),
                   p.full, kind.doc_code)
        self._add(e)
        t.provincial[(kind.key, p.name)] = e
        t.kind_of[canonical] = kind
        if kind.kind == "people_committee":
            # The province's own portal (laocai.gov.vn) is the people's committee's.
            t.portal_owner.setdefault(p.name, e)

    def _surface_heads(self) -> dict[str, Node]:
        """Head tokens as they may appear in text, each mapped to its trie node.

        Only capitalised forms are listed: "Trung tâm Thông tin" is a unit, "trung tâm" in running
        text is not. Looking the raw token up here is the whole cost of a non-head token.
        """
        heads: dict[str, Node] = {}
        for low, node in self.tables.trie.items():
            for surface in self._surfaces.get(low, {low}):
                variants = {surface, surface.upper(), surface[:1].upper() + surface[1:].lower()}
                variants |= {modern_tones(v) for v in variants}
                for v in variants:
                    if v[:1].isupper() or not v[:1].isalpha():
                        heads[v] = node
        return heads
