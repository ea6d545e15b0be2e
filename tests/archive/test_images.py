"""The bounded image cache, and the page derivatives that are its clients."""
from __future__ import annotations

import io
import os
import time
from pathlib import Path

from PIL import Image

from archive.services.images import ImageCache, image_cache
from archive.services.packages import import_package


def test_the_cache_keeps_within_its_bound(tmp_path: Path):
    cache = ImageCache(tmp_path / "cache", max_bytes=100_000)
    for n in range(300):
        cache.put(f"tile-{n}", bytes([n % 256]) * 2000)
        assert cache.size() <= 100_000 * (1 + ImageCache.RESCAN_SHARE)
    assert cache.get("tile-299") == bytes([299 % 256]) * 2000
    assert cache.get("tile-0") is None
    assert cache.get_or_make("tile-299", lambda: b"never made") == bytes([299 % 256]) * 2000
    assert cache.get_or_make("new", lambda: b"made") == b"made" and cache.get("new") == b"made"


def test_the_least_recently_used_go_first(tmp_path: Path):
    cache = ImageCache(tmp_path / "cache", max_bytes=10_000)
    for age, key in enumerate("dcba", start=1):  # a is the oldest
        cache.put(key, b"z" * 2000)
        then = time.time() - 100 * age
        os.utime(cache.path_for(key), (then, then))
    assert cache.get("a")  # used now
    cache.put("e", b"z" * 2000)
    cache.put("f", b"z" * 2000)  # 12,000 bytes: evicts down to 8,000, oldest use first
    assert [key for key in "abcdef" if cache.get(key) is None] == ["b", "c"]


def test_two_caches_on_one_folder_stay_near_the_bound(tmp_path: Path):
    # Two worker processes share the folder; each counts only its own writes.
    first, second = ImageCache(tmp_path / "c", max_bytes=50_000), ImageCache(tmp_path / "c", max_bytes=50_000)
    for n in range(200):
        (first if n % 2 else second).put(f"k{n}", b"y" * 1000)
    assert first.size() <= 50_000 * (1 + 2 * ImageCache.RESCAN_SHARE)


def test_page_derivatives_come_from_the_image_cache(app, client, make_package):
    picture = Image.new("RGB", (2000, 1000), (200, 30, 30))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    line = {"id": "tw-craft-0002", "kind": "craft", "title": [{"value": "Tapis", "lang": "fr"}],
            "license": "CC-BY-4.0", "access": "public", "status": "published",
            "media": [{"path": "media/carpet.png", "id": "carpet-0001"}]}
    import_package(make_package([line], files={"media/carpet.png": buffer.getvalue()}))
    response = client.get("/media/carpet-0001/w640.jpg")
    assert response.status_code == 200 and response.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(response.data)).size == (640, 320)
    assert "max-age=2592000" in response.headers["Cache-Control"]
    assert image_cache().size() == len(response.data)
    assert client.get("/media/carpet-0001/w641.jpg").status_code == 404
    assert client.get("/media/carpet-0001/w640.jpg", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
