"""Teachers' class sets: the items of a selection as one ZIP of print-ready pictures with an attribution
sheet. Only what the teacher may see and may show in class goes in; the sheet says what was left out and
why, so a set never silently lacks a picture."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from archive.attribution_sheet import AttributionSheet, SheetEntry, SheetGap, SheetText
from archive.errors import NotFound
from archive.licensing import reuses
from archive.models import Item, Media
from archive.presenters import attribution_line, localized
from archive.services.downloads import pending_terms
from archive.services.images import ImageRef, Rendition, image_for_viewer
from archive.services.items import items_in_order

# A4 at 300 dpi is 2480 x 3508 pixels: enough for a full page, small enough for a set of dozens of pictures.
PRINT_LONG_SIDE = 3508
MAX_ITEMS = 100


@dataclass(frozen=True)
class ClassSetPicture:
    name: str  # its path in the ZIP
    item: Item
    media: Media
    image: ImageRef
    rendition: Rendition


@dataclass(frozen=True)
class ClassSet:
    sheet: AttributionSheet
    pictures: list[ClassSetPicture]


def print_rendition(image: ImageRef) -> Rendition:
    """The whole picture as a JPEG whose long side is at most PRINT_LONG_SIDE (never enlarged)."""
    scale = min(1.0, PRINT_LONG_SIDE / max(image.width, image.height))
    return Rendition(0, 0, image.width, image.height, max(1, round(image.width * scale)),
                     max(1, round(image.height * scale)), format="jpg")


def plan_class_set(public_ids: list[str], viewer: Any, *, site_name: str, item_url: Callable[[Item], str],
                   selection_url: Callable[[list[str]], str], today: dt.date | None = None) -> ClassSet:
    """What the class set of a selection holds. Items the viewer may not see are left out silently (as on
    the selection page: a shared list reveals nothing); items whose licence does not allow showing them in
    class, and pictures whose licence asks for terms the viewer has not accepted, are left out with the
    reason. Raises NotFound when nothing of the selection may be seen."""
    items = items_in_order(public_ids[:MAX_ITEMS], viewer)
    if not items:
        raise NotFound("Nothing in this selection can be seen: there is no class set to make.")
    entries: list[SheetEntry] = []
    pictures: list[ClassSetPicture] = []
    left_out: list[SheetGap] = []
    for number, item in enumerate(items, start=1):
        titles = localized(item.title)
        title = SheetText(titles[0].value, titles[0].lang) if titles else SheetText(item.public_id, "und")
        if "education" not in reuses(item.licence, item.labels or []):
            left_out.append(SheetGap(number, title, "licence", item.licence.short_name))
            continue
        names = []
        for media in (m for m in item.media if m.kind == "image" and m.width and m.height):
            licence = media.licence or item.licence
            if pending_terms(viewer, [licence]):
                left_out.append(SheetGap(number, title, "terms", licence.short_name))
                continue
            image = image_for_viewer(media.public_id, viewer)
            name = f"images/{number:02d}-{item.public_id}-{len(names) + 1}.jpg"
            names.append(name)
            pictures.append(ClassSetPicture(name, item, media, image, print_rendition(image)))
        summaries = localized(item.summary)
        url = item_url(item)
        entries.append(SheetEntry(
            number=number, title=title, attribution=attribution_line(item, site_name, url),
            licence=item.licence.short_name, licence_url=item.licence.uri, item_url=url,
            summary=SheetText(summaries[0].value, summaries[0].lang) if summaries else None, images=names))
    # The address of what the set holds, not of what was asked for: the sheet is shared, hidden items are not.
    sheet = AttributionSheet(site_name=site_name, selection_url=selection_url([item.public_id for item in items]),
                             created=(today or dt.date.today()).isoformat(), entries=entries, left_out=left_out)
    return ClassSet(sheet, pictures)
