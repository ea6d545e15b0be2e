"""Dataset releases: curators define datasets and publish versioned, immutable releases (JSONL, CSV, parallel
TSV, audio manifest, data card, Croissant, checksums, release notes); what each audience may download (Range,
HEAD and Bearer tokens included); labels and consent acting on what is released; Croissant validated by
mlcroissant in a virtual environment of its own."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.db import db
from archive.errors import AccessDenied, Conflict, InvalidInput
from archive.jobs import wait_for_background_work
from archive.models import Agent, Download, Release
from archive.services import releases as release_service
from archive.services.packages import import_package
from tests.conftest import Auth, tale

CURATOR = "curator@example.org"
PARALLEL_TEXT = [
    {"value": "أول جملة\nثاني جملة", "lang": "ary-Arab"},
    {"value": "Première phrase\nDeuxième phrase", "lang": "fr"},
    {"value": "ⵜⴰⵏⵎⵍⵜ ⵜⴰⵎⵣⵡⴰⵔⵓⵜ\nⵜⴰⵏⵎⵍⵜ ⵜⵉⵙ ⵙⵏⴰⵜ", "lang": "zgh-Tfng"},
]


@pytest.fixture
def archive(app, make_package):
    lines = [
        tale(),
        tale("tw-parallel-1", text=PARALLEL_TEXT, contributors=[{"name": "Hajja Itto", "role": "nrt", "id": "itto"}]),
        tale("tw-registered", access="registered"),
        tale("tw-research", access="researcher"),
        tale("tw-community", access="community:fishers-essaouira"),
        tale("tw-private-01", access="private"),
        tale("tw-draft-0001", status="draft"),
        tale("tw-sacred-001", labels=["TK-SS"]),
        tale("tw-seasonal-1", labels=["TK-S"]),
        tale("tw-tk-nc-0001", labels=["TK-NC"]),
        tale("tw-cc-nc-0001", license="CC-BY-NC-4.0"),
    ]
    import_package(make_package(lines))
    Auth.user(CURATOR, roles=("curator",), name="Khadija Curator")


def _curator():
    from archive.models import User

    return db.session.scalar(select(User).where(User.email == CURATOR))


def _define(slug="tales", **fields):
    fields.setdefault("layers", ["text", "translations", "audio"])
    return release_service.define_dataset(_curator(), release_service.DatasetDefinition(slug=slug, title=f"Tales {slug}", **fields))


def _publish(app, slug="tales"):
    return release_service.publish_release(slug, _curator(), data_dir=app.config["DATA_DIR"],
                                           site_url="https://twiza.example.org", site_name="Twiza")


def _folder(app, release) -> Path:
    return release_service.release_folder(app.config["DATA_DIR"], release)


def _records(app, release) -> dict[str, dict]:
    lines = (_folder(app, release) / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return {record["id"]: record for record in map(json.loads, lines)}


# ------------------------------------------------------------------------------------------ contents


def test_a_public_release_holds_public_items_only_and_never_secret_or_seasonal_material(app, archive):
    _define()
    release = _publish(app)
    assert set(_records(app, release)) == {"tw-tale-0001", "tw-parallel-1", "tw-tk-nc-0001", "tw-cc-nc-0001"}
    assert release.version == "1.0.0" and release.item_count == 4
    assert set(release.licence_ids) == {"CC-BY-4.0", "CC-BY-NC-4.0"}


def test_a_researcher_release_holds_what_researchers_may_see_and_still_no_secret_material(app, archive):
    _define("research", audience="researcher")
    ids = set(_records(app, _publish(app, "research")))
    assert ids == {"tw-tale-0001", "tw-parallel-1", "tw-tk-nc-0001", "tw-cc-nc-0001", "tw-registered", "tw-research"}


def test_a_release_offered_for_commercial_use_leaves_out_non_commercial_licences_and_labels(app, archive):
    _define("commercial", commercial=True)
    assert set(_records(app, _publish(app, "commercial"))) == {"tw-tale-0001", "tw-parallel-1"}


def test_records_carry_text_translations_segments_licence_contributors_labels_and_provenance(app, archive):
    _define()
    release = _publish(app)
    records = _records(app, release)
    parallel = records["tw-parallel-1"]
    assert parallel["language"] == "ary-Arab" and parallel["script"] == "Arab"
    assert parallel["text"] == "أول جملة\nثاني جملة"
    assert {(t["language"], t["script"]) for t in parallel["translations"]} == {("fr", "Latn"), ("zgh-Tfng", "Tfng")}
    assert parallel["licence"]["id"] == "CC-BY-4.0" and "creativecommons.org/licenses/by/4.0" in parallel["licence"]["uri"]
    assert {"name": "Hajja Itto", "roles": ["nrt"]} in parallel["contributors"]
    assert parallel["labels"] == ["TK-A"] and parallel["provenance"] == "human"
    assert parallel["split"] in ("train", "dev", "test")
    segment = records["tw-tale-0001"]["segments"][0]
    assert (segment["start"], segment["end"]) == (0.0, 1.5)
    assert [v["language"] for v in segment["values"]] == ["ary-Arab", "fr"]
    folder = _folder(app, release)
    pairs = list(csv.DictReader(io.StringIO((folder / "parallel.tsv").read_text(encoding="utf-8")), delimiter="\t"))
    assert {"id": "tw-parallel-1", "source_language": "ary-Arab", "target_language": "fr",
            "source": "ثاني جملة", "target": "Deuxième phrase"}.items() <= next(
        p for p in pairs if p["target"] == "Deuxième phrase").items()
    assert any(p["source"] == "كان يا ما كان" and p["target"] == "Il était une fois" for p in pairs)
    audio = [json.loads(line) for line in (folder / "audio.jsonl").read_text(encoding="utf-8").splitlines()]
    first = next(a for a in audio if a["item"] == "tw-tale-0001")
    assert first["offset"] == 0.0 and first["duration"] == 1.5 and first["text"] == "كان يا ما كان"
    assert first["audio_url"].startswith("https://twiza.example.org/media/") and len(first["audio_sha256"]) == 64
    rows = list(csv.DictReader(io.StringIO((folder / "records.csv").read_text(encoding="utf-8"))))
    assert {row["id"] for row in rows} == set(records) and all(row["split"] == records[row["id"]]["split"] for row in rows)
    card = (folder / "README.md").read_text(encoding="utf-8")
    for heading in ("## Motivation", "## Composition", "## Collection process", "## Consent", "## Licences", "## Known limits"):
        assert heading in card


SARDINE = [{"value": "La sardine dorée d'Essaouira.", "lang": "fr"}]


@pytest.fixture
def sardines(app, archive, make_package):
    import_package(make_package([
        tale("tw-sardine-01", summary=SARDINE),
        tale("tw-sardine-rs", summary=SARDINE, access="researcher"),
        tale("tw-sardine-ss", summary=SARDINE, labels=["TK-SS"]),
        tale("tw-sardine-pv", summary=SARDINE, kind="proverb"),
    ], name="sardines"))


def test_a_saved_search_keeps_its_words_and_the_release_holds_only_what_they_find(app, sardines):
    dataset = _define("sardines", query="  sardine  ", filters={"kind": ["tale"]})
    assert dataset.query == "sardine"
    release = _publish(app, "sardines")
    assert set(_records(app, release)) == {"tw-sardine-01"}
    assert "search: sardine; kind: tale" in (_folder(app, release) / "README.md").read_text(encoding="utf-8")
    # Without the kind filter the proverb comes too; the words alone never open restricted or secret items.
    _define("sardines", query="sardine")
    assert set(_records(app, _publish(app, "sardines"))) == {"tw-sardine-01", "tw-sardine-pv"}
    _define("sardines-research", query="sardine", audience="researcher")
    assert release_service.count_candidates(release_service.get_dataset("sardines-research")) == 3
    assert set(_records(app, _publish(app, "sardines-research"))) == {"tw-sardine-01", "tw-sardine-pv", "tw-sardine-rs"}
    # The query language of the site search: a negated word, a facet typed in the words.
    _define("tales-only", query="sardine kind:tale")
    assert set(_records(app, _publish(app, "tales-only"))) == {"tw-sardine-01"}
    _define("no-sardine", query="poisson -sardine")
    assert "tw-sardine-01" not in _records(app, _publish(app, "no-sardine"))


def test_a_saved_search_with_malformed_or_empty_words_is_refused(app, sardines):
    for words in ('"sardine', "sardine OR", "x" * 501):
        with pytest.raises(InvalidInput) as refused:
            _define("bad", query=words)
        assert any(problem.startswith("query:") for problem in refused.value.details)
    assert release_service.find_dataset("bad") is None
    _define("nothing-found", query="baleine")
    with pytest.raises(InvalidInput):
        _publish(app, "nothing-found")


def test_the_curators_page_saves_the_search_words(app, sardines):
    auth = Auth(_client_for(app, "staff"))
    response = auth.post_form("/work/datasets", {"slug": "golden", "title": "Golden", "audience": "public",
                                                 "layer": ["text"], "q": "sardine dorée"})
    assert response.status_code == 302
    assert release_service.get_dataset("golden").query == "sardine dorée"
    assert 'value="sardine dorée"' in auth.client.get("/work/datasets?slug=golden").get_data(as_text=True)
    refused = auth.post_form("/work/datasets", {"slug": "golden", "title": "Golden", "layer": ["text"], "q": '"open'})
    assert refused.status_code == 422 and "query:" in refused.get_data(as_text=True)


def test_splits_are_deterministic_and_stable_across_releases(app, archive):
    from archive.release_files import split_of

    splits = [split_of(f"oldi-{n:06d}") for n in range(1, 2001)]
    assert splits == [split_of(f"oldi-{n:06d}") for n in range(1, 2001)]
    assert 0.75 < splits.count("train") / 2000 < 0.85 and splits.count("dev") > 100 and splits.count("test") > 100
    _define()
    first, second = _records(app, _publish(app)), _records(app, _publish(app))
    assert {k: v["split"] for k, v in first.items()} == {k: v["split"] for k, v in second.items()}


# ------------------------------------------------------------------------------------------ integrity


def test_release_checksums_verify(app, archive):
    _define()
    release = _publish(app)
    folder = _folder(app, release)
    result = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = {line.split("  ")[1] for line in (folder / "SHA256SUMS").read_text().splitlines()}
    assert listed == {f["name"] for f in release.files} - {"SHA256SUMS"}
    for entry in release.files:
        data = (folder / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
    croissant = json.loads((folder / "croissant.json").read_text(encoding="utf-8"))
    for file_object in croissant["distribution"]:
        assert file_object["sha256"] == hashlib.sha256((folder / file_object["contentUrl"]).read_bytes()).hexdigest()


def test_publishing_again_never_changes_an_earlier_release(app, archive):
    from archive.models import Item

    _define()
    first = _publish(app)
    folder = _folder(app, first)
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    item = db.session.scalar(select(Item).where(Item.public_id == "tw-tale-0001"))
    item.title = [{"value": "Un autre titre", "lang": "fr"}]
    item.version += 1
    item.access = "public"
    withdrawn = db.session.scalar(select(Item).where(Item.public_id == "tw-cc-nc-0001"))
    withdrawn.status = "withdrawn"
    db.session.commit()
    second = _publish(app)
    assert second.version == "2.0.0" and _folder(app, second) != folder
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    assert all(not os.access(path, os.W_OK) or os.geteuid() == 0 for path in folder.iterdir())
    assert all((path.stat().st_mode & 0o222) == 0 for path in folder.iterdir())
    notes = (_folder(app, second) / "RELEASE_NOTES.md").read_text(encoding="utf-8")
    assert "Since version 1.0.0" in notes and "## Removed: 1\ntw-cc-nc-0001" in notes and "## Updated: 1\ntw-tale-0001" in notes
    assert _records(app, second)["tw-tale-0001"]["title"] == "Un autre titre"


def test_a_release_is_refused_when_nothing_qualifies_and_leaves_no_folder(app, archive):
    _define("nothing", filters={"kind": ["lexicon"]})
    with pytest.raises(InvalidInput):
        _publish(app, "nothing")
    root = Path(app.config["DATA_DIR"]) / "releases" / "nothing"
    assert list(root.iterdir()) == [] and db.session.scalar(select(Release)) is None


def test_only_curators_define_and_publish(app, archive):
    reader = Auth.user("reader@example.org")
    with pytest.raises(AccessDenied):
        release_service.define_dataset(reader, release_service.DatasetDefinition(slug="x-set", title="X"))
    _define()
    with pytest.raises(AccessDenied):
        release_service.publish_release("tales", reader, data_dir=app.config["DATA_DIR"], site_url="https://x", site_name="T")
    with pytest.raises(InvalidInput) as refused:
        _define("Bad Slug!", layers=["video"], filters={"kind": ["spaceship"]}, licence_ids=["nope"])
    assert len(refused.value.details) == 4


# ------------------------------------------------------------------------------------------ consent


def test_a_withdrawal_of_consent_removes_that_agents_data_from_the_next_release(app, archive):
    _define()
    first = _publish(app)
    assert "Samir Oubella" in (_folder(app, first) / "records.jsonl").read_text(encoding="utf-8")
    for slug in ("samir", "itto"):  # a data worker (transcriber), and a knowledge holder (narrator)
        db.session.scalar(select(Agent).where(Agent.slug == slug)).consent_withdrawn_on = dt.date(2026, 11, 1)
    db.session.commit()
    second = _publish(app)
    folder = _folder(app, second)
    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "Samir Oubella" not in text and "Hajja Itto" not in text and "ⵜⴰⵏⵎⵍⵜ" not in text, path.name
    records = _records(app, second)
    assert "tw-parallel-1" not in records  # the narrator's tale itself
    # The transcription Samir made is gone; the translation someone else made stays.
    assert [v["language"] for v in records["tw-tale-0001"]["segments"][0]["values"]] == ["fr"]
    agents = {a.id for a in db.session.scalars(select(Agent).where(Agent.slug.in_(["samir", "itto"])))}
    assert agents <= set(first.agent_ids) and not agents & set(second.agent_ids)
    assert "2 people withdrew their consent" in second.notes
    client = app.test_client()
    earlier = client.get("/datasets/tales/1.0.0", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "data-withdrawal-notice" in earlier and "2 people" in earlier
    assert "data-withdrawal-notice" not in client.get("/datasets/tales/2.0.0").get_data(as_text=True)


# ------------------------------------------------------------------------------------------ access

VIEWERS = {
    "visitor": None,
    "registered": {"email": "reader@example.org"},
    "researcher": {"email": "researcher@example.org", "roles": ("researcher",)},
    "member": {"email": "member@example.org", "communities": ("fishers-essaouira",)},
    "staff": {"email": CURATOR},
}
# Who may download a release's files: True, or the refusal's status. Researchers accept the terms first.
MATRIX = {
    "public": {"visitor": True, "registered": True, "researcher": True, "member": True, "staff": True},
    "researcher": {"visitor": 401, "registered": 403, "researcher": True, "member": 403, "staff": True},
}


def _client_for(app, name: str):
    client = app.test_client()
    spec = VIEWERS[name]
    if spec is not None:
        if spec["email"] != CURATOR:
            Auth.user(spec["email"], roles=spec.get("roles", ()), communities=spec.get("communities", ()))
        Auth(client).sign_in(spec["email"])
    return client


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_release_access_matrix_with_range_and_head(app, archive, viewer):
    _define("open-tales")
    _define("research-tales", audience="researcher")
    _publish(app, "open-tales")
    research = _publish(app, "research-tales")
    client = _client_for(app, viewer)
    if viewer == "researcher":
        refused = client.get("/datasets/research-tales/1.0.0/files/records.jsonl")
        assert refused.status_code == 403 and b"tw-research" not in refused.data  # terms not yet accepted
        Auth(client).post_form("/datasets/research-tales/1.0.0", {"next": "/datasets/research-tales/1.0.0"},
                               to="/datasets/research-tales/terms")
    secret = (_folder(app, research) / "records.jsonl").read_bytes()
    for slug, audience in (("open-tales", "public"), ("research-tales", "researcher")):
        expected = MATRIX[audience][viewer]
        page = client.get(f"/datasets/{slug}/1.0.0")
        assert page.status_code == 200 and "SHA-256" in page.get_data(as_text=True)
        for name in ("records.jsonl", "croissant.json", "README.md"):
            url = f"/datasets/{slug}/1.0.0/files/{name}"
            for method, headers in (("GET", {}), ("HEAD", {}), ("GET", {"Range": "bytes=0-9"})):
                response = client.open(url, method=method, headers=headers)
                if expected is True:
                    assert response.status_code in (200, 206), (viewer, url, method, headers)
                else:
                    assert response.status_code == expected, (viewer, url, method, headers)
                    assert secret[:40] not in response.data


def test_range_requests_on_release_files(client, app, archive):
    _define()
    release = _publish(app)
    data = (_folder(app, release) / "records.jsonl").read_bytes()
    url = "/datasets/tales/1.0.0/files/records.jsonl"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.data == data and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["X-Checksum-SHA256"] == hashlib.sha256(data).hexdigest()
    assert whole.headers["Content-Disposition"].startswith("attachment;") and "tales-1.0.0-records.jsonl" in whole.headers["Content-Disposition"]
    for header, part in (("bytes=0-99", slice(0, 100)), ("bytes=100-", slice(100, None)), ("bytes=-50", slice(-50, None))):
        response = client.get(url, headers={"Range": header})
        assert response.status_code == 206 and response.data == data[part]
    refused = client.get(url, headers={"Range": f"bytes={len(data) + 5}-"})
    assert refused.status_code == 416 and refused.headers["Content-Range"] == f"bytes */{len(data)}"
    assert client.get(url, headers={"If-None-Match": whole.headers["ETag"]}).status_code == 304
    assert client.get("/datasets/tales/1.0.0/files/..%2F..%2Ftwiza.sqlite3").status_code == 404
    assert client.get("/datasets/tales/1.0.0/files/manifest.jsonx").status_code == 404
    assert client.get("/datasets/tales/9.0.0").status_code == 404 and client.get("/datasets/none/1.0.0").status_code == 404


def test_release_downloads_are_logged_once_and_bearer_tokens_work(app, archive):
    _define("research-tales", audience="researcher")
    release = _publish(app, "research-tales")
    Auth.user("researcher@example.org", roles=("researcher",))
    browser = app.test_client()
    auth = Auth(browser)
    auth.sign_in("researcher@example.org")
    auth.post_form("/datasets/research-tales/1.0.0", {}, to="/datasets/research-tales/terms")
    page = auth.post_form("/account/tokens", {"name": "cluster"}).get_data(as_text=True)
    secret = re.search(r'value="(twz_[^"]+)" aria-label', page).group(1)
    programme = app.test_client()
    url = "/datasets/research-tales/1.0.0/files/records.csv"
    assert programme.get(url).status_code == 401
    response = programme.get(url, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200 and b"tw-research" in response.data
    programme.get(url, headers={"Authorization": f"Bearer {secret}", "Range": "bytes=100-"})  # a resumed download
    browser.get("/datasets/research-tales/1.0.0/files/parallel.tsv")
    rows = db.session.scalars(select(Download).order_by(Download.id)).all()
    assert [(r.kind, r.channel, r.release_id) for r in rows] == [("release", "token", release.id), ("release", "web", release.id)]


# ------------------------------------------------------------------------------------------ pages and CLI


def test_a_curator_defines_and_publishes_through_the_pages(app, archive):
    client = _client_for(app, "staff")
    auth = Auth(client)
    response = auth.post_form("/work/datasets", {"slug": "coast", "title": "Contes de la côte", "audience": "public",
                                                 "layer": ["text", "translations", "audio"], "licence": ["CC-BY-4.0"],
                                                 "motivation": "Reconnaissance de la parole en darija."})
    assert response.status_code == 302 and response.headers["Location"].endswith("/datasets/coast")
    published = auth.post_form("/datasets/coast", {}, to="/work/datasets/coast/publish")
    assert published.status_code == 302 and published.headers["Location"].endswith("/datasets/coast")
    assert wait_for_background_work(120)
    assert 'data-release-job="done"' in client.get("/datasets/coast").get_data(as_text=True)
    page = client.get("/datasets/coast/1.0.0").get_data(as_text=True)
    release = db.session.scalar(select(Release))
    for entry in release.files:
        assert entry["sha256"] in page and f"{entry['size']:,}" in page
    assert "Reconnaissance de la parole en darija." in page and "CC-BY-4.0" in page
    listing = app.test_client().get("/datasets").get_data(as_text=True)
    assert "Contes de la côte" in listing and "1.0.0" in listing
    invalid = auth.post_form("/work/datasets", {"slug": "-", "title": "", "layer": ["video"]})
    assert invalid.status_code == 422 and "slug" in invalid.get_data(as_text=True)
    reader = _client_for(app, "registered")
    assert reader.get("/work/datasets").status_code == 403
    assert Auth(reader).post_form("/datasets", {}, to="/work/datasets/coast/publish").status_code == 403
    assert app.test_client().get("/work/datasets").status_code in (302, 401)


def test_a_release_asked_for_on_the_page_is_built_outside_the_request_and_reports_its_progress(app, archive):
    _define("coast", layers=["text"])
    client = _client_for(app, "staff")
    auth = Auth(client)
    waiting = release_service.request_release("coast", _curator())  # queued, as if a worker were about to take it
    busy = auth.post_form("/datasets/coast", {}, to="/work/datasets/coast/publish")
    assert busy.status_code == 409 and "already being built" in busy.get_data(as_text=True)
    page = client.get("/datasets/coast").get_data(as_text=True)
    assert 'data-release-job="queued"' in page and 'http-equiv="refresh"' in page

    # A job whose process died (no heartbeat for JOB_STALE_SECONDS) no longer holds the dataset.
    waiting.heartbeat_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=release_service.JOB_STALE_SECONDS + 1)
    db.session.commit()
    page = client.get("/datasets/coast").get_data(as_text=True)
    assert 'data-release-job="failed"' in page and 'http-equiv="refresh"' not in page
    assert auth.post_form("/datasets/coast", {}, to="/work/datasets/coast/publish").status_code == 302
    assert wait_for_background_work(120)
    job = release_service.latest_job(release_service.get_dataset("coast"))
    db.session.refresh(job)
    assert job.status == "done" and job.release.version == "1.0.0" and job.done_items == job.total_items > 0
    assert 'data-release-job="done"' in client.get("/datasets/coast").get_data(as_text=True)


def test_a_release_job_that_fails_says_why_and_publishes_nothing(app, archive):
    _define("nothing", filters={"kind": ["lexicon"]})
    job = release_service.request_release("nothing", _curator())
    job = release_service.run_release_job(job.id, data_dir=app.config["DATA_DIR"], site_url="https://twiza.example.org",
                                          site_name="Twiza")
    assert job.status == "failed" and "nothing was published" in job.message and job.finished_at is not None
    assert db.session.scalar(select(Release)) is None
    assert list((Path(app.config["DATA_DIR"]) / "releases" / "nothing").iterdir()) == []
    page = _client_for(app, "staff").get("/datasets/nothing").get_data(as_text=True)
    assert 'data-release-job="failed"' in page and "nothing was published" in page
    with pytest.raises(Conflict):  # a job runs once
        release_service.run_release_job(job.id, data_dir=app.config["DATA_DIR"], site_url="https://twiza.example.org",
                                        site_name="Twiza")
    with pytest.raises(AccessDenied):
        release_service.request_release("nothing", Auth.user("reader@example.org", roles=("researcher",)))


def test_the_cli_publishes_a_release_with_a_progress_bar(app, archive, runner):
    _define()
    result = runner.invoke(args=["archive", "release", "tales", "--site-url", "https://twiza.example.org"])
    assert result.exit_code == 0, result.output
    assert "tales 1.0.0: 4 records" in result.output
    assert runner.invoke(args=["archive", "release", "missing", "--site-url", "https://x"]).exit_code == 1


# ------------------------------------------------------------------------------------------ Croissant

MLCROISSANT = "mlcroissant==1.1.1"
# The versions `pip install mlcroissant==1.1.1` resolved to (pip freeze), pinned so that CI validates the same way.
MLCROISSANT_DEPENDENCIES = [
    "absl-py==2.5.1", "certifi==2026.10.19.post1", "charset-normalizer==3.5.3", "decorator==5.3.1", "etils==1.15.0",
    "fsspec==2026.9.0", "idna==3.20", "Jinja2==3.1.6", "jsonpath-rw==1.4.0", "MarkupSafe==3.0.4", "networkx==3.6.1",
    "numpy==2.4.6", "pandas==3.1.1", "pandas-stubs==3.1.0.261029", "ply==3.11", "pyparsing==3.3.3",
    "python-dateutil==4.0.0", "rdflib==7.6.0", "requests==2.34.2", "scipy==1.17.1", "six==1.17.0", "tqdm==4.70.1",
    "typing_extensions==4.16.0", "tzdata==2026.6", "urllib3==2.8.0", "zipp==4.1.2",
]


# Any attempt to reach the network goes to a closed port: validation must work offline.
OFFLINE = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}


def mlcroissant_env() -> Path:
    """mlcroissant's virtual environment (about 370 MB), made once in the tools cache (TWIZA_TOOLS_CACHE,
    default ~/.cache/twiza). Outside CI, a machine that cannot install it skips; in CI the test must run."""
    cache = Path(os.environ.get("TWIZA_TOOLS_CACHE") or Path.home() / ".cache" / "twiza")
    venv = cache / f"mlcroissant-{MLCROISSANT.split('==')[1]}"
    wanted = "\n".join([MLCROISSANT, *MLCROISSANT_DEPENDENCIES])
    stamp = venv / ".twiza-installed"
    if not stamp.is_file() or stamp.read_text() != wanted:
        try:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            MLCROISSANT, *MLCROISSANT_DEPENDENCIES], check=True, timeout=1800)
        except (subprocess.SubprocessError, OSError) as error:
            if os.environ.get("CI"):
                raise
            pytest.skip(f"mlcroissant could not be installed here ({error}); CI installs it")
        stamp.write_text(wanted)
    return venv


def test_release_croissant_validates_with_mlcroissant_offline(app, archive, make_package):
    described = tale("tw-described-1", labels=["TK-CV"], description=[{"value": "Un conte de la côte.", "lang": "fr"}])
    described["annotations"].append({"motivation": "describing", "body": {"value": "ⵜⴰⵏⵇⵉⵙⵜ ⵏ ⵉⵎⵙⴳⴰⵔⵏ", "lang": "zgh-Tfng"},
                                     "creator": {"name": "Fishers of Essaouira", "id": "fishers-essaouira"}})
    import_package(make_package([described], name="described"))
    _define("research", audience="researcher", motivation="Speech and translation.")
    release = _publish(app, "research")
    venv = mlcroissant_env()
    croissant = _folder(app, release) / "croissant.json"
    result = subprocess.run([str(venv / "bin" / "mlcroissant"), "validate", "--jsonld", str(croissant)],
                            capture_output=True, text=True, timeout=600,
                            env=OFFLINE)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Done" in output, output
    assert "WARNING" not in output, output  # the official @context, every file and field described
    # The records it describes load, too: mlcroissant reads the CSV through the release's own file names.
    loaded = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import sys, mlcroissant as mlc; ds = mlc.Dataset(jsonld=sys.argv[1]); "
         "print(sum(1 for _ in ds.records(record_set='records')), sum(1 for _ in ds.records(record_set='pairs')))",
         str(croissant)], capture_output=True, text=True, timeout=600, env=OFFLINE)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    records, pairs = map(int, loaded.stdout.split()[-2:])
    assert records == release.item_count and pairs > 0
    # And the JSON Lines files, nested lists included, read field by field as the release wrote them.
    script = """
