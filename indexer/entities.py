"""What the registry knows about: kinds of bodies, the bodies themselves, the provinces.

The kinds are defined here once; extraction (who published a page), the query parser (an agency
typed in a query) and the registry (which mentions are units) all read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Every kind of entity in the registry.
KINDS = ("ministry", "government", "department", "people_committee", "broadcaster", "press", "unit")
# Bodies that publish pages: the agency facet lists these (press: newspapers, magazines, news sites).
PUBLISHER_KINDS = frozenset({"ministry", "government", "department", "people_committee", "broadcaster", "press"})
# Publishers that are part of the state: the ones a page's text may vote for as a last resort.
GOVERNMENT_KINDS = PUBLISHER_KINDS - {"press"}
# What the unit facet lists: units of a ministry, and the provincial bodies a text names.
UNIT_KINDS = frozenset({"unit", "department", "people_committee", "broadcaster"})
# Kinds generated once per province from a "provincial kind".
PROVINCIAL_KINDS = frozenset({"department", "people_committee", "broadcaster"})


@dataclass(frozen=True)
class Entity:
    canonical: str                 # full official name
    short: str                     # usual abbreviation, e.g. "Bộ TT&TT", "Sở TT&TT Lào Cai"; canonical if none
    kind: str                      # one of KINDS
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
class ProvincialKind:
    """A kind of provincial body ("Sở TT&TT"); one Entity per province is generated from it."""
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
