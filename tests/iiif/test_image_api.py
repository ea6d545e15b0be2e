"""IIIF Image API 3.0: parameters parsed into pixels (or a 400 with a message), info.json, images with their
caching and CORS headers, access (401/403/404), pyramids of large images, and a fuzz of a few thousand random
and malformed parameters that must each give a 400 or a valid image, never a 500."""
from __future__ import annotations

import io
import random
import urllib.parse
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from archive.errors import InvalidQuery
from archive.services import images
from archive.services.packages import import_package
from iiif.image_api import build_info, parse_image_request, parse_region, parse_rotation, parse_size
from tests.conftest import tiny_wav

MEDIA_ID = "img-0001"


def squares_png(width: int = 200, height: int = 100) -> bytes:
    """A picture of 20 px squares, each its own colour, so that a crop can be recognised."""
    picture = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(picture)
    for top in range(0, height, 20):
        for left in range(0, width, 20):
            draw.rectangle((left, top, left + 19, top + 19), fill=(left * 255 // width, top * 255 // height, 128))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def gradient_jpeg(width: int, height: int) -> bytes:
    """A large smooth picture (a pyramid is built for it), with a few sharp marks to place crops by."""
    horizontal = Image.linear_gradient("L").resize((width, height))
    vertical = Image.linear_gradient("L").rotate(90).resize((width, height))
    picture = Image.merge("RGB", (horizontal, vertical, ImageChops.invert(horizontal)))
    draw = ImageDraw.Draw(picture)
    for left in range(0, width, 700):
        draw.rectangle((left, 100, left + 60, 160), fill=(255, 255, 0))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def image_line(media_id: str = MEDIA_ID, item_id: str = "tw-craft-0001", path: str = "media/picture.png", **overrides):
    line = {"id": item_id, "kind": "craft", "title": [{"value": "Zellige", "lang": "fr"}], "license": "CC-BY-4.0",
            "access": "public", "status": "published", "media": [{"path": path, "id": media_id}]}
    line.update(overrides)
    return line


@pytest.fixture
def picture(app, make_package) -> str:
    """A published, public 200x100 PNG at /iiif/3/image/img-0001; returns the service's base path."""
    import_package(make_package([image_line()], files={"media/picture.png": squares_png()}))
    return f"/iiif/3/image/{MEDIA_ID}"


def _open(response) -> Image.Image:
    assert response.status_code == 200, response.get_data(as_text=True)
    return Image.open(io.BytesIO(response.data))


# ------------------------------------------------------------------------------------------ parsing


@pytest.mark.parametrize("region, expected", [
    ("full", (0, 0, 300, 200)),
    ("square", (50, 0, 200, 200)),
    ("10,20,30,40", (10, 20, 30, 40)),
    ("250,150,100,100", (250, 150, 50, 50)),  # cut at the image's edges
    ("pct:10,10,50,50", (30, 20, 150, 100)),
    ("pct:0,0,100.0,100", (0, 0, 300, 200)),
    ("pct:90,90,50,50", (270, 180, 30, 20)),
])
def test_regions(region, expected):
    assert parse_region(region, 300, 200) == expected


@pytest.mark.parametrize("region", ["", "fulll", "0,0,0,10", "0,0,10", "300,0,10,10", "0,200,1,1", "-1,0,5,5",
                                    "1.5,0,5,5", "pct:100,0,10,10", "pct:0,0,0,10", "pct:a,b,c,d", "pct:1,2,3",
                                    "1e3,0,5,5", "9" * 40 + ",0,1,1", "pct:" + "9" * 400 + ",0,1,1", "Full"])
def test_bad_regions_are_refused(region):
    with pytest.raises(InvalidQuery):
        parse_region(region, 300, 200)


@pytest.mark.parametrize("size, expected", [
    ("max", (300, 200, False)),
    ("150,", (150, 100, False)),
    (",50", (75, 50, False)),
    ("pct:50", (150, 100, False)),
    ("100,100", (100, 100, False)),  # w,h may distort
    ("!100,100", (100, 67, False)),
    ("!300,50", (75, 50, False)),
    ("^600,", (600, 400, True)),
    ("^,400", (600, 400, True)),
    ("^pct:200", (600, 400, True)),
    ("^!900,900", (900, 600, True)),
    ("^!100,100", (100, 67, False)),
])
def test_sizes(size, expected):
    assert parse_size(size, 300, 200, max_area=1_000_000) == expected


@pytest.mark.parametrize("size", ["full", "", "0,", ",0", "301,", ",201", "pct:101", "pct:0", "!301,201", "w,h",
                                  "10,10,10", "^", "^0,", "!10,", "!,10", ",", "max,", "pct:", "^^10,", "1e2,",
                                  "99999999999999999999,", "^9999,9999"])
def test_bad_sizes_are_refused(size):
    with pytest.raises(InvalidQuery):
        parse_size(size, 300, 200, max_area=1_000_000)


def test_max_is_held_to_max_area():
    assert parse_size("max", 4000, 3000, max_area=1_200_000) == (1264, 948, False)
    assert parse_size("^max", 40, 30, max_area=1_200_000) == (1264, 948, True)


@pytest.mark.parametrize("rotation, expected", [("0", (False, 0)), ("90", (False, 90)), ("!180", (True, 180)),
                                                ("360", (False, 0)), ("22.5", (False, 22.5)), ("!0", (True, 0))])
def test_rotations(rotation, expected):
    assert parse_rotation(rotation) == expected


@pytest.mark.parametrize("rotation", ["", "-90", "361", "!!0", "90!", "abc", "1e2", "!"])
def test_bad_rotations_are_refused(rotation):
    with pytest.raises(InvalidQuery):
        parse_rotation(rotation)


@pytest.mark.parametrize("quality_format", ["default", "default.gif", "grey.jpg", "Default.jpg", "default.JPG",
                                            ".jpg", "default."])
def test_bad_qualities_and_formats_are_refused(quality_format):
    with pytest.raises(InvalidQuery):
        parse_image_request("full", "max", "0", quality_format, width=10, height=10, max_area=100)


def test_info_lists_tiles_sizes_and_extras():
    info = build_info("https://twiza.example/iiif/3/image/x", 8000, 6000, tile_size=256,
                      scale_factors=images.pyramid_factors(8000, 6000), max_area=25_000_000)
    assert info["tiles"] == [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4, 8, 16, 32]}]
    assert info["sizes"][0] == {"width": 250, "height": 188}
    assert {"width": 8000, "height": 6000} not in info["sizes"]  # over maxArea
    assert info["extraFormats"] == ["webp"] and info["extraQualities"] == ["color", "gray", "bitonal"]
    assert info["profile"] == "level2" and info["type"] == "ImageService3"


