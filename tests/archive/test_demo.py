"""The demo package built by code (archive.demo): its content, determinism, and a clean import."""
from __future__ import annotations

import json
import re
import wave
from pathlib import Path

import pytest
from PIL import Image

from archive.demo import build_demo_package
from archive.services.packages import import_package
from archive.vocabulary import KINDS, REGIONS

KNOWLEDGE_ROLES = {"nrt", "sng", "art", "aut", "prf", "spk"}
DATA_ROLES = {"trc", "trl", "ann", "col", "rev", "pht", "rcd"}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_package(tmp_path_factory.mktemp("demo") / "package", large_images=False)


@pytest.fixture(scope="module")
def items(package: Path) -> list[dict]:
    return _lines(package / "items.jsonl")


def test_the_package_covers_every_kind_and_region(package, items):
    assert (package / "items.jsonl").is_file() and (package / "media").is_dir()
    assert len(items) >= 30
    assert {item["kind"] for item in items} == set(KINDS)
    assert {item["region"] for item in items} >= set(REGIONS)
    assert len({item["id"] for item in items}) == len(items)
    statuses = [item.get("status", "published") for item in items]
    assert statuses.count("draft") >= 2 and "in_review" in statuses and "withdrawn" in statuses
    assert statuses.count("published") > len(items) / 2


def test_every_item_credits_knowledge_holders_and_data_workers(items):
    for item in items:
        roles = {c["role"] for c in item["contributors"]}
        assert roles & KNOWLEDGE_ROLES, item["id"]
        assert roles & DATA_ROLES, item["id"]


def test_agents_and_collections(package):
    agents = _lines(package / "agents.jsonl")
    assert len(agents) >= 12
    assert 3 <= sum(a["kind"] == "community" for a in agents) <= 4
    assert any(a.get("credit_as") == "pseudonym" and a.get("pseudonym") for a in agents)
    assert any(a.get("credit_as") == "anonymous" for a in agents)
    assert any(a.get("consent", {}).get("withdrawn") for a in agents)
    assert 4 <= len(_lines(package / "collections.jsonl")) <= 6


def test_recordings_have_time_coded_transcriptions_and_translations(package, items):
    recordings = 0
    for item in items:
        for index, media in enumerate(item.get("media", [])):
            if not media["path"].endswith(".wav"):
                continue
            with wave.open(str(package / media["path"])) as sound:
                duration = sound.getnframes() / sound.getframerate()
            assert 15 <= duration <= 40
            spans = []
            for note in item.get("annotations", []):
                if note.get("media") != index or note["motivation"] != "supplementing":
                    continue
                start, end = map(float, re.fullmatch(r"t=([0-9.]+),([0-9.]+)", note["selector"]).groups())
                assert 0 <= start < end <= duration
                spans.append((note["body"]["lang"] in item["languages"], note["body"]["lang"]))
            transcriptions = [lang for is_own, lang in spans if is_own]
            translations = [lang for is_own, lang in spans if not is_own]
            assert transcriptions and translations, item["id"]
            assert set(translations) <= {"fr", "en"}
            recordings += 1
    assert recordings >= 3


def test_image_regions_lie_inside_their_pictures(package, items):
    tagged = 0
    for item in items:
        for note in item.get("annotations", []):
            selector = note.get("selector", "")
            if selector.startswith("xywh="):
                x, y, w, h = map(int, selector[5:].split(","))
                with Image.open(package / item["media"][note["media"]]["path"]) as picture:
                    width, height = picture.size
                assert w > 0 and h > 0 and x + w <= width and y + h <= height
                tagged += note["motivation"] == "tagging"
    assert tagged >= 5


def test_tifinagh_values_are_written_in_tifinagh(items):
    for item in items:
        for value in item["title"]:
            if value["lang"].endswith("-Tfng"):
                assert re.fullmatch(r"[\u2d30-\u2d7f\s.,;:!?«»-]+", value["value"]), value


def test_builds_are_deterministic(package, tmp_path):
    again = build_demo_package(tmp_path / "again", large_images=False)
    assert _files(again) == _files(package)


def test_the_package_imports_and_its_pages_answer(app, client, package, items):
    report = import_package(package, actor_label="demo")
    assert report.items_created == len(items)

    public = [i["id"] for i in items if i.get("status", "published") == "published" and i.get("access", "public") == "public"]
    with_media = [i["id"] for i in items if i["id"] in public and i.get("media")]
    for item_id in public[:3] + with_media[:3]:
        assert client.get(f"/items/{item_id}").status_code == 200, item_id
    draft = next(i["id"] for i in items if i.get("status") == "draft")
    assert client.get(f"/items/{draft}").status_code == 404


@pytest.mark.slow
def test_large_images_are_large(tmp_path):
    package = build_demo_package(tmp_path / "large", large_images=True)
    large = 0
    for path in sorted((package / "media").rglob("*")):
        if path.suffix in (".jpg", ".png"):
            with Image.open(path) as picture:
                large += max(picture.size) >= 6000
    assert large >= 2
