"""Downloads: who may take what (files and bundles, Range and HEAD included), click-through terms, file
headers, Range semantics, BagIt bundles validated by the bagit library, and the download log."""
from __future__ import annotations

import hashlib
import io
import zipfile

import bagit
import pytest
from sqlalchemy import select

from archive.db import db
from archive.models import Download, Media, TermsAcceptance
from archive.services.packages import import_package
from tests.conftest import Auth, tale, tiny_png, tiny_wav

WAV = tiny_wav(3.0)


@pytest.fixture
def archive(app, make_package):
    files = {"media/tale.wav": WAV, "media/drawing.png": tiny_png(40, 30)}
    lines = [
        tale(),
        tale("tw-registered", access="registered"),
        tale("tw-research", access="researcher"),
        tale("tw-community", access="community:fishers-essaouira"),
        tale("tw-private-01", access="private"),
        tale("tw-draft-0001", status="draft"),
        tale("tw-sacred-001", labels=["TK-SS"]),
        tale("tw-seasonal-1", labels=["TK-S"]),
        tale("tw-in-copyright", license="InC"),
    ]
    import_package(make_package(lines, files=files))


def _media_of(public_id: str, kind: str = "audio") -> str:
    from archive.models import Item

    return db.session.scalar(select(Media.public_id).join(Item).where(Item.public_id == public_id, Media.kind == kind))


VIEWERS = {
    "visitor": None,
    "reader": {"email": "reader@example.org"},
    "researcher": {"email": "researcher@example.org", "roles": ("researcher",)},
    "member": {"email": "member@example.org", "communities": ("fishers-essaouira",)},
    "curator": {"email": "curator@example.org", "roles": ("curator",)},
}
# Who may download each item (files and bundle): True, or the refusal's status.
MATRIX = {
    "tw-tale-0001": {"visitor": True, "reader": True, "researcher": True, "member": True, "curator": True},
    "tw-registered": {"visitor": 401, "reader": True, "researcher": True, "member": True, "curator": True},
    "tw-research": {"visitor": 401, "reader": 403, "researcher": True, "member": 403, "curator": True},
    "tw-community": {"visitor": 401, "reader": 403, "researcher": 403, "member": True, "curator": True},
    "tw-private-01": {"visitor": 404, "reader": 404, "researcher": 404, "member": 404, "curator": True},
    "tw-draft-0001": {"visitor": 404, "reader": 404, "researcher": 404, "member": 404, "curator": True},
    "tw-sacred-001": {"visitor": 404, "reader": 404, "researcher": 404, "member": 404, "curator": True},
    "tw-seasonal-1": {"visitor": 404, "reader": 404, "researcher": 404, "member": 404, "curator": True},
}


def _client_for(app, name: str):
    client = app.test_client()
    spec = VIEWERS[name]
    if spec is not None:
        Auth.user(spec["email"], roles=spec.get("roles", ()), communities=spec.get("communities", ()))
        Auth(client).sign_in(spec["email"])
    return client


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_download_access_matrix_for_files_bundles_range_and_head(app, archive, viewer):
    client = _client_for(app, viewer)
    for public_id, allowed in MATRIX.items():
        expected = allowed[viewer]
        media = _media_of(public_id)
        urls = [f"/media/{media}/download", f"/media/{media}", f"/items/{public_id}/download.zip",
                f"/items/{public_id}/downloads"]
        for url in urls:
            for method, headers in (("GET", {}), ("HEAD", {}), ("GET", {"Range": "bytes=0-9"}), ("GET", {"Range": "bytes=-5"})):
                response = client.open(url, method=method, headers=headers)
                if expected is True:
                    assert response.status_code in (200, 206), (viewer, public_id, url, method, headers)
                else:
                    assert response.status_code == expected, (viewer, public_id, url, method, headers)
                    body = response.get_data()
                    assert WAV[:64] not in body and b"RIFF" not in body[:4]


