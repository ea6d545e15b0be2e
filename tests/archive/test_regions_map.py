"""The home page's region map: the drawing's data and the macro that renders it."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jinja2
import pytest

from archive.regions_map import VIEWBOX, region_label_points, region_paths, template_shapes
from archive.vocabulary import REGIONS

SVG = "{http://www.w3.org/2000/svg}"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_TOKEN = re.compile(r"[MLZ]|-?\d+(?:\.\d+)?")


def _box() -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in VIEWBOX.split())
    return x, y, x + w, y + h


def _points(d: str) -> list[tuple[float, float]]:
    """Parse path data made of absolute M/L/Z commands and numbers only; fail on anything else."""
    assert _TOKEN.sub("", d).strip() == "", f"unexpected characters in {d!r}"
    tokens = _TOKEN.findall(d)
    assert tokens[0] == "M" and tokens[-1] == "Z"
    points, i = [], 0
    while i < len(tokens):
        command = tokens[i]
        if command == "Z":
            assert i == len(tokens) - 1
            break
        assert command in ("M", "L") and (command == "M") == (i == 0)
        points.append((float(tokens[i + 1]), float(tokens[i + 2])))
        i += 3
    return points


def _inside(point: tuple[float, float], polygon: list[tuple[float, float]]) -> bool:
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _area(polygon: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]))) / 2


def test_every_region_has_a_shape_and_a_label_point():
    assert set(region_paths()) == set(REGIONS)
    assert set(region_label_points()) == set(REGIONS)


def test_paths_parse_and_lie_within_the_viewbox():
    x0, y0, x1, y1 = _box()
    for slug, d in region_paths().items():
        points = _points(d)
        assert 8 <= len(points) <= 40, slug
        assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in points), slug
        assert _area(points) > 1000, slug


def test_label_points_lie_inside_the_viewbox_and_their_region():
    x0, y0, x1, y1 = _box()
    paths = region_paths()
    for slug, (x, y) in region_label_points().items():
        assert x0 <= x <= x1 and y0 <= y <= y1, slug
        assert _inside((x, y), _points(paths[slug])), slug
        others = [other for other, d in paths.items() if other != slug and _inside((x, y), _points(d))]
        assert not others, (slug, others)


def test_neighbours_share_their_border_vertices():
    """Each vertex used by two regions is one point, not two near-misses (no slivers, no gaps)."""
    vertices = {slug: set(_points(d)) for slug, d in region_paths().items()}
    every = [p for points in vertices.values() for p in points]
    for i, (xa, ya) in enumerate(every):
        for xb, yb in every[i + 1:]:
            if (xa, ya) != (xb, yb):
                assert abs(xa - xb) + abs(ya - yb) > 2, ((xa, ya), (xb, yb))
    shared = {frozenset((a, b)) for a in vertices for b in vertices if a != b and len(vertices[a] & vertices[b]) >= 2}
    assert frozenset(("casablanca-settat", "rabat-sale-kenitra")) in shared
    assert frozenset(("oriental", "draa-tafilalet")) in shared
    assert frozenset(("laayoune-sakia-el-hamra", "dakhla-oued-ed-dahab")) in shared


def test_the_template_carries_the_current_shapes():
    assert template_shapes() in (TEMPLATES / "public" / "_regions_map.html").read_text(encoding="utf-8")


def _render(counts, labels=lambda slug: REGIONS[slug].fr, autoescape=False):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=autoescape)
    macro = env.get_template("public/_regions_map.html").module.regions_map
    return str(macro(counts, lambda slug: f"/items?region={slug}&page=1", labels))


@pytest.mark.parametrize("autoescape", [False, True])
def test_macro_renders_well_formed_svg_with_one_link_per_region(autoescape):
    counts = {"souss-massa": 7, "oriental": 2, "fes-meknes": 0}
    html = _render(counts, autoescape=autoescape)
    svg = ET.fromstring(html)
    assert svg.tag == f"{SVG}svg" and svg.get("viewBox") == VIEWBOX
    title = svg.find(f"{SVG}title")
    assert title is not None and svg.get("aria-labelledby") == title.get("id")

    links = svg.findall(f".//{SVG}a")
    assert len(links) == 12
    paths = region_paths()
    by_slug = {}
    for link in links:
        (path,) = link.findall(f"{SVG}path")
        slug = path.get("data-region")
        by_slug[slug] = (link, path)
        assert path.get("d") == paths[slug]
        assert link.get("href") == f"/items?region={slug}&page=1"
        n = counts.get(slug, 0)
        assert path.get("class") == ("region" if n else "region empty")
        assert path.find(f"{SVG}title").text == f"{REGIONS[slug].fr} ({n})" == link.get("aria-label")
    assert set(by_slug) == set(REGIONS)

    texts = {t.get("data-region"): t for t in svg.iter(f"{SVG}text")}
    assert set(texts) == set(REGIONS)
    for slug, (x, y) in region_label_points().items():
        assert (float(texts[slug].get("x")), float(texts[slug].get("y"))) == (x, y)
        assert texts[slug].text == str(counts.get(slug, 0))


def test_macro_escapes_names_and_refers_to_nothing_outside():
    html = _render({}, labels=lambda slug: f"<{slug}> & \"co\"")
    svg = ET.fromstring(html)
    assert {p.find(f"{SVG}title").text for p in svg.iter(f"{SVG}path")} == {f"<{s}> & \"co\" (0)" for s in REGIONS}
    assert all(p.get("class") == "region empty" for p in svg.iter(f"{SVG}path"))
    # The only URLs are the links we were given: no tiles, fonts, images or scripts from anywhere.
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg\")", html)
    assert not re.search(r"url\(|@import|<image|<script|<use|xlink", html)
