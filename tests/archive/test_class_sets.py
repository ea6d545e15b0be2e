"""Teachers' class sets: a selection as one ZIP of print-ready pictures with an attribution sheet. Only what
the teacher may see and show in class goes in; what is left out is named with the reason; hidden items leave
no trace; each picture's download is logged."""
from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from archive.db import db
from archive.models import Download
from archive.services.class_sets import PRINT_LONG_SIDE, print_rendition
from archive.services.downloads import accept_terms
from archive.services.images import ImageRef
from archive.services.packages import import_package
from tests.conftest import quick_account, session_sign_in, tale, tiny_png, tiny_wav

SELECTION = "tw-private-01,tw-tale-0001,tw-edu-00001,tw-inc-00001,tw-draft-0001,tw-text-0001"


def _titled(item_id: str, title: str, **overrides):
    return tale(item_id, title=[{"value": title, "lang": "fr"}], **overrides)


@pytest.fixture
def archive(app, make_package):
    lines = [
        tale(),
        _titled("tw-edu-00001", "Sous conditions", license="InC-EDU"),
        _titled("tw-inc-00001", "Tous droits réservés", license="InC"),
        _titled("tw-private-01", "Privé absolu", access="private"),
        _titled("tw-draft-0001", "Brouillon secret", status="draft"),
        _titled("tw-text-0001", "Conte sans image", media=[], annotations=[]),
    ]
    import_package(make_package(lines, files={"media/tale.wav": tiny_wav(), "media/drawing.png": tiny_png(40, 30)}))


def _class_set(client, ids: str = SELECTION) -> tuple[zipfile.ZipFile, dict[str, bytes]]:
    response = client.get("/selection/class-set.zip", query_string={"ids": ids})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/zip" and "no-store" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    return archive, {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def test_a_class_set_holds_the_pictures_one_may_show_in_class_and_their_attribution(app, client, archive):
    _zip, files = _class_set(client)
    assert sorted(files) == ["attribution.html", "attribution.pdf", "images/01-tw-tale-0001-1.jpg"]
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(files["attribution.pdf"])).pages)
    for expected in ("CC BY 4.0", "images/01-tw-tale-0001-1.jpg", "Conte sans image", "Tous droits réservés", "InC-EDU"):
        assert expected in pdf_text, expected
    with Image.open(io.BytesIO(files["images/01-tw-tale-0001-1.jpg"])) as picture:
        assert picture.format == "JPEG" and picture.size == (40, 30)  # never enlarged
    sheet = files["attribution.html"].decode()
    assert '<h2 lang="ary-Arab" dir="rtl">حكاية الحوت</h2>' in sheet
    assert "CC BY 4.0" in sheet and "Lalla Rqia" in sheet and "images/01-tw-tale-0001-1.jpg" in sheet
    assert "http://localhost/items/tw-tale-0001" in sheet and "Conte sans image" in sheet
    # Left out with the reason: the picture whose terms are not accepted, the item not allowed in class.
    assert 'data-left-out="2"' in sheet and "InC-EDU" in sheet
    assert 'data-left-out="3"' in sheet and "Tous droits réservés" in sheet
    assert "<script" not in sheet and "<link" not in sheet and "src=" not in sheet  # a file read offline
    everything = b"".join(files.values()).decode("utf-8", "replace") + pdf_text
    for hidden in ("Privé absolu", "Brouillon secret", "tw-private-01", "tw-draft-0001"):
        assert hidden not in everything
    logged = db.session.scalars(select(Download)).all()
    assert [(d.kind, d.user_id, d.licence_id) for d in logged] == [("file", None, "CC-BY-4.0")]


def test_accepted_terms_bring_their_pictures_in(app, archive):
    reader = quick_account(("researcher",), "Enseignante")
    accept_terms(reader, "InC-EDU")
    client = app.test_client()
    session_sign_in(client, reader)
    _zip, files = _class_set(client)
    assert "images/02-tw-edu-00001-1.jpg" in files
    sheet = files["attribution.html"].decode()
    assert 'data-left-out="2"' not in sheet and 'data-left-out="3"' in sheet
    assert {d.user_id for d in db.session.scalars(select(Download))} == {reader.id}


def test_a_class_set_of_nothing_visible_or_of_bad_identifiers_is_refused(client, archive):
    hidden = client.get("/selection/class-set.zip", query_string={"ids": "tw-private-01,tw-draft-0001"})
    assert hidden.status_code == 404 and "Privé" not in hidden.get_data(as_text=True)
    assert client.get("/selection/class-set.zip", query_string={"ids": "../etc/passwd"}).status_code == 400
    assert client.get("/selection/class-set.zip", query_string={"ids": ",".join(["tw-x"] * 101)}).status_code == 400


def test_the_selection_page_offers_its_class_set(client, archive):
    page = client.get("/selection", query_string={"ids": "tw-tale-0001"}).get_data(as_text=True)
    assert "/selection/class-set.zip?ids=tw-tale-0001" in page


def test_print_pictures_fill_an_a4_page_at_300_dpi_and_are_never_enlarged():
    large = print_rendition(ImageRef("m-x", "0" * 64, 8000, 6000, True))
    assert (large.out_width, large.out_height) == (PRINT_LONG_SIDE, 2631) and PRINT_LONG_SIDE == 3508
    tall = print_rendition(ImageRef("m-y", "0" * 64, 2000, 9000, True))
    assert (tall.out_width, tall.out_height) == (780, 3508)
    small = print_rendition(ImageRef("m-z", "0" * 64, 640, 480, True))
    assert (small.out_width, small.out_height, small.format) == (640, 480, "jpg")
