"""Pictures as they are shown: a JPEG whose EXIF Orientation is not 1 is measured, tiled, scaled and listed in
manifests turned upright (as Pillow's ImageOps.exif_transpose turns it), through Flask, the WSGI fast path,
pyramids and page derivatives alike; and pictures between Pillow's own decompression-bomb limit and the
archive's bound are rendered, while the archive's bound still refuses larger ones at import."""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat

from archive.db import db
from archive.models import Media
from archive.services import images
from archive.services.packages import PackageError, import_package
from tests.conftest import fresh_app
from tests.iiif.test_image_api import MEDIA_ID, _open, image_line, squares_png

BASE = f"/iiif/3/image/{MEDIA_ID}"


def oriented_jpeg(width: int, height: int, orientation: int) -> bytes:
    """A ``width`` x ``height`` JPEG (as stored) whose EXIF says to show it turned by ``orientation``: a
    gradient running one way in red and the other in green, with a white mark in the stored top-left corner."""
    horizontal = Image.linear_gradient("L").rotate(90).resize((width, height))
    vertical = Image.linear_gradient("L").resize((width, height))
    picture = Image.merge("RGB", (horizontal, vertical, Image.new("L", (width, height), 60)))
    ImageDraw.Draw(picture).rectangle((0, 0, width // 5, height // 5), fill=(255, 255, 255))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Twiza test camera"
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def shown(data: bytes) -> Image.Image:
    """The picture as Pillow shows it upright."""
    return ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")


def assert_alike(got: Image.Image, expected: Image.Image) -> None:
    assert got.size == expected.size
    difference = ImageStat.Stat(ImageChops.difference(got.convert("RGB"), expected)).mean
    assert max(difference) < 6, difference


def _import(make_package, data: bytes) -> None:
    import_package(make_package([image_line(path="media/turned.jpg")], files={"media/turned.jpg": data}))


@pytest.mark.parametrize("orientation", [3, 5, 6, 8])
def test_a_turned_jpeg_is_served_as_shown(client, make_package, orientation):
    data = oriented_jpeg(300, 120, orientation)
    _import(make_package, data)
    upright = shown(data)
    width, height = upright.size
    assert (width, height) == ((300, 120) if orientation == 3 else (120, 300))

    media = db.session.query(Media).one()
    assert (media.width, media.height) == (width, height)
    info = client.get(f"{BASE}/info.json").get_json()
    assert (info["width"], info["height"]) == (width, height)
    assert info["sizes"][-1] == {"width": width, "height": height}

    assert_alike(_open(client.get(f"{BASE}/full/max/0/default.png")), upright)
    assert_alike(_open(client.get(f"{BASE}/0,0,60,60/max/0/default.png")), upright.crop((0, 0, 60, 60)))
    half = _open(client.get(f"{BASE}/full/{width // 2},/0/default.png"))
    assert_alike(half, upright.resize((width // 2, height // 2), Image.Resampling.LANCZOS))

    canvas = client.get("/iiif/3/tw-craft-0001/manifest").get_json()["items"][0]
    assert (canvas["width"], canvas["height"]) == (width, height)
    body = canvas["items"][0]["items"][0]["body"]
    assert (body["width"], body["height"]) == (width, height)


def test_flask_and_the_fast_path_agree_on_a_turned_jpeg(client, make_package):
    _import(make_package, oriented_jpeg(300, 120, 6))
    for path in ("/full/max/0/default.jpg", "/0,200,100,100/50,/0/default.png", "/square/max/90/default.jpg"):
        fast = client.get(BASE + path)
        client.set_cookie("session", "x")
        slow = client.get(BASE + path)
        client.delete_cookie("session")
        assert fast.status_code == 200 and fast.data == slow.data, path


def test_a_turned_large_jpeg_gets_an_upright_pyramid(client, make_package):
    data = oriented_jpeg(2600, 1700, 6)  # stored landscape, shown portrait: 1700 x 2600
    _import(make_package, data)
    upright = shown(data)
    media = db.session.query(Media).one()
    assert (media.width, media.height) == (1700, 2600)
    root = images.pyramid_dir(media.sha256)
    assert len(list((root / "1").iterdir())) == 7 * 11  # 7 columns of 256 px across 1700, 11 rows down 2600

    info = client.get(f"{BASE}/info.json").get_json()
    assert (info["width"], info["height"]) == (1700, 2600)
    # A tile as a viewer asks for it is the pyramid's own file (the fast path), upright.
    tile = client.get(f"{BASE}/0,0,512,512/256,256/0/default.jpg")
    assert tile.data == (root / "2" / "0_0.jpg").read_bytes()
    assert_alike(_open(tile), upright.resize((256, 256), Image.Resampling.LANCZOS, box=(0, 0, 512, 512)))
    edge = _open(client.get(f"{BASE}/1536,2560,164,40/164,40/0/default.jpg"))  # the last, partial tile
    assert_alike(edge, upright.crop((1536, 2560, 1700, 2600)))
    # Renders made from the pyramid's levels, and the page derivatives made through them.
    assert_alike(_open(client.get(f"{BASE}/full/425,/0/default.png")),
                 upright.resize((425, 650), Image.Resampling.LANCZOS))
    derivative = client.get(f"/media/{MEDIA_ID}/w320.jpg")
    assert_alike(_open(derivative), upright.resize((320, 489), Image.Resampling.LANCZOS))


# ------------------------------------------------------------------- beyond Pillow's own limit


def test_pictures_beyond_pillows_limit_but_within_the_archives_bound_are_rendered(
        tmp_path, migrated_template, monkeypatch, make_package):
    # Pillow refuses pictures of more than twice its MAX_IMAGE_PIXELS (about 179 Mpx by default) and the
    # archive accepts up to its MAX_IMAGE_PIXELS (400 Mpx). The same gap, scaled down: Pillow would refuse
    # anything over 10,000 pixels, the archive accepts up to 50,000.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5_000)
    with fresh_app(tmp_path / "archive", migrated_template, MAX_IMAGE_PIXELS=50_000) as app:
        assert Image.MAX_IMAGE_PIXELS == 50_000  # Pillow's backstop now refuses at twice the archive's bound
        import_package(make_package([image_line()], files={"media/picture.png": squares_png(200, 100)}))
        client = app.test_client()
        assert client.get(f"{BASE}/info.json").get_json()["width"] == 200
        full = _open(client.get(f"{BASE}/full/max/0/default.png"))
        assert full.size == (200, 100) and full.getpixel((30, 50)) == (20 * 255 // 200, 40 * 255 // 100, 128)
        assert _open(client.get(f"{BASE}/full/50,/0/default.jpg")).size == (50, 25)

        # The archive's own bound still refuses a larger picture, before decoding it.
        too_large = make_package([image_line("img-0002", "tw-craft-0002", path="media/large.png")],
                                 files={"media/large.png": squares_png(300, 200)})
        with pytest.raises(PackageError) as refused, pytest.warns(Image.DecompressionBombWarning):
            import_package(too_large)
        assert any("exceeds the limit of 50000 pixels" in detail for detail in refused.value.details)


def test_a_png_is_taken_as_stored(client, make_package):
    picture, exif = Image.open(io.BytesIO(squares_png(200, 100))), Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", exif=exif.tobytes())
    import_package(make_package([image_line()], files={"media/picture.png": buffer.getvalue()}))
    assert client.get(f"{BASE}/info.json").get_json()["width"] == 200
    assert _open(client.get(f"{BASE}/full/max/0/default.png")).size == (200, 100)
