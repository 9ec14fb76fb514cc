"""Facets, one small class per kind, in the manner of Datasette's ``facets.py``: each knows the
filter it applies and, for the kinds that have them, how it counts the matches by value.

Each facet is counted without its own filter (the matches narrowed by every other one), so a
user who picked one agency still sees the others to add.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .columns import Column, Columns

Counts = list[tuple[str, int]]


@dataclass
class Filters:
    agencies: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    years: list[int] = field(default_factory=list)
    months: list[str] = field(default_factory=list)  # "YYYY-MM"
    kinds: list[str] = field(default_factory=list)  # "tin", "văn bản"
    story: str | None = None  # one story's pages only (its id; ``stories.StoryColumn``)


class Facet:
    name = ""
    counted = True  # has counts of its own (the date range only narrows)

    def narrows(self, filters: Filters) -> bool:
        raise NotImplementedError

    def mask(self, columns: Columns, filters: Filters) -> np.ndarray:
        """The documents this facet's filter keeps."""
        raise NotImplementedError

    def counts(self, columns: Columns, matched: np.ndarray) -> Counts:
        """Documents per value among ``matched``."""
        raise NotImplementedError


class _ValueFacet(Facet):
    """Documents per value of a column; the filter keeps documents with any chosen value."""

    column = ""  # the ``Columns`` attribute
    chosen = ""  # the ``Filters`` attribute

    def _column(self, columns: Columns) -> Column:
        return getattr(columns, self.column)

    def narrows(self, filters: Filters) -> bool:
        return bool(getattr(filters, self.chosen))

    def mask(self, columns: Columns, filters: Filters) -> np.ndarray:
        return self._column(columns).mask_for(getattr(filters, self.chosen), columns.size)

    def counts(self, columns: Columns, matched: np.ndarray) -> Counts:
        return self._column(columns).counts(matched)


class AgencyFacet(_ValueFacet):
    name = column = "agency"
    chosen = "agencies"


class UnitFacet(_ValueFacet):
    name = column = "unit"
    chosen = "units"


class KindFacet(_ValueFacet):
    """News pages or the documents attached to them."""

    name = column = "kind"
    chosen = "kinds"


class YearFacet(Facet):
    """Years, newest first."""

    name = "year"

    def narrows(self, filters: Filters) -> bool:
        return bool(filters.years)

    def mask(self, columns: Columns, filters: Filters) -> np.ndarray:
        return np.isin(columns.year, filters.years)

    def counts(self, columns: Columns, matched: np.ndarray) -> Counts:
        return [(str(y), c) for y, c in _newest_first(columns.year[matched & (columns.year > 0)])]


class MonthFacet(Facet):
    """Months as ``YYYY-MM``, newest first."""

    name = "month"

    def narrows(self, filters: Filters) -> bool:
        return bool(filters.months)

    def mask(self, columns: Columns, filters: Filters) -> np.ndarray:
        wanted = np.zeros(columns.size, dtype=bool)
        for ym in filters.months:
            y, m = int(ym[:4]), int(ym[5:7])
            wanted |= (columns.year == y) & (columns.month == m)
        return wanted

    def counts(self, columns: Columns, matched: np.ndarray) -> Counts:
        known = matched & (columns.year > 0)
        months = columns.year[known] * 12 + (columns.month[known] - 1)
        return [(f"{v // 12:04d}-{v % 12 + 1:02d}", c) for v, c in _newest_first(months)]


def _newest_first(values: np.ndarray) -> list[tuple[int, int]]:
    """(value, how many times) for the distinct values, highest first: counted in one pass over
    the values' range (years or months, a few hundred or thousand), not by sorting them."""
    if not len(values):
        return []
    low = int(values.min())
    counts = np.bincount(values - low)
    present = np.flatnonzero(counts)[::-1]
    return list(zip((present + low).tolist(), counts[present].tolist()))


class DateRangeFacet(Facet):
    """From and to, both inclusive; pages without a date are outside any range with an end."""

    name = "date"
    counted = False

    def narrows(self, filters: Filters) -> bool:
        return bool(filters.date_from or filters.date_to)

    def mask(self, columns: Columns, filters: Filters) -> np.ndarray:
        mask = np.ones(columns.size, dtype=bool)
        if filters.date_from:
            mask &= columns.day_ordinal >= filters.date_from.toordinal()
        if filters.date_to:
            mask &= (columns.day_ordinal <= filters.date_to.toordinal()) & (columns.day_ordinal > 0)
        return mask


FACETS: tuple[Facet, ...] = (AgencyFacet(), UnitFacet(), KindFacet(), YearFacet(), MonthFacet(), DateRangeFacet())


def facet_masks(columns: Columns, filters: Filters) -> dict[str, np.ndarray]:
    """Each narrowing facet's own mask, computed once per search."""
    return {facet.name: facet.mask(columns, filters) for facet in FACETS if facet.narrows(filters)}


def filter_mask(columns: Columns, filters: Filters, skip: str | None = None,
                masks: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """The live documents every facet's filter keeps, but ``skip``'s."""
    mask = columns.live.copy()
    for name, facet_mask in (facet_masks(columns, filters) if masks is None else masks).items():
        if name != skip:
            mask &= facet_mask
    return mask


def facet_counts(columns: Columns, matched: np.ndarray, filters: Filters,
                 masks: dict[str, np.ndarray] | None = None) -> dict[str, Counts]:
    """Every counted facet over ``matched``, each under every filter but its own."""
    masks = facet_masks(columns, filters) if masks is None else masks
    return {facet.name: facet.counts(columns, matched & filter_mask(columns, filters, facet.name, masks))
            for facet in FACETS if facet.counted}
