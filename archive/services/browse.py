"""Browsing the archive: combinable facets with counts, sorting and pagination.

Counts are disjunctive: a facet's counts apply every other facet's selection, so each count is the
number of results that clicking the value gives. Only items the viewer may see are ever counted.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from sqlalchemy import select

from archive.db import db
from archive.errors import InvalidQuery
from archive.licensing import REUSES, reuses
from archive.models import Collection, CollectionMembership, Contribution, Item, Licence, Media
from archive.services.access import visible_items_clause
from archive.services.loading import item_loading
from archive.vocabulary import KINDS, MEDIA_KINDS, REGIONS, ROLES, script_of

FACETS = ("kind", "region", "language", "script", "collection", "licence", "reuse", "media", "role", "decade")
SORTS = ("date", "-date", "title", "recent")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class BrowseQuery:
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "-date"
    page: int = 1
    per_page: int = 24
    default_sort: str = "-date"
    extra: tuple[tuple[str, str], ...] = ()  # other parameters kept in links (the search text)

    @classmethod
    def from_args(cls, args: Any, *, per_page: int, extra: tuple[str, ...] = (), sorts: tuple[str, ...] = SORTS,
                  default_sort: str = "-date") -> "BrowseQuery":
        """Read a query from request arguments (a MultiDict); ``extra`` names other parameters the caller
        reads itself. Raises InvalidQuery on nonsense."""
        filters = {}
        for name in FACETS:
            values = tuple(dict.fromkeys(v for v in args.getlist(name) if v))
            if values:
                filters[name] = values
        unknown = set(args) - set(FACETS) - {"sort", "page", "per_page", *extra}
        if unknown:
            raise InvalidQuery(f"Unknown parameter {sorted(unknown)[0]!r}.")
        sort = args.get("sort", default_sort)
        if sort not in sorts:
            raise InvalidQuery(f"Unknown sort {sort!r}; use one of {', '.join(sorts)}.")
        page = _positive(args.get("page", "1"), "page")
        per_page = _positive(args.get("per_page", str(per_page)), "per_page")
        if per_page > MAX_PER_PAGE:
            raise InvalidQuery(f"'per_page' may be at most {MAX_PER_PAGE}.")
        _check_values(filters)
        return cls(filters, sort, page, per_page, default_sort, tuple((name, args.get(name, "")) for name in extra))

    def args(self, **changes: Any) -> dict[str, Any]:
        """URL arguments of this query with ``changes`` (a facet name -> its new tuple of values)."""
        filters = dict(self.filters)
        result: dict[str, Any] = {}
        for name in FACETS:
            values = changes[name] if name in changes else filters.get(name, ())
            if values:
                result[name] = list(values)
        sort = changes.get("sort", self.sort)
        if sort != self.default_sort:
            result["sort"] = sort
        for name, value in self.extra:
            if value:
                result[name] = value
        page = changes.get("page", 1 if changes else self.page)
        if page != 1:
            result["page"] = page
        return result

    def toggled(self, facet: str, value: str) -> dict[str, Any]:
        current = self.filters.get(facet, ())
        values = tuple(v for v in current if v != value) if value in current else (*current, value)
        return self.args(**{facet: values})


def _positive(raw: str, name: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidQuery(f"'{name}' must be a whole number of at least 1, not {raw!r}.")
    return int(raw)


def _check_values(filters: Mapping[str, tuple[str, ...]]) -> None:
    closed = {"kind": KINDS, "region": tuple(REGIONS), "reuse": REUSES, "media": MEDIA_KINDS, "role": tuple(ROLES)}
    for name, allowed in closed.items():
        for value in filters.get(name, ()):
            if value not in allowed:
                raise InvalidQuery(f"Unknown {name} {value!r}.")
    for value in filters.get("decade", ()):
        if not (value.lstrip("-").isdigit() and int(value) % 10 == 0):
            raise InvalidQuery(f"A decade is a year ending in 0, not {value!r}.")


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass(frozen=True)
class BrowseResult:
    query: BrowseQuery
    items: list[Item]
    total: int
    facets: dict[str, list[FacetValue]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


@dataclass
class _Row:
    id: int
    title: str
    date: int | None
    updated: Any
    values: dict[str, set[str]]


def _rows(viewer: Any) -> list[_Row]:
    licences = {licence.id: licence for licence in db.session.scalars(select(Licence))}
    rows: dict[int, _Row] = {}
    query = select(Item.id, Item.kind, Item.region, Item.languages, Item.licence_id, Item.labels, Item.date_start,
                   Item.title, Item.updated_at).where(visible_items_clause(viewer))
    for item_id, kind, region, languages, licence_id, labels, date_start, title, updated in db.session.execute(query):
        values: dict[str, set[str]] = defaultdict(set)
        values["kind"].add(kind)
        if region:
            values["region"].add(region)
        for tag in languages or []:
            values["language"].add(tag.split("-")[0])
            values["script"].add(script_of(tag))
        values["licence"].add(licence_id)
        values["reuse"].update(reuses(licences[licence_id], labels or []))
        if date_start is not None:
            year = abs(date_start) // 10000 * (1 if date_start >= 0 else -1)
            values["decade"].add(str(year - year % 10))
        rows[item_id] = _Row(item_id, (title[0]["value"] if title else "").casefold(), date_start, updated, values)
    ids = list(rows)
    for chunk in (ids[i : i + 900] for i in range(0, len(ids), 900)):
        for item_id, slug in db.session.execute(
            select(CollectionMembership.item_id, Collection.slug).join(Collection).where(CollectionMembership.item_id.in_(chunk))
        ):
            rows[item_id].values["collection"].add(slug)
        for item_id, kind in db.session.execute(select(Media.item_id, Media.kind).where(Media.item_id.in_(chunk)).distinct()):
            rows[item_id].values["media"].add(kind)
        for item_id, role in db.session.execute(
            select(Contribution.item_id, Contribution.role).where(Contribution.item_id.in_(chunk)).distinct()
        ):
            rows[item_id].values["role"].add(role)
    return list(rows.values())


def _matches(row: _Row, filters: Mapping[str, tuple[str, ...]], skip: str | None = None) -> bool:
    return all(name == skip or row.values.get(name, set()) & set(values) for name, values in filters.items())


def browse(viewer: Any, query: BrowseQuery) -> BrowseResult:
    """One page of the items ``viewer`` may see that match ``query``, with every facet's counts."""
    rows = _rows(viewer)
    matching = [row for row in rows if _matches(row, query.filters)]
    facets: dict[str, list[FacetValue]] = {}
    for name in FACETS:
        counts: Counter[str] = Counter()
        for row in rows:
            if _matches(row, query.filters, skip=name):
                counts.update(row.values.get(name, ()))
        selected = query.filters.get(name, ())
        for value in selected:
            counts.setdefault(value, 0)
        order = sorted(counts.items(), key=lambda vc: (-vc[1], vc[0])) if name != "decade" else sorted(counts.items())
        facets[name] = [FacetValue(value, count, value in selected) for value, count in order]
    matching.sort(key=_sort_key(query.sort))
    start = (query.page - 1) * query.per_page
    page_ids = [row.id for row in matching[start : start + query.per_page]]
    by_id = {item.id: item for item in db.session.scalars(select(Item).where(Item.id.in_(page_ids)).options(*item_loading()))}
    return BrowseResult(query, [by_id[i] for i in page_ids], len(matching), facets)


def _sort_key(sort: str):
    if sort == "title":
        return lambda row: (row.title, row.id)
    if sort == "recent":
        return lambda row: (-row.updated.timestamp(), row.id)
    if sort == "date":
        return lambda row: (row.date is None, row.date or 0, row.title)
    return lambda row: (row.date is None, -(row.date or 0), row.title)


def facet_value_names() -> dict[str, dict[str, Any]]:
    """Names the archive itself holds for facet values: collection titles and licence short names."""
    return {
        "collection": {c.slug: c.title for c in db.session.scalars(select(Collection))},
        "licence": {lic.id: lic.short_name for lic in db.session.scalars(select(Licence))},
    }
