"""IIIF Presentation 3.0: pure builders from an item (and its presenters) to a Manifest and AnnotationPages.

No request and no database here: the view passes the URLs (or functions that make them) and gets plain
JSON-ready dicts back. Every value that comes in several languages becomes a language map keyed by its
BCP 47 tag (``ary-Arab``, ``zgh-Tfng``), cut down to what the Presentation schema accepts.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from iiif_prezi3 import (
    Annotation,
    AnnotationPage,
    AnnotationPageRefExtended,
    Canvas,
    KeyValueString,
    Manifest,
    AnnotationBody,
)

from archive.models import Annotation as ArchiveAnnotation
from archive.models import Item, Media
from archive.presenters import COMMUNITY_VOICE, attribution_line, item_credits, item_descriptions, layer_credits
from archive.services.derivatives import widths_for
from archive.vocabulary import LANGUAGES, LAYER_ROLES, REGIONS, ROLES, direction_of
from iiif.captions import caption_languages

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
THUMBNAIL_WIDTH = 320
_KEY = re.compile(r"^[a-zA-Z]+$")
PAINTED_KINDS = {"image": "Image", "audio": "Sound", "video": "Video"}


@dataclass(frozen=True)
class Site:
    """The archive as a IIIF provider: its name and home page, and the base of every IIIF id."""

    name: str
    homepage: str
    base_url: str  # e.g. "https://twiza.example" (no trailing slash): ids are {base_url}/iiif/3/...


def language_key(tag: str | None) -> str:
    """A language-map key from a BCP 47 tag: subtags with digits (``419``) dropped, 'none' when nothing is left.

    The Presentation schema accepts only keys matching ``^[a-zA-Z-]+$``.
    """
    parts = [part for part in (tag or "").split("-") if _KEY.match(part)]
    return "-".join(parts) if parts else "none"


def language_map(values: list[dict[str, str]] | None) -> dict[str, list[str]]:
    """``[{value, lang}, ...]`` as ``{lang: [value, ...]}``, in the order the languages first appear."""
    result: dict[str, list[str]] = {}
    for value in values or []:
        result.setdefault(language_key(value.get("lang")), []).append(value["value"])
    return result


def _en_fr(en: str, fr: str) -> dict[str, list[str]]:
    return {"en": [en], "fr": [fr]}


def _none(*values: str) -> dict[str, list[str]]:
    return {"none": list(values)}


def item_id(site: Site, item: Item) -> str:
    return f"{site.base_url}/iiif/3/{item.public_id}"


def manifest_id(site: Site, item: Item) -> str:
    return f"{item_id(site, item)}/manifest"


def canvas_id(site: Site, item: Item, media: Media) -> str:
    return f"{item_id(site, item)}/canvas/{media.public_id}"


def annotation_page_id(site: Site, item: Item, media: Media) -> str:
    return f"{item_id(site, item)}/annotations/{media.public_id}"


def item_annotation_page_id(site: Site, item: Item) -> str:
    """The page of the annotations on the item as a whole (descriptions, comments), targeting the Manifest."""
    return f"{item_id(site, item)}/annotations"


def search_service_id(site: Site, item: Item) -> str:
    return f"{item_id(site, item)}/search"


def autocomplete_service_id(site: Site, item: Item) -> str:
    return f"{item_id(site, item)}/autocomplete"


def archive_collection_id(site: Site) -> str:
    return f"{site.base_url}/iiif/3/collection"


def kind_collection_id(site: Site, kind: str) -> str:
    return f"{site.base_url}/iiif/3/kinds/{kind}"


def curated_collection_id(site: Site, slug: str) -> str:
    return f"{site.base_url}/iiif/3/collections/{slug}"


def provider(site: Site) -> list[dict[str, Any]]:
    return [{
        "id": site.homepage, "type": "Agent", "label": {"none": [site.name]},
        "homepage": [{"id": site.homepage, "type": "Text", "label": {"none": [site.name]}, "format": "text/html"}],
    }]


def nav_date(date_start: int | None) -> str | None:
    """An item's earliest day (YYYYMMDD) as an ISO date-time in UTC; None for BCE or unusable dates."""
    if date_start is None or date_start < 10000:
        return None
    year, month, day = date_start // 10000, date_start // 100 % 100, date_start % 100
    try:
        day_start = dt.datetime(year, max(month, 1), max(day, 1), tzinfo=dt.timezone.utc)
    except ValueError:
        return None
    return day_start.strftime("%Y-%m-%dT%H:%M:%SZ")


