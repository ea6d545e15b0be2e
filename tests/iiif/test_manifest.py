"""IIIF Presentation 3.0: every manifest and annotation page of the demo archive is valid against the official
schema, carries BCP 47 language maps, the licence and the credits, and shows only what the public may see."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from PIL import Image
from sqlalchemy import select

from archive.db import db
from archive.demo import build_demo_package
from archive.models import Agent, Item
from archive.presenters import item_credits
from archive.services.items import list_items
from archive.services.packages import import_package
from iiif.manifest import language_key, nav_date
from tests.conftest import tale, tiny_png, tiny_wav

JSON_LD = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'


@pytest.fixture(scope="module")
def demo_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_package(tmp_path_factory.mktemp("demo") / "package", large_images=False)


@pytest.fixture
def demo(app, demo_package) -> dict[str, dict]:
    """The demo archive imported; its public items' manifests, by item id."""
    import_package(demo_package)
    client = app.test_client()
    manifests = {}
    for item in list_items(None, per_page=1000).items:
        response = client.get(f"/iiif/3/{item.public_id}/manifest")
        assert response.status_code == 200, item.public_id
        manifests[item.public_id] = json.loads(response.get_data(as_text=True))
    assert len(manifests) >= 10
    return manifests


def _pages(client, manifest: dict) -> dict[str, dict]:
    """The annotation page of each canvas, by canvas id, as its own address serves it (a recording's page is
    also embedded in the manifest: the same page). Caption pages are left out (see _captions)."""
    pages = {}
    for canvas in manifest["items"]:
        for ref in canvas.get("annotations", []):
            if ref["id"].endswith("/captions"):
                continue
            response = client.get(ref["id"].removeprefix("http://localhost"))
            assert response.status_code == 200, ref["id"]
            page = json.loads(response.get_data(as_text=True))
            if "items" in ref:
                assert {**ref, "@context": page["@context"]} == page, ref["id"]
            pages[canvas["id"]] = page
    return pages


def _captions(manifest: dict) -> dict[str, list[dict]]:
    """The captions annotations (WebVTT bodies) of each canvas, by canvas id."""
    return {canvas["id"]: ref["items"] for canvas in manifest["items"] for ref in canvas.get("annotations", [])
            if ref["id"].endswith("/captions")}


def _collections(client, start: str = "/iiif/3/collection", manifests: dict[str, dict] | None = None) -> dict[str, dict]:
    """Every Collection reachable from ``start`` and from the Collections the manifests are part of, by id."""
    seen: dict[str, dict] = {}
    pending = [start] + [ref["id"] for m in (manifests or {}).values() for ref in m.get("partOf", [])]
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        response = client.get(url.removeprefix("http://localhost"))
        assert response.status_code == 200, url
        collection = json.loads(response.get_data(as_text=True))
        seen[url] = collection
        pending += [ref["id"] for ref in collection["items"] if ref["type"] == "Collection"]
        pending += [ref["id"] for ref in collection.get("partOf", [])]
    return seen


def _canvases(manifest: dict, body_type: str) -> list[dict]:
    return [c for c in manifest["items"] if c["items"][0]["items"][0]["body"]["type"] == body_type]


def test_every_demo_manifest_annotation_page_and_collection_is_valid(shared_dir, app, client, demo):
    schema = json.loads((shared_dir / "standards/iiif/presentation-3.0.schema.json").read_text(encoding="utf-8"))
    validator = Draft7Validator(schema)
    pages = 0
    for item_id, manifest in demo.items():
        assert list(validator.iter_errors(manifest)) == [], item_id
        assert manifest["id"] == f"http://localhost/iiif/3/{item_id}/manifest"
        for page in _pages(client, manifest).values():
            assert list(validator.iter_errors(page)) == [], page["id"]
            pages += 1
        for ref in manifest.get("annotations", []):
            page = client.get(ref["id"].removeprefix("http://localhost")).get_json(force=True)
            assert list(validator.iter_errors(page)) == [], page["id"]
            pages += 1
    assert pages >= 5
    app.config["IIIF_COLLECTION_PAGE_SIZE"] = 7  # the archive's Collection and the largest kinds get paged
    collections = _collections(client, manifests=demo)
    for collection_id, collection in collections.items():
        assert list(validator.iter_errors(collection)) == [], collection_id
    assert any("/page/" in c for c in collections) and any("/kinds/" in c for c in collections)
    assert any("/collections/" in c for c in collections)
    assert any("thumbnail" in ref for c in collections.values() for ref in c["items"])
    assert any(_canvases(m, "Sound") for m in demo.values()) and any(_canvases(m, "Image") for m in demo.values())