# ------------------------------------------------------------------------------------------ the service


def test_info_json(client, picture):
    response = client.get(f"{picture}/info.json")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    info = response.get_json()
    assert info["id"] == f"http://localhost{picture}" and (info["width"], info["height"]) == (200, 100)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in response.headers["Cache-Control"] and response.headers["ETag"]
    ld = client.get(f"{picture}/info.json", headers={"Accept": "application/ld+json"})
    assert ld.content_type.startswith("application/ld+json")
    assert "Accept" in ld.headers["Vary"]


def test_manifests_point_at_the_image_service(client, picture):
    manifest = client.get("/iiif/3/tw-craft-0001/manifest").get_json()
    service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]
    assert service == {"id": f"http://localhost{picture}", "type": "ImageService3", "profile": "level2"}
    assert client.get(f"{picture}/info.json").get_json()["id"] == service["id"]


def test_base_uri_redirects_to_info(client, picture):
    response = client.get(picture)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{picture}/info.json")


def test_region_size_rotation_quality_and_format(client, picture):
    crop = _open(client.get(f"{picture}/20,40,20,20/max/0/default.png"))
    assert crop.size == (20, 20) and crop.getpixel((10, 10)) == (20 * 255 // 200, 40 * 255 // 100, 128)
    turned = _open(client.get(f"{picture}/full/100,/90/default.png"))
    assert turned.size == (50, 100)
    mirrored = _open(client.get(f"{picture}/0,0,40,20/max/!0/default.png"))
    assert mirrored.getpixel((35, 10)) == (0, 0, 128)  # the first square now on the right
    assert _open(client.get(f"{picture}/full/max/0/gray.png")).mode in ("L", "LA")
    assert _open(client.get(f"{picture}/full/max/0/bitonal.png")).mode == "1"
    turned = _open(client.get(f"{picture}/full/max/45/default.png"))
    assert turned.mode == "RGBA" and all(abs(side - 212) <= 2 for side in turned.size)  # the bounding box
    assert _open(client.get(f"{picture}/full/max/0/default.webp")).format == "WEBP"
    assert _open(client.get(f"{picture}/square/^pct:150/0/color.jpg")).size == (150, 150)


def test_images_carry_etag_long_cache_control_and_cors(client, picture):
    response = client.get(f"{picture}/full/max/0/default.jpg")
    assert response.status_code == 200 and response.content_type == "image/jpeg"
    assert response.headers["Cache-Control"] == "public, max-age=2592000"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert 'rel="profile"' in response.headers["Link"] and 'rel="canonical"' in response.headers["Link"]
    again = client.get(f"{picture}/full/max/0/default.jpg", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    # the same image asked for in other words has the same ETag (canonical form)
    assert client.get(f"{picture}/0,0,200,100/200,/0/default.jpg").headers["ETag"] == response.headers["ETag"]


def test_the_fast_path_answers_as_flask_does(app, client, picture):
    # A session cookie sends the request through Flask (which knows signed-in viewers); without one the
    # WSGI fast path answers. Same status, headers and bytes either way.
    for path in ("/full/max/0/default.jpg", "/0,0,50,50/25,/90/gray.png", "/full/max/0/nope.jpg", "/square/max/0/default.webp"):
        fast = client.get(picture + path)
        client.set_cookie("session", "x")
        slow = client.get(picture + path)
        client.delete_cookie("session")
        assert (fast.status_code, fast.data) == (slow.status_code, slow.data), path
        for header in ("Content-Type", "ETag", "Cache-Control", "Link", "Access-Control-Allow-Origin", "Content-Length"):
            assert fast.headers.get(header) == slow.headers.get(header), (path, header)


def test_bad_parameters_answer_400_with_a_message(client, picture):
    response = client.get(f"{picture}/full/full/0/default.jpg")
    assert response.status_code == 400
    assert "full" in response.get_json()["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_ids_and_non_images_answer_404(client, make_package):
    line = image_line(media=[{"path": "media/tale.wav", "id": "song-0001"}, {"path": "media/picture.png", "id": MEDIA_ID}])
    import_package(make_package([line], files={"media/picture.png": squares_png(), "media/tale.wav": tiny_wav()}))
    assert client.get("/iiif/3/image/no-such-media/info.json").status_code == 404
    assert client.get("/iiif/3/image/no-such-media/full/max/0/default.jpg").status_code == 404
    assert client.get("/iiif/3/image/song-0001/info.json").status_code == 404
    assert client.get(f"/iiif/3/image/{MEDIA_ID}/info.json").status_code == 200


@pytest.mark.parametrize("overrides, status", [
    ({"access": "registered"}, 401),
    ({"access": "researcher"}, 401),
    ({"status": "draft"}, 404),
    ({"access": "private"}, 404),
    ({"labels": ["TK-SS"]}, 404),
])
def test_restricted_and_hidden_media_are_not_served(client, make_package, overrides, status):
    import_package(make_package([image_line(**overrides)], files={"media/picture.png": squares_png()}))
    base = f"/iiif/3/image/{MEDIA_ID}"
    for path in ("/info.json", "/full/max/0/default.jpg", "/0,0,256,256/256,256/0/default.jpg"):
        response = client.get(base + path)
        assert response.status_code == status, path
        assert response.content_type == "application/json" and b"Zellige" not in response.data


def test_a_cached_image_is_not_served_once_its_item_is_restricted(client, picture):
    from archive.db import db
    from archive.models import Item

    assert client.get(f"{picture}/full/max/0/default.jpg").status_code == 200
    item = db.session.query(Item).one()
    item.access = "registered"
    db.session.commit()
    assert client.get(f"{picture}/full/max/0/default.jpg").status_code == 401
    assert client.get(f"{picture}/full/max/0/default.jpg", headers={"If-None-Match": "*"}).status_code == 401


# ------------------------------------------------------------------------------------------ large images


@pytest.fixture
def large_picture(app, make_package) -> tuple[str, Image.Image]:
    data = gradient_jpeg(2600, 1700)
    import_package(make_package([image_line(path="media/large.jpg")], files={"media/large.jpg": data}))
    return f"/iiif/3/image/{MEDIA_ID}", Image.open(io.BytesIO(data)).convert("RGB")


def _large_sha() -> str:
    from archive.db import db
    from archive.models import Media

    return db.session.query(Media.sha256).scalar()


def test_import_builds_the_pyramid_of_a_large_image(large_picture):
    root = images.pyramid_dir(_large_sha())
    assert sorted(int(p.name) for p in root.iterdir()) == [1, 2, 4, 8, 16]
    assert len(list((root / "1").iterdir())) == 11 * 7
    assert Image.open(root / "16" / "0_0.jpg").size == (163, 107)


def test_a_tile_of_the_pyramid_is_served_as_stored(client, large_picture):
    root = images.pyramid_dir(_large_sha())
    base = large_picture[0]
    response = client.get(f"{base}/2048,1024,512,512/256,256/0/default.jpg")
    assert response.data == (root / "2" / "4_2.jpg").read_bytes()
    edge = client.get(f"{base}/2560,1536,40,164/40,164/0/default.jpg")  # the last, partial tile
    assert edge.data == (root / "1" / "10_6.jpg").read_bytes()


@pytest.mark.parametrize("region, size", [("full", "650,"), ("100,900,1500,700", "300,"), ("1000,600,300,300", "max"),
                                          ("2300,1400,300,300", "^600,"), ("square", "!500,500"),
                                          ("255,255,2,2", "2,2"), ("pct:33.3,10,40,70", "pct:25")])
def test_pyramid_renders_match_the_original(client, large_picture, region, size):
    base, original = large_picture
    got = _open(client.get(f"{base}/{region}/{size}/0/default.png")).convert("RGB")
    wanted = parse_image_request(region, size, "0", "default.png", width=2600, height=1700, max_area=25_000_000)
    box = (wanted.x, wanted.y, wanted.x + wanted.width, wanted.y + wanted.height)
    expected = original.resize(got.size, Image.Resampling.LANCZOS, box=box)
    assert got.size == (wanted.out_width, wanted.out_height)
    difference = ImageStat.Stat(ImageChops.difference(got, expected)).mean
    assert max(difference) < 6, difference


# ------------------------------------------------------------------------------------------ fuzzing

PIECES = ["full", "square", "max", "pct:", "^", "!", ",", ".", ":", "-", "0", "1", "9", "10", "99", "100", "255",
          "256", "1000", "99999999999", "0.5", "default", "color", "gray", "grey", "bitonal", "jpg", "png", "webp",
          "gif", " ", "%", "%2C", "\u00e9", "\u2d5c", "e", "x", "nan", "inf", "1e9", "+", "..", "%00"]


def _fuzz_segment(rng: random.Random, valid: list[str]) -> str:
    roll = rng.random()
    if roll < 0.65:
        return rng.choice(valid)
    if roll < 0.8:  # a valid value, damaged
        value = list(rng.choice(valid))
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(value) + 1)
            if rng.random() < 0.5 and value:
                del value[min(position, len(value) - 1)]
            else:
                value.insert(position, rng.choice(PIECES))
        return "".join(value)
    if roll < 0.93:
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6)))
    return "".join(chr(rng.randint(32, 0x2FFF)) for _ in range(rng.randint(1, 12)))