def canvas_media(item: Item) -> list[Media]:
    """The media files that become canvases: images with a pixel size, recordings with a duration."""
    return [m for m in item.media if m.kind in PAINTED_KINDS
            and (m.width if m.kind == "image" else m.duration_seconds)]


def public_annotations(item: Item, media: Media | None) -> list[ArchiveAnnotation]:
    """The approved annotations of one media file (of the item as a whole when ``media`` is None): the only
    ones the public may see."""
    media_id = media.id if media is not None else None
    return [a for a in item.annotations if a.media_id == media_id and a.status == "approved"]


def community_voice(item: Item) -> list[dict[str, str]]:
    """Under TK Community Voice, the community's own description, which the summary then gives first."""
    if COMMUNITY_VOICE not in (item.labels or []):
        return []
    return [{"value": d.value.value, "lang": d.value.lang} for d in item_descriptions(item, layers=False) if d.community]


def _metadata(item: Item) -> list[KeyValueString]:
    credits = item_credits(item)
    rows: list[tuple[dict[str, list[str]], dict[str, list[str]]]] = [(_en_fr("Kind", "Genre"), _none(item.kind))]
    region = REGIONS.get(item.region or "")
    if region:
        rows.append((_en_fr("Region", "Région"), {"fr": [region.fr], "ar": [region.ar], "en": [region.en]}))
    if item.date_edtf:
        rows.append((_en_fr("Date", "Date"), _none(item.date_edtf)))
    if item.place:
        rows.append((_en_fr("Place", "Lieu"), language_map(item.place)))
    if item.languages:
        names = [f"{LANGUAGES.get(tag.split('-')[0], tag)} ({tag})" for tag in item.languages]
        rows.append((_en_fr("Languages", "Langues"), {"en": ["; ".join(names)]}))
    if item.subjects:
        rows.append((_en_fr("Subjects", "Sujets"), _none(*item.subjects)))
    holders = [_credit_text(c.name, c.roles) for c in credits.knowledge_holders if c.name]
    if holders:
        rows.append((_en_fr("Knowledge holders", "Détenteurs du savoir"), {"en": holders}))
    if credits.community:
        rows.append((_en_fr("Community", "Communauté"), _none(credits.community)))
    workers = [_credit_text(c.name, c.roles) for c in credits.data_workers if c.name]
    if workers:
        rows.append((_en_fr("Data work", "Travail sur les données"), {"en": workers}))
    return [KeyValueString(label=label, value=value) for label, value in rows]


def _credit_text(name: str, roles: list[str]) -> str:
    return f"{name} ({', '.join(ROLES[r].label for r in roles if r in ROLES)})"


def _painting_body(media: Media, url: str, image_service: str | None) -> AnnotationBody:
    body: dict[str, Any] = {"id": url, "type": PAINTED_KINDS[media.kind], "format": media.mime_type}
    if media.width and media.height:
        body.update(width=media.width, height=media.height)
    if image_service and media.kind == "image":
        body["service"] = [{"id": image_service, "type": "ImageService3", "profile": "level2"}]
    if media.kind != "image" and media.duration_seconds:
        body["duration"] = media.duration_seconds
    return AnnotationBody(**body)


def _canvas(site: Site, item: Item, media: Media, media_url: Callable[[Media], str], position: int,
            image_service_url: Callable[[Media], str] | None,
            captions_url: Callable[[Media, str], str] | None = None) -> Canvas:
    cid = canvas_id(site, item, media)
    label = language_map(media.label) or {"none": [f"{PAINTED_KINDS[media.kind]} {position}"]}
    canvas = Canvas(id=cid, label=label)
    if media.width and media.height:
        canvas.width, canvas.height = media.width, media.height
    if media.kind != "image":
        canvas.duration = media.duration_seconds
    page = AnnotationPage(id=f"{cid}/page")
    page.add_item(Annotation(id=f"{cid}/page/painting", motivation="painting", target=cid,
                             body=_painting_body(media, media_url(media),
                                                 image_service_url(media) if image_service_url else None)))
    canvas.add_item(page)
    if public_annotations(item, media):
        if media.kind == "image":
            canvas.annotations = [AnnotationPageRefExtended(id=annotation_page_id(site, item, media), type="AnnotationPage")]
        else:
            # Embedded, not referenced: Mirador 4 reads a recording's captions from the canvas's annotation
            # pages as they are in the manifest, and fails on a page that has no items there.
            canvas.annotations = [_annotation_page(item, media, site=site)]
    languages = caption_languages(item, media) if media.kind != "image" and captions_url else []
    if languages:
        captions = AnnotationPage(id=f"{cid}/captions")
        for language in languages:
            captions.add_item(Annotation(
                id=f"{cid}/captions/{language}", motivation="supplementing", target=cid,
                body=AnnotationBody(id=captions_url(media, language), type="Text", format="text/vtt",
                                    language=language, label={language_key(language): [f"{language} (WebVTT)"]})))
        canvas.annotations = [*(canvas.annotations or []), captions]
    return canvas


