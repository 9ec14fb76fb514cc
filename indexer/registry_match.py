"""Finding the registry's names in running text and in single names.

Matching works on tokens (``registry_data.tokens``): a name is found by walking the trie of
name tokens from a capitalised head word, the longest match winning. Provincial bodies are
matched as a kind plus a province ("Sở TT&TT" + "Lào Cai"), which is also what lets a list like
"các Sở TT&TT (Bắc Kạn, Phú Thọ)" name two bodies.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from .entities import Entity, Province, ProvincialKind
from .registry_data import AMBIGUOUS, BLOCK, SOFT, TOKEN_RE, Marker, Node, Tables, TrieHit, tok_key, tokens
from .textnorm import fold

_PLURAL = frozenset({"các", "những", "cac", "nhung"})
# "UBND huyện ...", "Sở ... xã": a body below the province, never the province's own.
_LOWER_LEVEL = frozenset({"huyện", "quận", "xã", "phường", "thị", "huyen", "quan", "xa", "phuong", "thi"})
_LIST_SEPARATORS = frozenset({",", ";", "-", "–", "—", "và", "va"})
_LIST_LEAD = frozenset({"tỉnh", "tinh", "thành", "thanh", "phố", "pho", "tp", ",", "/", "địa", "dia",
                        "phương", "phuong", ":"})
TRAILING_PUNCT = frozenset({".", ":", ";", ",", "!", "?", "…"})


@dataclass(frozen=True)
class Scan:
    """How a token list is being read."""
    province: Province | None   # the page's own province: a bare "Sở TT&TT" is its department
    running_text: bool          # True: only spellings usable in running text; False: one name (resolve)
    loose: bool                 # True: tokens are folded (a typed query without diacritics)


class PathHit(NamedTuple):
    payload: object  # Entity, ProvincialKind, Province or a Marker
    end: int         # index of the name's last token


class Mention(NamedTuple):
    end: int                               # index of the mention's last token
    entities: tuple[Entity, ...] | None    # None: ambiguous without diacritics; (): a blocked phrase


class ProvinceMatch(NamedTuple):
    province: Province | None
    qualifier: str | None  # "tỉnh" | "thành phố" when written before the name
    end: int               # index of the last token used (the qualifier's when no province)
    blocked: bool          # a qualifier followed by a name that is not a province of that type


class ProvinceList(NamedTuple):
    provinces: list[Province]
    end: int


def _is_separator(tok: str) -> bool:
    return tok in _LIST_SEPARATORS or tok.casefold() in _LIST_SEPARATORS


class Matcher:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    # ---------------------------------------------------------------- trie walks

    @staticmethod
    def walk(node: Node, toks: list[str], start: int, running_text: bool) -> list[PathHit]:
        """Every payload along the path from toks[start] (whose node is given), shortest first."""
        found: list[PathHit] = []
        hit: TrieHit | None = node.get("")
        if hit is not None and (hit.in_running_text or not running_text):
            found.append(PathHit(hit.payload, start))
        n = len(toks)
        j = start + 1
        while j < n:
            t = tok_key(toks[j])
            if t in SOFT:
                j += 1
                continue
            node = node.get(t)
            if node is None:
                break
            hit = node.get("")
            if hit is not None and (hit.in_running_text or not running_text):
                found.append(PathHit(hit.payload, j))
            j += 1
        return found

    def province_at(self, toks: list[str], k: int, scan: Scan) -> ProvinceMatch:
        """Optional "tỉnh"/"thành phố"/"TP" then a province name at toks[k].

        ``blocked`` means a qualifier is followed by a name that is not a province of that type
        ("UBND thành phố Lào Cai" is the city's committee, not the province's).
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
            return ProvinceMatch(None, qual, q_end, False)
        capitalised = toks[k][:1].isupper()
        if scan.running_text and not scan.loose and not capitalised:
            return ProvinceMatch(None, qual, q_end, False)
        root = self.t.province_trie_loose if scan.loose else self.t.province_trie
        node = root.get(tok_key(toks[k]))
        found = self.walk(node, toks, k, False) if node is not None else []
        if not found or found[-1].payload is AMBIGUOUS:
            blocked = qual is not None and (capitalised or scan.loose) and toks[k].isalpha()
            return ProvinceMatch(None, qual, q_end, blocked)
        prov, end = found[-1]
        assert isinstance(prov, Province)
        if qual is not None and qual != prov.type:
            return ProvinceMatch(None, qual, q_end, True)
        return ProvinceMatch(prov, qual, end, False)

    def province_list(self, toks: list[str], k: int, scan: Scan) -> ProvinceList:
        """"Bắc Kạn, Phú Thọ và tỉnh Yên Bái" from toks[k]."""
        provs: list[Province] = []
        last = k - 1
        n = len(toks)
        while k < n:
            found = self.province_at(toks, k, scan)
            if found.province is None:
                break
            provs.append(found.province)
            last, k = found.end, found.end + 1
            moved = False
            while k < n and _is_separator(toks[k]):
                k += 1
                moved = True
            if not moved:
                break
        return ProvinceList(provs, last)

    def kind_mentions(self, kind: ProvincialKind, toks: list[str], i: int, end: int, scan: Scan) -> Mention | None:
        """The provincial bodies named by a kind ("Sở TT&TT") matched at toks[i..end]."""
        n = len(toks)
        j = end + 1
        plural = i > 0 and toks[i - 1].casefold() in _PLURAL
        if j < n and toks[j] == "(":
            # "các Sở TT&TT (Bắc Kạn, Phú Thọ)"; a parenthesis holding anything else is not a list.
            provs, last = self.province_list(toks, j + 1, scan)
            if provs:
                if last + 1 < n and toks[last + 1] == ")":
                    last += 1
                return self._provincial(kind, provs, last)
        if j < n and toks[j].casefold() in _PLURAL:
            # "Sở TT&TT các tỉnh Bắc Kạn, Phú Thọ"
            k = j + 1
            while k < n and k <= j + 5 and toks[k].casefold() in _LIST_LEAD:
                k += 1
            provs, last = self.province_list(toks, k, scan)
            return self._provincial(kind, provs, last)
        found = self.province_at(toks, j, scan)
        if found.province is not None:
            provs, last = [found.province], found.end
            k = found.end + 1
            if plural and k < n and _is_separator(toks[k]):
                more = self.province_list(toks, k + 1, scan)
                if more.provinces:
                    provs += more.provinces
                    last = more.end
            return self._provincial(kind, provs, last)
        # A bare kind: the body of the page's own province, if the caller knows it.
        own = scan.province
        if found.blocked or plural or own is None:
            return None
        if found.qualifier is None:
            if scan.running_text and kind.bare_needs_type:
                return None
            if j < n and toks[j].casefold() in _LOWER_LEVEL:
                return None
        elif found.qualifier != own.type:
            return None
        return self._provincial(kind, [own], found.end)

    def _provincial(self, kind: ProvincialKind, provs: list[Province], last: int) -> Mention | None:
        ents = tuple(e for e in (self.t.provincial.get((kind.key, p.name)) for p in provs) if e is not None)
        return Mention(last, ents) if ents else None

    def best_at(self, node: Node, toks: list[str], i: int, scan: Scan) -> Mention | None:
        """The longest mention starting at toks[i] (whose trie node is given)."""
        best: Mention | None = None
        for payload, end in self.walk(node, toks, i, scan.running_text):
            if isinstance(payload, Entity):
                cand: Mention | None = Mention(end, (payload,))
            elif isinstance(payload, ProvincialKind):
                cand = self.kind_mentions(payload, toks, i, end, scan)
                if cand is None:
                    continue
            elif payload is BLOCK:
                if not scan.running_text:
                    continue
                cand = Mention(end, ())
            else:  # ambiguous without diacritics
                cand = Mention(end, None)
            if best is None or cand.end >= best.end:
                best = cand
        return best

    # ---------------------------------------------------------------- answers

    def resolve_tokens(self, toks: list[str], province: Province | None, loose: bool) -> Entity | Marker | None:
        """The entity that the whole of ``toks`` names, AMBIGUOUS, or None."""
        if not toks:
            return None
        root = self.t.trie_loose if loose else self.t.trie
        node = root.get(tok_key(toks[0]))
        if node is None:
            return None
        last = len(toks) - 1
        while last > 0 and toks[last].casefold() in SOFT:
            last -= 1
        best = self.best_at(node, toks, 0, Scan(province, False, loose))
        if best is None or best.end != last:
            return None
        if best.entities is None:
            return AMBIGUOUS
        return best.entities[0] if len(best.entities) == 1 else AMBIGUOUS

    def mentions(self, text: str, province: Province | None, loose: bool) -> list[Entity]:
        """Entities named in running text, in order of first mention, longest match first."""
        toks = tokens(text, loose)
        heads = self.t.trie_loose if loose else self.t.heads
        scan = Scan(province, True, loose)
        out: dict[str, Entity] = {}
        n = len(toks)
        i = 0
        while i < n:
            node = heads.get(toks[i])
            best = self.best_at(node, toks, i, scan) if node is not None else None
            if best is None:
                i += 1
                continue
            for e in best.entities or ():
                out.setdefault(e.canonical, e)
            i = self._next_start(heads, toks, i, best.end, scan)
        return list(out.values())

    def _next_start(self, heads: dict[str, Node], toks: list[str], i: int, end: int, scan: Scan) -> int:
        # A longer mention can start inside this one: "Thanh tra Bộ Tài chính" is the unit
        # "Thanh tra Bộ" and the ministry; "Văn phòng UBND tỉnh Lào Cai" likewise.
        for p in range(i + 1, end + 1):
            inner = heads.get(toks[p])
            if inner is not None:
                b = self.best_at(inner, toks, p, scan)
                if b is not None and b.end > end:
                    return p
        return end + 1

    def spans(self, query: str) -> list[tuple[int, int, str]]:
        """Names typed in a query as ``(start, end, canonical)`` character spans (loose)."""
        text = unicodedata.normalize("NFC", query)
        folded = fold(text).lower()
        if len(folded) != len(text):
            return []
        toks: list[str] = []
        offsets: list[tuple[int, int]] = []
        for chunk in re.finditer(r"\S+", folded):
            word = chunk.group()
            if word.isalnum():
                toks.append(word)
                offsets.append((chunk.start(), chunk.end()))
                continue
            for m in TOKEN_RE.finditer(word):
                toks.append(m.group())
                offsets.append((chunk.start() + m.start(), chunk.start() + m.end()))
        scan = Scan(None, True, True)
        out: list[tuple[int, int, str]] = []
        i = 0
        while i < len(toks):
            node = self.t.trie_loose.get(toks[i])
            best = self.best_at(node, toks, i, scan) if node is not None else None
            if best is None or not best.entities:
                i += 1
                continue
            out.append((offsets[i][0], offsets[best.end][1], best.entities[0].canonical))
            i = best.end + 1
        return out

    def province_named(self, text: str) -> Province | None:
        """The province a whole short text names ("Lào Cai", "tỉnh Lao Cai"), or None."""
        for loose in (False, True):
            toks = tokens(text, loose)
            while toks and toks[-1] in TRAILING_PUNCT:
                toks.pop()
            if not toks:
                return None
            found = self.province_at(toks, 0, Scan(None, False, loose))
            if found.province is not None and found.end == len(toks) - 1:
                return found.province
        return None

    def first_province_in(self, text: str) -> str | None:
        """The first province named with its "tỉnh"/"thành phố", or that of the first provincial
        body named; a bare place name in running text is not enough."""
        toks = tokens(text, False)
        scan = Scan(None, True, False)
        for i, tok in enumerate(toks):
            low = tok.casefold()
            if low in ("tỉnh", "thành", "tp"):
                found = self.province_at(toks, i, scan)
                if found.province is not None and found.qualifier is not None:
                    return found.province.full
            node = self.t.heads.get(tok)
            if node is not None:
                best = self.best_at(node, toks, i, scan)
                for e in (best.entities or ()) if best else ():
                    if e.province:
                        return e.province
        return None
