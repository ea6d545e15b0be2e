"""Real third-party data the project never wrote: OLDI Seed sentences (Darija in Arabic script,
Tamazight in Tifinagh, English) and Wikimedia Commons photographs, from the shared data folder."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from archive.db import db
from archive.errors import PackageError
from archive.models import Annotation, Item, Media
from archive.services.packages import import_package
from bench.third_party_package import build_broken_package, build_oldi_package
from tests.conftest import archive_state

ITEMS = 1500


def test_a_real_multilingual_package_with_photographs_imports(app, client, shared_dir, tmp_path):
    package = build_oldi_package(tmp_path / "oldi", shared_dir, items=ITEMS, with_images=True, long_texts=True)

    report = import_package(package)

    assert report.items_created == ITEMS and report.files_stored == 8
    assert db.session.scalar(select(func.count(Item.id))) == ITEMS
    photos = db.session.scalars(select(Media).order_by(Media.id)).all()
    assert len(photos) == 8 and all(m.kind == "image" and m.mime_type == "image/jpeg" and m.width >= 1000 for m in photos)
    assert db.session.scalar(select(func.count(Annotation.id)).where(Annotation.tag.is_not(None))) >= 8
    longest = max(db.session.scalars(select(Item.text)), key=lambda values: len(values[0]["value"]))
    assert {v["lang"] for v in longest} == {"ary-Arab", "zgh-Tfng", "en"} and len(longest[0]["value"]) > 3000

    item = db.session.scalar(select(Item).where(Item.public_id == "oldi-000001"))
    page = client.get("/items/oldi-000001").get_data(as_text=True)
    tifinagh_title = next(v["value"] for v in item.title if v["lang"] == "zgh-Tfng")
    assert f'lang="zgh-Tfng" dir="ltr" class="alt-title">{tifinagh_title}<' in page or f'lang="zgh-Tfng" dir="ltr">{tifinagh_title}<' in page
    photo = client.get(f"/media/{item.media[0].public_id}")
    assert photo.status_code == 200 and photo.data[:3] == b"\xff\xd8\xff"

    assert not import_package(package).changed  # and a second import changes nothing


def test_a_broken_real_package_is_refused_with_every_error_and_no_change(app, shared_dir, tmp_path):
    package, expected = build_broken_package(tmp_path / "broken", shared_dir)
    before = archive_state()

    with pytest.raises(PackageError) as caught:
        import_package(package)

    details = caught.value.details
    for line, fragment in expected:
        assert any(d.startswith(f"items.jsonl:{line}:") and fragment in d.lower() for d in details), (line, fragment, details)
    assert archive_state() == before