def _fuzz(client, base: str, width: int, height: int, count: int, seed: int, max_area: int) -> dict[int, int]:
    rng = random.Random(seed)
    regions = ["full", "square", f"0,0,{width},{height}", "10,10,50,40", f"{width - 3},{height - 3},10,10",
               "pct:10,20,30,40", "pct:0.5,0.5,99.5,99.5", "256,256,256,256"]
    sizes = ["max", "^max", "50,", ",40", "pct:50", "^pct:150", "30,30", "!60,60", "^!300,200", "^120,", "1,1"]
    rotations = ["0", "90", "180", "270", "!0", "!90", "45", "359.5", "!22.5", "360"]
    qualities = ["default.jpg", "color.png", "gray.webp", "bitonal.png", "default.webp", "gray.jpg", "bitonal.jpg"]
    statuses: dict[int, int] = {}
    for _ in range(count):
        segments = [_fuzz_segment(rng, regions), _fuzz_segment(rng, sizes), _fuzz_segment(rng, rotations),
                    _fuzz_segment(rng, qualities)]
        path = "/".join(urllib.parse.quote(s.replace("/", ""), safe="!^,:") or "x" for s in segments)
        response = client.get(f"{base}/{path}")
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code in (200, 400), (path, response.status_code, response.data[:300])
        if response.status_code == 400:
            assert response.get_json()["message"]
            continue
        decoded = [urllib.parse.unquote(s) for s in path.split("/")]
        wanted = parse_image_request(*decoded, width=width, height=height, max_area=max_area)
        picture = Image.open(io.BytesIO(response.data))
        picture.load()
        if wanted.rotation % 90 == 0:
            turned = wanted.rotation in (90, 270)
            assert picture.size == ((wanted.out_height, wanted.out_width) if turned
                                    else (wanted.out_width, wanted.out_height)), path
        assert picture.format == {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[wanted.format]
    return statuses


def test_fuzzed_parameters_give_400_or_a_valid_image(app, client, picture):
    app.config["IMAGE_MAX_AREA"] = 200_000  # keeps the upscaled answers small
    statuses = _fuzz(client, picture, 200, 100, count=3000, seed=5, max_area=200_000)
    assert statuses.get(200, 0) > 300 and statuses.get(400, 0) > 1000, statuses


def test_fuzzed_parameters_on_a_pyramid(app, client, large_picture):
    app.config["IMAGE_MAX_AREA"] = 400_000
    statuses = _fuzz(client, large_picture[0], 2600, 1700, count=600, seed=7, max_area=400_000)
    assert statuses.get(200, 0) > 50, statuses