import json, sys, mlcroissant as mlc
ds = mlc.Dataset(jsonld=sys.argv[1])
def plain(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, dict):
        return {key.rsplit("/", 1)[-1]: plain(v) for key, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
print(json.dumps({name: [plain(r) for r in ds.records(record_set=name)] for name in ("records_jsonl", "audio")},
                 ensure_ascii=False))
"""
    loaded = subprocess.run([str(venv / "bin" / "python"), "-c", script, str(croissant)], capture_output=True,
                            text=True, timeout=600, env=OFFLINE)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    read = json.loads(loaded.stdout.strip().splitlines()[-1])
    written = _records(app, release)
    assert len(read["records_jsonl"]) == len(written)
    for row in read["records_jsonl"]:
        record = written[row["id"]]
        assert (row["text"], row["language"], row["licence"], row["licence_uri"]) == (
            record["text"], record["language"], record["licence"]["id"], record["licence"]["uri"])
        assert row["labels"] == record["labels"]
        assert [(t["text"], t["language"]) for t in row["translations"]] == [
            (t["text"], t["language"]) for t in record["translations"]]
        assert [(c["name"], c["roles"]) for c in row["contributors"]] == [
            (c["name"], c["roles"]) for c in record["contributors"]]
        assert [(s["media"], s["start"], s["end"]) for s in row["segments"]] == [
            (s["media"], s["start"], s["end"]) for s in record["segments"]]
        assert [(d["text"], d["language"], d["community"]) for d in row["description"]] == [
            (d["text"], d["language"], d["community"]) for d in record["description"]]
    assert [d["text"] for d in written["tw-described-1"]["description"]] == ["ⵜⴰⵏⵇⵉⵙⵜ ⵏ ⵉⵎⵙⴳⴰⵔⵏ", "Un conte de la côte."]
    audio = [json.loads(line) for line in (_folder(app, release) / "audio.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(read["audio"]) == len(audio) > 0
    first = next(row for row in read["audio"] if row["id"] == audio[0]["id"])
    assert (first["offset"], first["duration"], first["text"]) == (audio[0]["offset"], audio[0]["duration"], audio[0]["text"])
    assert [t["text"] for t in first["translations"]] == [t["text"] for t in audio[0]["translations"]]


def test_click_through_licences_in_a_release_ask_for_their_terms_first(app, archive, make_package):
    import_package(make_package([tale("tw-in-copyright", license="InC")], name="inc"))
    _define("with-inc", licence_ids=["InC"])
    _publish(app, "with-inc")
    url = "/datasets/with-inc/1.0.0/files/records.jsonl"
    assert app.test_client().get(url).status_code == 403
    reader = _client_for(app, "registered")
    page = reader.get("/datasets/with-inc/1.0.0").get_data(as_text=True)
    assert "/licences/InC/accept" in page and url not in page
    Auth(reader).post_form("/datasets/with-inc/1.0.0", {"next": "/datasets/with-inc/1.0.0"}, to="/licences/InC/accept")
    assert reader.get(url).status_code == 200 and url in reader.get("/datasets/with-inc/1.0.0").get_data(as_text=True)


def test_the_item_and_release_pages_show_one_licence_card_and_one_acceptance(app, archive, make_package):
    import_package(make_package([tale("tw-in-copyright", license="InC")], name="inc"))
    _define("with-inc", licence_ids=["InC"])
    _publish(app, "with-inc")
    pages = ("/items/tw-in-copyright/downloads", "/datasets/with-inc/1.0.0")

    def cards(client) -> list[str]:
        """The InC licence card of each page ('' when the page shows none)."""
        found = []
        for page in pages:
            html = client.get(page).get_data(as_text=True)
            match = re.search(r'<div class="licence-card" data-licence="InC">(.*?)</div>', html, re.S)
            found.append(match.group(1) if match else "")
        return found

    for card in cards(app.test_client()):  # a visitor: the licence, and where to sign in to accept its terms
        assert 'href="http://rightsstatements.org/vocab/InC/1.0/"' in card and "(InC)" in card and "/sign-in?next=" in card
    reader = _client_for(app, "registered")
    for page, card in zip(pages, cards(reader)):  # a reader: the same form, coming back to the page it is on
        assert 'action="/licences/InC/accept"' in card and f'name="next" value="{page}?"' in card
    Auth(reader).post_form(pages[1], {"next": pages[1]}, to="/licences/InC/accept")
    # Accepted once, for both pages: the item page keeps its plain answers, the release page has nothing left to ask.
    item_card, release_card = cards(reader)
    assert "/licences/InC/accept" not in item_card, item_card
    assert "<ul>" in item_card and release_card == ""