def build_manifest(item: Item, *, site: Site, item_url: str, media_url: Callable[[Media], str],
                   derivative_url: Callable[[Media, int], str], citation_url: str | None = None,
                   kind_label: dict[str, list[str]] | None = None,
                   image_service_url: Callable[[Media], str] | None = None,
                   captions_url: Callable[[Media, str], str] | None = None) -> dict[str, Any]:
    """The IIIF Presentation 3.0 Manifest of ``item`` as a JSON-ready dict.

    ``item_url`` is the item's HTML page; ``media_url(media)`` a media file's full URL;
    ``derivative_url(media, width)`` a resized JPEG's URL; ``citation_url`` the BibTeX citation, if any;
    ``kind_label`` the label of the item's kind (for the Collection of that kind it is ``partOf``);
    ``image_service_url(media)`` the base URL of an image's IIIF Image API service, if any;
    ``captions_url(media, language)`` the WebVTT captions of a recording in a language, if offered.
    Only what the public may see goes in: approved annotations, credited names. The Manifest is part of
    the archive's Collection, of its kind's and of its curated collections', and offers a Content Search
    service (with autocomplete) over its annotations, in versions 2.0 and 1.0.
    """
    manifest = Manifest(id=manifest_id(site, item), label=language_map(item.title))
    summary = [*community_voice(item), *(item.summary or [])]
    if summary:
        manifest.summary = language_map(summary)
    manifest.metadata = _metadata(item)
    manifest.requiredStatement = KeyValueString(
        label=_en_fr("Attribution", "Attribution"), value={"en": [attribution_line(item, site.name, item_url)]})
    if item.licence.uri.startswith(("http://creativecommons.org/", "http://rightsstatements.org/vocab/")):
        manifest.rights = item.licence.uri  # others (community licences) are told in requiredStatement
    manifest.provider = provider(site)
    manifest.homepage = [{"id": item_url, "type": "Text", "label": language_map(item.title), "format": "text/html"}]
    if citation_url:
        manifest.seeAlso = [{"id": citation_url, "type": "Dataset", "label": _en_fr("BibTeX citation", "Citation BibTeX"),
                             "format": "application/x-bibtex"}]
    when = nav_date(item.date_start)
    if when:
        manifest.navDate = when
    documents = [m for m in item.media if m.kind == "document"]
    if documents:
        manifest.rendering = [{"id": media_url(m), "type": "Text", "format": m.mime_type,
                               "label": language_map(m.label) or {"none": [m.original_filename or m.public_id]}}
                              for m in documents]
    media = canvas_media(item)
    images = [m for m in media if m.kind == "image"]
    if images:
        manifest.thumbnail = [_thumbnail(images[0], media_url, derivative_url)]
    for position, m in enumerate(media, start=1):
        manifest.add_item(_canvas(site, item, m, media_url, position, image_service_url, captions_url))
    if len(images) > 1 and item.languages and direction_of(item.languages[0]) == "rtl":
        manifest.viewingDirection = "right-to-left"
    if public_annotations(item, None):
        manifest.annotations = [AnnotationPageRefExtended(id=item_annotation_page_id(site, item), type="AnnotationPage")]
    document = json.loads(manifest.jsonld())
    document["partOf"] = _part_of(site, item, kind_label)
    document["service"] = [search_service(site, item), search_service_1(site, item)]
    return document


def search_service(site: Site, item: Item) -> dict[str, Any]:
    """The Content Search 2.0 service of an item's Manifest, with its nested autocomplete service."""
    return {"id": search_service_id(site, item), "type": "SearchService2",
            "service": [{"id": autocomplete_service_id(site, item), "type": "AutoCompleteService2"}]}


def search_service_1(site: Site, item: Item) -> dict[str, Any]:
    """The same search as Content Search 1.0, for viewers that know only 1.0 (Mirador 4). A service of an
    older specification is written with ``@id`` and ``@type`` in a Presentation 3 Manifest, and 1.0
    clients find it by its ``profile``."""
    return {"@id": f"{search_service_id(site, item)}/1", "@type": "SearchService1",
            "profile": "http://iiif.io/api/search/1/search",
            "service": [{"@id": f"{autocomplete_service_id(site, item)}/1", "@type": "AutoCompleteService1",
                         "profile": "http://iiif.io/api/search/1/autocomplete"}]}