def test_collections_list_every_visible_manifest_once_in_pages_and_manifests_are_part_of_them(app, client, demo):
    app.config["IIIF_COLLECTION_PAGE_SIZE"] = 5
    top = client.get("/iiif/3/collection").get_json(force=True)
    assert [ref["type"] for ref in top["items"]] == ["Collection"] * -(-len(demo) // 5)
    listed = []
    for number, ref in enumerate(top["items"], start=1):
        assert ref["id"] == f"http://localhost/iiif/3/collection/page/{number}"
        page = client.get(ref["id"].removeprefix("http://localhost")).get_json(force=True)
        assert page["partOf"] == [{"id": top["id"], "type": "Collection", "label": top["label"]}]
        assert {r["type"] for r in page["items"]} == {"Manifest"} and len(page["items"]) <= 5
        listed += [r["id"] for r in page["items"]]
    assert sorted(listed) == sorted(f"http://localhost/iiif/3/{i}/manifest" for i in demo)
    assert client.get(f"/iiif/3/collection/page/{len(top['items']) + 1}").status_code == 404
    assert client.get("/iiif/3/collection/page/0").status_code == 404
    app.config["IIIF_COLLECTION_PAGE_SIZE"] = 1000
    assert {r["type"] for r in client.get("/iiif/3/collection").get_json(force=True)["items"]} == {"Manifest"}
    assert client.get("/iiif/3/collection/page/1").status_code == 404  # not paged: no pages
    for item_id, manifest in demo.items():
        item = db.session.scalar(select(Item).where(Item.public_id == item_id))
        part_of = {ref["id"] for ref in manifest["partOf"]}
        assert part_of == {"http://localhost/iiif/3/collection", f"http://localhost/iiif/3/kinds/{item.kind}",
                           *(f"http://localhost/iiif/3/collections/{m.collection.slug}" for m in item.memberships)}
        for ref in manifest["partOf"]:
            members = client.get(ref["id"].removeprefix("http://localhost")).get_json(force=True)["items"]
            assert manifest["id"] in [m["id"] for m in members], ref["id"]
    tale_kind = client.get("/iiif/3/kinds/tale").get_json(force=True)
    assert tale_kind["label"]["fr"] == ["conte"] and tale_kind["label"]["en"] == ["tale"]


def test_item_level_annotations_target_the_manifest(client, demo):
    published = 0
    for item_id, manifest in demo.items():
        item = db.session.scalar(select(Item).where(Item.public_id == item_id))
        approved = {a.public_id for a in item.annotations if a.media_id is None and a.status == "approved"}
        refs = manifest.get("annotations", [])
        if not approved:
            assert not refs
            continue
        assert refs == [{"id": f"http://localhost/iiif/3/{item_id}/annotations", "type": "AnnotationPage"}]
        page = client.get(f"/iiif/3/{item_id}/annotations").get_json(force=True)
        assert {a["id"].rsplit("/", 1)[1] for a in page["items"]} == approved
        assert {a["target"] for a in page["items"]} == {manifest["id"]}
        published += 1
    assert published, "the demo should hold approved annotations on items as a whole"


def test_language_maps_carry_bcp47_tags(demo):
    keys = {key for manifest in demo.values() for key in manifest["label"]}
    assert {"ary-Arab", "zgh-Tfng"} <= keys
    item = db.session.scalar(select(Item).where(Item.public_id == next(iter(demo))))
    assert demo[item.public_id]["label"] == {
        language_key(v["lang"]): [x["value"] for x in item.title if language_key(x["lang"]) == language_key(v["lang"])]
        for v in item.title}


def test_language_keys_keep_letters_only():
    assert language_key("zgh-Tfng") == "zgh-Tfng"
    assert language_key("fr-MA") == "fr-MA"
    assert language_key("es-419") == "es"
    assert language_key("") == "none"


def test_nav_date_is_utc_iso_and_skips_unusable_dates():
    assert nav_date(19780000) == "1978-01-01T00:00:00Z"
    assert nav_date(19780315) == "1978-03-15T00:00:00Z"
    assert nav_date(-5000101) is None and nav_date(None) is None


def test_rights_is_the_http_licence_uri(demo):
    for item_id, manifest in demo.items():
        item = db.session.scalar(select(Item).where(Item.public_id == item_id))
        assert manifest["rights"] == item.licence.uri and manifest["rights"].startswith("http://")
        assert manifest["homepage"][0]["id"] == f"http://localhost/items/{item_id}"
        assert manifest["provider"][0]["homepage"][0]["id"] == "http://localhost/"


def test_required_statement_credits_people_and_never_names_withdrawn_or_anonymous_agents(client, demo):
    hidden = [a for a in db.session.scalars(select(Agent)) if a.kind == "person" and a.credited_name is None]
    hidden_in_public_items = 0
    for item_id, manifest in demo.items():
        item = db.session.scalar(select(Item).where(Item.public_id == item_id))
        statement = manifest["requiredStatement"]["value"]["en"][0]
        credits = item_credits(item)
        for credit in credits.knowledge_holders + credits.data_workers:
            if credit.name:
                assert credit.name in statement, (item_id, credit.name)
        if credits.community:
            assert credits.community in statement
        text = json.dumps([manifest, _pages(client, manifest)], ensure_ascii=False)
        for agent in hidden:
            assert agent.name not in text, (item_id, agent.name)
        involved = {c.agent_id for c in item.contributions} | {a.creator_id for a in item.annotations}
        hidden_in_public_items += sum(agent.id in involved for agent in hidden)
    assert hidden_in_public_items, "the demo should put a withdrawn or anonymous agent on a public item"


def test_audio_canvases_have_a_duration_and_time_coded_annotations(client, demo):
    timed = 0
    for manifest in demo.values():
        pages = _pages(client, manifest)
        for canvas in _canvases(manifest, "Sound") + _canvases(manifest, "Video"):
            assert canvas["duration"] > 0
            for annotation in pages.get(canvas["id"], {}).get("items", []):
                if annotation["motivation"] == "supplementing":
                    assert annotation["target"].startswith(canvas["id"] + "#t=")
                    assert annotation["body"]["language"]
                    timed += 1
    assert timed


def test_recordings_have_their_annotations_embedded_and_webvtt_captions_per_language(client, demo):
    """Mirador 4 reads a recording's annotations from the manifest itself (and fails on a referenced page),
    and puts text/vtt captions on the player, as the IIIF Cookbook's captions recipe has them."""
    captioned = 0
    for item_id, manifest in demo.items():
        item = db.session.scalar(select(Item).where(Item.public_id == item_id))
        captions = _captions(manifest)
        for canvas in _canvases(manifest, "Sound") + _canvases(manifest, "Video"):
            for ref in canvas.get("annotations", []):
                assert "items" in ref, "a recording's annotation pages are embedded"
            media = next(m for m in item.media if canvas["id"].endswith("/" + m.public_id))
            timed = [a for a in item.annotations if a.media_id == media.id and a.status == "approved"
                     and (a.selector or "").startswith("t=") and a.body_value]
            assert {a["body"]["language"] for a in captions.get(canvas["id"], [])} == {a.body_language for a in timed}
            for annotation in captions.get(canvas["id"], []):
                assert annotation["motivation"] == "supplementing" and annotation["target"] == canvas["id"]
                assert annotation["body"]["format"] == "text/vtt" and annotation["body"]["type"] == "Text"
                response = client.get(annotation["body"]["id"].removeprefix("http://localhost"))
                assert response.status_code == 200
                assert response.headers["Content-Type"] == "text/vtt; charset=utf-8"
                assert response.headers["Access-Control-Allow-Origin"] == "*"
                vtt = response.get_data(as_text=True)
                cues = vtt.split("\n\n")[1:]
                mine = sorted((a for a in timed if a.body_language == annotation["body"]["language"]),
                              key=lambda a: [float(v) for v in a.selector[2:].split(",")])
                assert vtt.startswith("WEBVTT\n\n") and len(cues) == len(mine)
                for cue, layer in zip(cues, mine):
                    timing, text = cue.strip().split("\n", 1)
                    start, end = (float(v) for v in layer.selector[2:].split(","))
                    assert timing == f"{_vtt_time(start)} --> {_vtt_time(end)}"
                    assert text == " ".join(layer.body_value.split()) or "\n" in layer.body_value
                captioned += 1
    assert captioned >= 4, "the demo's recordings have captions in their languages"


def _vtt_time(seconds: float) -> str:
    whole, fraction = divmod(round(seconds * 1000), 1000)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{fraction:03d}"


def test_webvtt_cues_escape_markup_and_never_hold_a_blank_line():
    from types import SimpleNamespace

    from iiif.captions import build_webvtt

    media = SimpleNamespace(id=1)
    layer = SimpleNamespace(media_id=1, status="approved", selector="t=3661.5,3662.25", body_language="fr",
                            body_value="a <b> & c --> d\n\n  second line ")
    item = SimpleNamespace(annotations=[layer], languages=["fr"])
    assert build_webvtt(item, media, "fr") == "WEBVTT\n\n01:01:01.500 --> 01:01:02.250\na &lt;b&gt; &amp; c --&gt; d\nsecond line\n"
    assert build_webvtt(item, media, "ar") is None


def test_image_annotation_pages_hold_regions_and_only_approved_annotations(client, demo):
    regions = 0
    for item_id, manifest in demo.items():
        item = db.session.scalar(select(Item).where(Item.public_id == item_id))
        pages = _pages(client, manifest)
        for media in item.media:
            canvas_id = f"http://localhost/iiif/3/{item_id}/canvas/{media.public_id}"
            served = {a["id"].rsplit("/", 1)[1]: a for a in pages.get(canvas_id, {}).get("items", [])}
            approved = {a.public_id for a in item.annotations if a.media_id == media.id and a.status == "approved"}
            assert set(served) == approved, (item_id, media.public_id)
            if media.kind == "image":
                for annotation in served.values():
                    if "#" in annotation["target"]:
                        assert annotation["target"].startswith(canvas_id + "#xywh=")
                        regions += 1
    assert regions
    pending = [a for m in demo for a in db.session.scalar(select(Item).where(Item.public_id == m)).annotations
               if a.status != "approved" and a.media_id is not None]
    assert pending, "the demo should hold unapproved annotations on public items"


@pytest.fixture
def small_archive(app, make_package):
    lines = [
        tale(),
        tale("tw-registered", title=[{"value": "Pour les inscrits", "lang": "fr"}], access="registered"),
        tale("tw-draft-0001", title=[{"value": "Brouillon secret", "lang": "fr"}], status="draft"),
        tale("tw-private-01", title=[{"value": "Privé absolu", "lang": "fr"}], access="private"),
        tale("tw-paged-0001", media=[{"path": "media/p1.png"}, {"path": "media/p2.png"}], annotations=[]),
    ]
    files = {"media/tale.wav": tiny_wav(), "media/drawing.png": tiny_png(), "media/p1.png": tiny_png(5, 4),
             "media/p2.png": tiny_png(6, 4)}
    import_package(make_package(lines, files=files))


@pytest.mark.parametrize("item_id, status, title", [("tw-registered", 401, "Pour les inscrits"),
                                                    ("tw-draft-0001", 404, "Brouillon secret"),
                                                    ("tw-private-01", 404, "Privé absolu"),
                                                    ("no-such-item", 404, None)])
@pytest.mark.parametrize("accept", ["application/json", "application/ld+json", "*/*"])
def test_restricted_and_unpublished_items_reveal_nothing(client, small_archive, item_id, status, title, accept):
    for path in (f"/iiif/3/{item_id}/manifest", f"/iiif/3/{item_id}/annotations/m-anything",
                 f"/iiif/3/{item_id}/annotations", f"/iiif/3/{item_id}/captions/m-anything/fr.vtt"):
        response = client.get(path, headers={"Accept": accept})
        body = response.get_data(as_text=True)
        assert response.status_code == status, path
        assert "Essaouira" not in body and "Lalla Rqia" not in body and "tw-tale" not in body
        if title:
            assert title not in body
    if accept == "application/json":
        assert response.get_json()["status"] == status


def test_collections_hold_only_what_visitors_may_see(client, small_archive):
    everything = client.get("/iiif/3/collection").get_data(as_text=True)
    assert "tw-tale-0001" in everything and "tw-paged-0001" in everything
    for hidden in ("tw-registered", "tw-draft-0001", "tw-private-01", "Brouillon secret", "Privé absolu"):
        assert hidden not in everything
    coastal = client.get("/iiif/3/collections/coastal-tales").get_json(force=True)
    assert [m["id"].split("/")[-2] for m in coastal["items"]] == ["tw-tale-0001", "tw-paged-0001"]
    assert client.get("/iiif/3/kinds/song").status_code == 404  # nothing visible of that kind
    assert client.get("/iiif/3/collections/no-such").status_code == 404


def test_signed_in_readers_collections_hold_what_they_may_see(client, auth, small_archive):
    auth.user("reader@example.org")
    auth.sign_in("reader@example.org")
    response = client.get("/iiif/3/collection")
    assert "tw-registered" in response.get_data(as_text=True) and "private" in response.headers["Cache-Control"]
    assert "tw-draft-0001" not in response.get_data(as_text=True)


def test_json_ld_cors_etag_and_304(client, small_archive):
    response = client.get("/iiif/3/tw-tale-0001/manifest")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON_LD
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age=300" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    again = client.get("/iiif/3/tw-tale-0001/manifest", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    manifest = response.get_json(force=True)
    page_url = manifest["items"][0]["annotations"][0]["id"].removeprefix("http://localhost")
    page = client.get(page_url)
    assert page.headers["Content-Type"] == JSON_LD and page.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(page_url, headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    assert client.get("/iiif/3/tw-tale-0001/annotations/m-nope").status_code == 404
    assert client.get("/iiif/3/tw-registered/manifest").headers["Access-Control-Allow-Origin"] == "*"


def test_paged_right_to_left_items_read_right_to_left(client, small_archive):
    paged = client.get("/iiif/3/tw-paged-0001/manifest").get_json(force=True)
    assert paged["viewingDirection"] == "right-to-left"  # two images, content in ary-Arab
    assert [c["width"] for c in paged["items"]] == [5, 6]
    assert paged["thumbnail"][0]["width"] == 5
    assert "annotations" not in paged["items"][0]
    single = client.get("/iiif/3/tw-tale-0001/manifest").get_json(force=True)
    assert "viewingDirection" not in single  # one image only: nothing to page through
    assert single["seeAlso"][0]["format"] == "application/x-bibtex"
    assert single["navDate"] == "1978-01-01T00:00:00Z"


def test_item_page_links_its_manifest(client, small_archive):
    page = client.get("/items/tw-tale-0001").get_data(as_text=True)
    assert ('<link rel="alternate" type="application/ld+json;profile=&quot;http://iiif.io/api/presentation/3/'
            'context.json&quot;" href="/iiif/3/tw-tale-0001/manifest">') in page
    assert 'href="/iiif/3/tw-tale-0001/manifest" type="application/ld+json" data-iiif-manifest>' in page


def test_listed_manifests_carry_a_small_thumbnail_from_the_image_service(shared_dir, app, client, make_package):
    lines = [tale(media=[{"path": "media/tale.wav"}, {"path": "media/wide.png"}, {"path": "media/small.png"}],
                  annotations=[]),
             tale("tw-tale-0002", media=[{"path": "media/tale.wav"}], annotations=[])]  # no picture: no thumbnail
    import_package(make_package(lines, files={"media/tale.wav": tiny_wav(), "media/wide.png": tiny_png(600, 300),
                                              "media/small.png": tiny_png(5, 4)}))
    manifest = client.get("/iiif/3/tw-tale-0001/manifest").get_json(force=True)
    service = _canvases(manifest, "Image")[0]["items"][0]["items"][0]["body"]["service"][0]  # the first picture's
    expected = [{"id": f"{service['id']}/full/200,100/0/default.jpg", "type": "Image", "format": "image/jpeg",
                 "width": 200, "height": 100, "service": [service]}]
    validator = Draft7Validator(json.loads((shared_dir / "standards/iiif/presentation-3.0.schema.json").read_text()))
    app.config["IIIF_COLLECTION_PAGE_SIZE"] = 1  # pages list the manifests too
    for url in ("/iiif/3/collection", "/iiif/3/collection/page/1", "/iiif/3/kinds/tale", "/iiif/3/kinds/tale/page/2",
                "/iiif/3/collections/coastal-tales/page/1"):
        collection = client.get(url).get_json(force=True)
        assert list(validator.iter_errors(collection)) == [], url
        for ref in collection["items"]:
            if ref["id"].endswith("/tw-tale-0001/manifest"):
                assert ref["thumbnail"] == expected, url
            elif ref["type"] == "Manifest":
                assert "thumbnail" not in ref, url
    app.config["IIIF_COLLECTION_PAGE_SIZE"] = 100
    [listed, _] = client.get("/iiif/3/collection").get_json(force=True)["items"]
    assert listed["thumbnail"] == expected
    picture = client.get(expected[0]["id"].removeprefix("http://localhost"))
    assert picture.status_code == 200 and Image.open(io.BytesIO(picture.data)).size == (200, 100)
