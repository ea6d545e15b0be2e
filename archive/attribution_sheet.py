"""The attribution sheet of a teacher's class set: what each item is, who made it and under which licence,
and which of the set's files show it. Plain data, filled by the class-set service and rendered as HTML (a
template) and as PDF (``archive.attribution_pdf``)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SheetText:
    """A value in its language (BCP 47, with the script where it matters: ``ary-Arab``, ``zgh-Tfng``)."""

    value: str
    lang: str


@dataclass(frozen=True)
class SheetEntry:
    number: int  # 1, 2, ... in the order of the selection; the set's file names start with it
    title: SheetText
    attribution: str  # one line, "title, knowledge holders, community, archive, address, licence. Data work: ..."
    licence: str  # short name, e.g. "CC BY-NC 4.0"
    licence_url: str
    item_url: str
    summary: SheetText | None = None
    images: list[str] = field(default_factory=list)  # file names inside the ZIP, e.g. "images/01-terz-fassi-1.jpg"


@dataclass(frozen=True)
class SheetGap:
    """Something of the selection left out of the set, and why."""

    number: int
    title: SheetText
    reason: str  # "licence": the item may not be shown in class; "terms": a picture's terms are not accepted yet
    licence: str  # the short name of the licence concerned


@dataclass(frozen=True)
class AttributionSheet:
    site_name: str
    selection_url: str  # the selection's page, from which the set was made
    created: str  # ISO date
    entries: list[SheetEntry]
    left_out: list[SheetGap] = field(default_factory=list)