def _part_of(site: Site, item: Item, kind_label: dict[str, list[str]] | None) -> list[dict[str, Any]]:
    collections = [
        {"id": archive_collection_id(site), "type": "Collection", "label": {"none": [site.name]}},
        {"id": kind_collection_id(site, item.kind), "type": "Collection", "label": kind_label or _none(item.kind)},
    ]
    for membership in sorted(item.memberships, key=lambda m: m.collection.slug):
        collection = membership.collection
        collections.append({"id": curated_collection_id(site, collection.slug), "type": "Collection",
                            "label": language_map(collection.title) or _none(collection.slug)})
    return collections


def _thumbnail(media: Media, media_url: Callable[[Media], str],
               derivative_url: Callable[[Media, int], str]) -> dict[str, Any]:
    if THUMBNAIL_WIDTH in widths_for(media):
        height = max(1, round(media.height * THUMBNAIL_WIDTH / media.width))
        return {"id": derivative_url(media, THUMBNAIL_WIDTH), "type": "Image", "format": "image/jpeg",
                "width": THUMBNAIL_WIDTH, "height": height}
    return {"id": media_url(media), "type": "Image", "format": media.mime_type,
            "width": media.width, "height": media.height}


def build_annotation_page(item: Item, media: Media | None, *, site: Site) -> dict[str, Any]:
    """The AnnotationPage of ``media``'s approved annotations: transcriptions and translations
    (supplementing), tags, descriptions, identifications and comments, each targeting the canvas or a
    fragment of it (``#t=start,end`` on recordings, ``#xywh=x,y,w,h`` on images). With ``media`` None,
    the page of the annotations on the item as a whole, which target its Manifest."""
    return json.loads(_annotation_page(item, media, site=site).jsonld())


def _annotation_page(item: Item, media: Media | None, *, site: Site) -> AnnotationPage:
    if media is None:
        page = AnnotationPage(id=item_annotation_page_id(site, item))
    else:
        page = AnnotationPage(id=annotation_page_id(site, item, media))
    for annotation in public_annotations(item, media):
        page.add_item(Annotation(**annotation_fields(site, item, annotation)))
    return page


def annotation_target(site: Site, item: Item, annotation: ArchiveAnnotation) -> str:
    """What an annotation is about: its media file's canvas (or a fragment of it), else the Manifest."""
    if annotation.media is None:
        return manifest_id(site, item)
    canvas = canvas_id(site, item, annotation.media)
    return f"{canvas}#{annotation.selector}" if annotation.selector else canvas


def annotation_uri(site: Site, item: Item, annotation: ArchiveAnnotation) -> str:
    return f"{site.base_url}/iiif/3/{item.public_id}/annotation/{annotation.public_id}"


def annotation_fields(site: Site, item: Item, annotation: ArchiveAnnotation) -> dict[str, Any]:
    """The Web Annotation of one archive annotation, as the keyword arguments of an iiif-prezi3 Annotation."""
    bodies: list[dict[str, Any]] = []
    if annotation.tag:
        bodies.append({"type": "TextualBody", "value": annotation.tag, "purpose": "tagging", "format": "text/plain"})
    if annotation.body_value is not None:
        body = {"type": "TextualBody", "value": annotation.body_value, "format": annotation.body_format}
        if annotation.body_language:
            body["language"] = annotation.body_language
        bodies.append(body)
    fields: dict[str, Any] = {
        "id": annotation_uri(site, item, annotation),
        "motivation": annotation.motivation,
        "body": bodies[0] if len(bodies) == 1 else bodies,
        "target": annotation_target(site, item, annotation),
    }
    fields.update(layer_credit_fields(annotation))
    return fields


def layer_credit_fields(annotation: ArchiveAnnotation) -> dict[str, Any]:
    """Who made the layer, as W3C ``creator`` agents (its author and the reviewers who corrected it; a
    machine is Software), and every credit with its roles, reviewers included, as the ``label``."""
    credits = [c for c in layer_credits(annotation) if c.name]
    machine = annotation.creator.slug if annotation.provenance != "human" and annotation.creator else None
    creators = [{"type": "Software" if c.agent_slug == machine else "Person", "name": c.name}
                for c in credits if set(c.roles) & set(LAYER_ROLES)]
    fields: dict[str, Any] = {}
    if creators:
        fields["creator"] = creators[0] if len(creators) == 1 else creators
    if credits:
        fields["label"] = {"en": ["; ".join(_credit_text(c.name, c.roles) for c in credits)]}
    return fields
