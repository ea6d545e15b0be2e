"""TK Community Voice: the community's own description (an approved describing layer on the item as a whole, made by
or credited to the item's community) comes first on the item page, in the bundle's metadata.json, in release records
and in the IIIF manifest's summary; without the label it keeps its place."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from archive.db import db
from archive.models import Agent
from archive.services import releases as release_service
from archive.services.packages import import_package
from tests.conftest import Auth, tale

ARCHIVE_WORDS = "Conte recueilli à Essaouira par une équipe du projet."
COMMUNITY_WORDS = "ⵜⴰⵏⵇⵉⵙⵜ ⴰⴷ ⵜⴳⴰ ⵜⴰⵢ ⵏ ⵉⵎⵙⴳⴰⵔⵏ ⵏ ⵜⴰⵙⵙⵓⵔⵜ."
CREDITED_WORDS = "Les pêcheurs la racontent au retour de la mer."
COMMENT = "A remark on the recording."
PENDING_WORDS = "Not yet reviewed: never shown."
FISHERS = {"name": "Fishers of Essaouira", "id": "fishers-essaouira"}
SAMIR = {"name": "Samir Oubella", "id": "samir"}


def _line(item_id: str, labels: list[str]) -> dict:
    line = tale(item_id, labels=labels, description=[{"value": ARCHIVE_WORDS, "lang": "fr"}])
    line["annotations"] = [
        *line["annotations"],
        {"motivation": "commenting", "body": {"value": COMMENT, "lang": "en"}, "creator": SAMIR},
        {"motivation": "describing", "body": {"value": COMMUNITY_WORDS, "lang": "zgh-Tfng"}, "creator": FISHERS},
        {"motivation": "describing", "body": {"value": CREDITED_WORDS, "lang": "fr"}, "creator": SAMIR,
         "contributors": [{**FISHERS, "role": "ann"}]},
        {"motivation": "describing", "body": {"value": PENDING_WORDS, "lang": "en"}, "creator": FISHERS, "status": "pending"},
    ]
    return line


@pytest.fixture
def voices(app, make_package):
    import_package(make_package([_line("tw-voice-0001", ["TK-A", "TK-CV"]), _line("tw-plain-0001", ["TK-A"])]))


def _order(text: str, *words: str) -> list[str]:
    """``words`` in the order they first appear in ``text`` (each must appear)."""
    assert all(word in text for word in words), [w for w in words if w not in text]
    return sorted(words, key=text.index)


def test_the_item_page_shows_the_communitys_own_description_first(client, voices):
    page = client.get("/items/tw-voice-0001").get_data(as_text=True)
    section = page[page.index('class="description"'):page.index('class="credits"')]
    assert _order(section, COMMUNITY_WORDS, CREDITED_WORDS, ARCHIVE_WORDS, COMMENT) == [
        COMMUNITY_WORDS, CREDITED_WORDS, ARCHIVE_WORDS, COMMENT]
    assert section.count("data-community-voice") == 2 and PENDING_WORDS not in page
    assert f'<p lang="zgh-Tfng" dir="ltr">{COMMUNITY_WORDS}</p>' in section
    # Without the label, the record's description leads and the layers follow in their order.
    plain = client.get("/items/tw-plain-0001").get_data(as_text=True)
    section = plain[plain.index('class="description"'):plain.index('class="credits"')]
    assert _order(section, COMMUNITY_WORDS, CREDITED_WORDS, ARCHIVE_WORDS, COMMENT) == [
        ARCHIVE_WORDS, COMMENT, COMMUNITY_WORDS, CREDITED_WORDS]


def _metadata(client, item_id: str) -> dict:
    response = client.get(f"/items/{item_id}/download.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
        return json.loads(bundle.read(f"{item_id}/data/metadata.json"))


def test_metadata_json_of_the_bundle_gives_the_communitys_description_first(client, voices):
    assert [v["@value"] for v in _metadata(client, "tw-voice-0001")["description"]] == [
        COMMUNITY_WORDS, CREDITED_WORDS, ARCHIVE_WORDS]
    assert {"@value": COMMUNITY_WORDS, "@language": "zgh-Tfng"} in _metadata(client, "tw-voice-0001")["description"]
    # Comments are not descriptions; without the label, the record's own description leads.
    assert [v["@value"] for v in _metadata(client, "tw-plain-0001")["description"]] == [
        ARCHIVE_WORDS, COMMUNITY_WORDS, CREDITED_WORDS]


def test_the_iiif_summary_gives_the_communitys_words_first_under_community_voice(client, voices):
    summary = client.get("/iiif/3/tw-voice-0001/manifest").get_json(force=True)["summary"]
    assert list(summary) == ["zgh-Tfng", "fr"]
    assert summary["fr"][0] == CREDITED_WORDS and summary["zgh-Tfng"] == [COMMUNITY_WORDS]
    plain = client.get("/iiif/3/tw-plain-0001/manifest").get_json(force=True)["summary"]
    assert plain == {"fr": ["Un pêcheur d'Essaouira et un poisson qui parle."]}


def test_release_records_carry_the_description_with_the_communitys_first(app, voices):
    Auth.user("curator@example.org", roles=("curator",), name="Khadija Curator")
    from archive.models import User

    curator = db.session.scalar(select(User).where(User.email == "curator@example.org"))
    release_service.define_dataset(curator, release_service.DatasetDefinition(slug="voices", title="Voices"))

    def publish() -> dict[str, dict]:
        release = release_service.publish_release("voices", curator, data_dir=app.config["DATA_DIR"],
                                                  site_url="https://twiza.example.org", site_name="Twiza")
        folder = release_service.release_folder(app.config["DATA_DIR"], release)
        lines = (folder / "records.jsonl").read_text(encoding="utf-8").splitlines()
        return {record["id"]: record for record in map(json.loads, lines)}

    records = publish()
    voice = records["tw-voice-0001"]["description"]
    assert [(d["text"], d["community"]) for d in voice] == [
        (COMMUNITY_WORDS, True), (CREDITED_WORDS, True), (ARCHIVE_WORDS, False)]
    assert voice[0]["language"] == "zgh-Tfng" and voice[0]["script"] == "Tfng"
    assert [d["text"] for d in records["tw-plain-0001"]["description"]] == [ARCHIVE_WORDS, COMMUNITY_WORDS, CREDITED_WORDS]
    # A layer whose maker withdrew their consent leaves the next release; the community's own words stay.
    db.session.scalar(select(Agent).where(Agent.slug == "samir")).consent_withdrawn_on = __import__("datetime").date.today()
    db.session.commit()
    later = publish()
    assert [d["text"] for d in later["tw-voice-0001"]["description"]] == [COMMUNITY_WORDS, ARCHIVE_WORDS]
