"""The demo archive: a Twiza package built entirely by code.

``build_demo_package(dest)`` draws the pictures (``images.py``), synthesises the recordings (``audio.py``)
and writes ``items.jsonl``, ``agents.jsonl``, ``collections.jsonl`` and ``media/`` from the content in
``content.py``. The result is deterministic: the same call writes the same bytes every time.

``large_images=True`` draws two pictures at 6000 px and more on a side (a zellige panel and a carpet), to
exercise deep zoom; ``large_images=False`` draws them at 1200 px, for tests.
"""
from __future__ import annotations

import copy
import json
import pathlib
from typing import Any

from archive.demo import audio, content, images

__all__ = ["build_demo_package"]


def _json_lines(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows)


def _fmt_seconds(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _make_media(dest: pathlib.Path, large_images: bool) -> tuple[dict[str, tuple[int, int]], dict[str, dict[str, tuple[float, float]]]]:
    """Draw and synthesise every media file; return image sizes and audio sections by path."""
    sizes: dict[str, tuple[int, int]] = {}
    for path, (drawing, small, large, options) in content.IMAGES.items():
        size = large if large_images else small
        picture = images.draw(drawing, size, **options)
        images.save(picture, dest / path)
        sizes[path] = picture.size
    sections: dict[str, dict[str, tuple[float, float]]] = {}
    for path, piece in content.AUDIO.items():
        marks = audio.render(piece, dest / path)
        sections[path] = {label: (start, end) for label, start, end in marks}
    return sizes, sections


def _resolve(item: dict[str, Any], sizes: dict[str, tuple[int, int]],
             sections: dict[str, dict[str, tuple[float, float]]]) -> dict[str, Any]:
    """Turn the ``section`` and ``box`` placeholders of ``item``'s annotations into selectors."""
    item = copy.deepcopy(item)
    media_paths = [entry["path"] for entry in item.get("media", [])]
    for note in item.get("annotations", []):
        if "section" in note:
            start, end = sections[media_paths[note["media"]]][note.pop("section")]
            note["selector"] = f"t={_fmt_seconds(start)},{_fmt_seconds(end)}"
        if "box" in note:
            width, height = sizes[media_paths[note["media"]]]
            fx, fy, fw, fh = note.pop("box")
            x, y = int(fx * width), int(fy * height)
            w = max(1, min(int(fw * width), width - x))
            h = max(1, min(int(fh * height), height - y))
            note["selector"] = f"xywh={x},{y},{w},{h}"
        # keep the keys in the documented order, selector after motivation/body/tag
        order = ("media", "motivation", "body", "tag", "selector", "creator", "reviewer", "status")
        ordered = {key: note[key] for key in order if key in note}
        note.clear()
        note.update(ordered)
    return item


def build_demo_package(dest: pathlib.Path, *, large_images: bool = True) -> pathlib.Path:
    """Write the demo package into ``dest`` (created if needed) and return ``dest``."""
    dest = pathlib.Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    sizes, sections = _make_media(dest, large_images)
    items = [_resolve(item, sizes, sections) for item in content.ITEMS]
    collections = []
    for collection in content.COLLECTIONS:
        row = dict(collection)
        row["items"] = [item["id"] for item in items if collection["slug"] in item.get("collections", [])]
        collections.append(row)
    for name, rows in (("items.jsonl", items), ("agents.jsonl", content.AGENTS), ("collections.jsonl", collections)):
        (dest / name).write_text(_json_lines(rows), encoding="utf-8", newline="\n")
    return dest