def test_a_file_download_carries_its_name_checksums_and_dates(client, archive):
    media = _media_of("tw-tale-0001")
    response = client.get(f"/media/{media}/download")
    assert response.status_code == 200 and response.data == WAV
    digest = hashlib.sha256(WAV).hexdigest()
    assert response.headers["X-Checksum-SHA256"] == digest
    assert response.headers["Repr-Digest"].startswith("sha-256=:") and response.headers["ETag"] == f'"{digest}"'
    assert "Last-Modified" in response.headers and response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Disposition"].endswith(".wav")
    again = client.get(f"/media/{media}/download", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_non_ascii_file_names_are_given_safely(app, archive):
    media = db.session.scalar(select(Media).where(Media.public_id == _media_of("tw-tale-0001")))
    media.original_filename = "../../الحوت: حكاية\n.wav"
    db.session.commit()
    disposition = app.test_client().get(f"/media/{media.public_id}/download").headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition and "%D8%A7%D9%84%D8%AD%D9%88%D8%AA" in disposition
    assert ".." not in disposition and "\n" not in disposition and "/" not in disposition.split("filename")[1]


@pytest.mark.parametrize("range_header, status, part", [
    ("bytes=0-99", 206, slice(0, 100)),
    ("bytes=1000-1999", 206, slice(1000, 2000)),
    ("bytes=-500", 206, slice(len(WAV) - 500, len(WAV))),
    ("bytes=4000-", 206, slice(4000, len(WAV))),
])
def test_range_requests_give_the_right_bytes(client, archive, range_header, status, part):
    response = client.get(f"/media/{_media_of('tw-tale-0001')}/download", headers={"Range": range_header})
    assert response.status_code == status and response.data == WAV[part]
    assert response.headers["Content-Range"].startswith("bytes ")


def test_an_unsatisfiable_range_is_416_and_a_resumed_download_is_byte_identical(client, archive):
    url = f"/media/{_media_of('tw-tale-0001')}/download"
    refused = client.get(url, headers={"Range": f"bytes={len(WAV) + 10}-"})
    assert refused.status_code == 416 and refused.headers["Content-Range"] == f"bytes */{len(WAV)}"
    first = client.get(url, headers={"Range": "bytes=0-4095"}).data
    etag = client.head(url).headers["ETag"]
    rest = client.get(url, headers={"Range": "bytes=4096-", "If-Range": etag})
    assert rest.status_code == 206 and first + rest.data == WAV


def test_click_through_terms_are_accepted_once_and_recorded(app, archive):
    media = _media_of("tw-in-copyright")
    visitor = app.test_client()
    refused = visitor.get(f"/media/{media}/download")
    assert refused.status_code == 403 and b"RIFF" not in refused.data
    assert visitor.get("/items/tw-in-copyright/download.zip").status_code == 403
    page = visitor.get("/items/tw-in-copyright/downloads").get_data(as_text=True)
    assert "InC" in page and "/sign-in" in page and f"/media/{media}/download" not in page
    reader = _client_for(app, "reader")
    auth = Auth(reader)
    assert reader.get(f"/media/{media}/download").status_code == 403
    accepted = auth.post_form("/items/tw-in-copyright/downloads", {"next": "/items/tw-in-copyright/downloads"},
                              to="/licences/InC/accept")
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/items/tw-in-copyright/downloads")
    assert reader.get(f"/media/{media}/download").status_code == 200
    [acceptance] = db.session.scalars(select(TermsAcceptance)).all()
    assert acceptance.licence_id == "InC" and len(acceptance.terms_version) == 16


def test_each_download_is_logged_once_without_addresses(app, archive):
    client = _client_for(app, "reader")
    media = _media_of("tw-tale-0001")
    client.get(f"/media/{media}/download", headers={"Range": "bytes=0-99"})
    client.get(f"/media/{media}/download", headers={"Range": "bytes=100-"})  # the same download, resumed
    client.head(f"/media/{media}/download")
    app.test_client().get(f"/media/{media}/download")
    client.head("/items/tw-tale-0001/download.zip")
    client.get("/items/tw-tale-0001/download.zip").get_data()
    rows = db.session.scalars(select(Download).order_by(Download.id)).all()
    assert [(r.kind, r.user_id is not None, r.licence_id) for r in rows] == [
        ("file", True, "CC-BY-4.0"), ("file", False, "CC-BY-4.0"), ("bundle", True, "CC-BY-4.0")]
    assert not any("addr" in column.name or "ip" == column.name for column in Download.__table__.columns)


def test_the_item_bundle_is_a_valid_bagit_bag_with_everything(client, archive, tmp_path):
    response = client.get("/items/tw-tale-0001/download.zip")
    assert response.status_code == 200 and response.headers["Content-Disposition"] == 'attachment; filename="tw-tale-0001.zip"'
    with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
        names = set(bundle.namelist())
        bundle.extractall(tmp_path)
    bag_dir = tmp_path / "tw-tale-0001"
    bag = bagit.Bag(str(bag_dir))
    bag.validate()  # raises BagValidationError on any missing file or wrong checksum
    assert "sha256" in bag.algorithms
    for name in ("metadata.json", "annotations.json", "manifest.json", "LICENSE.txt", "ATTRIBUTION.txt", "CITATION.cff"):
        assert f"tw-tale-0001/data/{name}" in names, name
    assert (bag_dir / "data" / "files").is_dir()
    wav = next((bag_dir / "data" / "files").glob("*.wav"))
    assert wav.read_bytes() == WAV
    attribution = (bag_dir / "data" / "ATTRIBUTION.txt").read_text(encoding="utf-8")
    assert "Lalla Rqia" in attribution and "Samir Oubella" in attribution and "CC BY 4.0" in attribution
    import json

    metadata = json.loads((bag_dir / "data" / "metadata.json").read_text(encoding="utf-8"))
    assert {"@value": "حكاية الحوت", "@language": "ary-Arab"} in metadata["name"]
    annotations = json.loads((bag_dir / "data" / "annotations.json").read_text(encoding="utf-8"))
    assert annotations["type"] == "AnnotationCollection" and annotations["total"] >= 2
    assert json.loads((bag_dir / "data" / "manifest.json").read_text(encoding="utf-8"))["type"] == "Manifest"
    assert 'cff-version: 1.2.0' in (bag_dir / "data" / "CITATION.cff").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------ API tokens

def _token_for(app, email: str, roles=()) -> str:
    Auth.user(email, roles=roles)
    client = app.test_client()
    Auth(client).sign_in(email)
    page = Auth(client).post_form("/account/tokens", {"name": "laptop"}).get_data(as_text=True)
    import re

    return re.search(r'value="(twz_[^"]+)" aria-label', page).group(1)


def test_a_researcher_downloads_with_a_bearer_token_and_it_is_logged_as_such(app, archive):
    secret = _token_for(app, "researcher@example.org", roles=("researcher",))
    programme = app.test_client()  # no cookie: only the token
    headers = {"Authorization": f"Bearer {secret}"}
    media = _media_of("tw-research")
    assert programme.get(f"/media/{media}/download").status_code == 401
    response = programme.get(f"/media/{media}/download", headers=headers)
    assert response.status_code == 200 and response.data == WAV
    assert "Set-Cookie" not in response.headers or "session=" not in response.headers.get("Set-Cookie", "")
    assert programme.get("/items/tw-community/download.zip", headers=headers).status_code == 403
    [row] = db.session.scalars(select(Download)).all()
    assert row.channel == "token" and row.kind == "file"


def test_tokens_are_listed_by_prefix_and_revoked_tokens_are_refused(app, archive):
    secret = _token_for(app, "researcher@example.org", roles=("researcher",))
    owner = app.test_client()
    Auth(owner).sign_in("researcher@example.org")
    page = owner.get("/account/tokens").get_data(as_text=True)
    assert secret[:12] in page and secret not in page  # the secret is shown once, at creation
    from archive.models import ApiToken

    token = db.session.scalar(select(ApiToken))
    assert token.token_hash != secret and len(token.token_hash) == 64
    Auth(owner).post_form("/account/tokens", {}, to=f"/account/tokens/{token.id}/revoke")
    refused = app.test_client().get(f"/media/{_media_of('tw-tale-0001')}/download",
                                    headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401 and "revoked" in refused.get_data(as_text=True)
    assert app.test_client().get("/", headers={"Authorization": "Bearer twz_not-a-token"}).status_code == 401


def test_the_rate_limit_answers_429_with_retry_after(app, archive):
    app.config.update(TOKEN_RATE_LIMIT=3, TOKEN_RATE_WINDOW_SECONDS=60)
    secret = _token_for(app, "researcher@example.org", roles=("researcher",))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    statuses = [client.get(f"/media/{_media_of('tw-tale-0001')}/download", headers=headers).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    limited = client.get("/items/tw-tale-0001/downloads", headers=headers)
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
