"""Importing Twiza packages: validation, refusal without change, idempotence, updates with revisions."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from archive.db import db
from archive.errors import PackageError
from archive.models import Agent, Annotation, Collection, Contribution, Item, Media, Revision
from archive.services.packages import import_package
from tests.conftest import archive_state, tale, tiny_png


def refused(package) -> list[str]:
    with pytest.raises(PackageError) as caught:
        import_package(package)
    return caught.value.details


def test_a_valid_package_is_imported_with_all_its_layers(app, make_package):
    report = import_package(make_package([tale()]))

    assert (report.items_created, report.files_stored) == (1, 2)
    item = db.session.scalar(select(Item).where(Item.public_id == "tw-tale-0001"))
    assert item.title[1] == {"value": "7ekayat l7out", "lang": "ary-Latn"}
    assert (item.kind, item.region, item.status, item.access, item.licence_id) == ("tale", "marrakech-safi", "published", "public", "CC-BY-4.0")
    assert (item.date_start, item.date_end) == (19780101, 19781231)
    assert (item.latitude, item.longitude) == (31.51, -9.77)
    assert item.community.slug == "fishers-essaouira" and item.community.kind == "community"
    assert [m.collection.slug for m in item.memberships] == ["coastal-tales"]
    audio, image = item.media
    assert (audio.kind, audio.mime_type, audio.duration_seconds) == ("audio", "audio/wav", 2.0)
    assert (image.kind, image.width, image.height, image.creator.slug) == ("image", 4, 3, "samir")
    assert [a.selector for a in item.annotations] == ["t=0,1.5", "t=0,1.5", "xywh=0,0,2,2"]
    assert item.annotations[0].media is audio and item.annotations[2].tag == "fish"
    assert [(c.agent.slug, c.role) for c in item.contributions] == [("lalla-rqia", "nrt"), ("samir", "trc")]
    assert item.version == 1


@pytest.mark.parametrize(
    "line, field, fragment",
    [
        (tale(license="CC-BY-9.9"), "license", "unknown licence"),
        (tale(kind="saga"), "kind", "'saga' is not one of"),
        (tale(contributors=[{"name": "X", "role": "zzz"}]), "contributors[0].role", "'zzz' is not one of"),
        (tale(title=[{"value": "t", "lang": "Arabic"}]), "title[0].lang", "does not match"),
        (tale(title=[{"value": "t", "lang": "xx-Arab"}]), "title[0].lang", "unknown language 'xx'"),
        (tale(languages=["ary-Cyrl"]), "languages[0]", "unknown script"),
        (tale(media=[{"path": "media/missing.jpg"}], annotations=[]), "media[0].path", "missing media file"),
        (tale(media=[{"path": "../outside.png"}], annotations=[]), "media[0].path", "outside the package"),
        (tale(date="around 1950"), "date", "not an EDTF date"),
        (tale(date="1950-13"), "date", "month 13 does not exist"),
        (tale(labels=["TK-ZZ"]), "labels[0]", "unknown cultural label"),
        (tale(annotations=[{"media": 5, "motivation": "tagging", "tag": "x"}]), "annotations[0].media", "media index 5 does not exist"),
        (tale(annotations=[{"media": 1, "motivation": "tagging", "tag": "x", "selector": "xywh=0,0,50,50"}]), "annotations[0].selector", "outside the 4x3 image"),
        (tale(annotations=[{"media": 0, "motivation": "supplementing", "selector": "t=1,30", "body": {"value": "x", "lang": "fr"}}]), "annotations[0].selector", "ends after the recording"),
        (tale(annotations=[{"media": 0, "motivation": "tagging", "tag": "x", "selector": "xywh=0,0,1,1"}]), "annotations[0].selector", "needs an image"),
        (tale(annotations=[{"motivation": "commenting"}]), "annotations[0]", "needs a body or a tag"),
        (tale(status="lost"), "status", "'lost' is not one of"),
        (tale(coordinates={"lat": 95, "lon": 0}), "coordinates.lat", "maximum"),
        (tale(surprise=True), "(line)", "Additional properties"),
        (tale(access="community:nobody-knows"), "access", "unknown community 'nobody-knows'"),
        (tale(access="community:samir"), "access", "agent 'samir' is a person, not a community"),
    ],
)
def test_each_error_is_reported_with_line_and_field_and_nothing_changes(app, make_package, line, field, fragment):
    import_package(make_package([tale("tw-existing-01")]))
    before = archive_state()

    details = refused(make_package([tale("tw-good-0001"), line]))

    assert any(d.startswith(f"items.jsonl:2: {field}:") and fragment in d for d in details), details
    assert archive_state() == before


def test_broken_json_duplicate_ids_and_lying_files_are_all_listed_at_once(app, make_package):
    before = archive_state()
    package = make_package(
        [tale("tw-a-000001"), '{"id": "tw-b", "kind": ', tale("tw-a-000001"),
         tale("tw-c-000001", media=[{"path": "media/photo.jpg"}], annotations=[]),
         tale("tw-d-000001", media=[{"path": "media/drawing.png", "mime": "image/jpeg"}], annotations=[])],
        files={"media/tale.wav": b"RIFF", "media/drawing.png": tiny_png(), "media/photo.jpg": b"just some text, not a JPEG"},
    )
    details = refused(package)

    joined = "\n".join(details)
    assert "items.jsonl:2: (line): invalid JSON" in joined
    assert "items.jsonl:3: id: duplicate id 'tw-a-000001' (first on line 1)" in joined
    assert "items.jsonl:4: media[0].path: unreadable media file 'media/photo.jpg'" in joined
    assert "items.jsonl:5: media[0].path: 'media/drawing.png' claims to be image/jpeg but its bytes are image/png" in joined
    assert "items.jsonl:1: media[0].path: unreadable media file 'media/tale.wav'" in joined
    assert archive_state() == before


def test_a_package_without_items_file_is_refused(app, tmp_path):
    (tmp_path / "empty").mkdir()
    assert refused(tmp_path / "empty") == ["items.jsonl: (file): missing: a package needs items.jsonl"]


def test_a_failure_while_writing_rolls_back_and_removes_new_files(app, make_package, monkeypatch):
    from archive.services import packages

    before = archive_state()

    def explode(self, pending):
        raise RuntimeError("disk full")

    monkeypatch.setattr(packages._PackageWriter, "_flush_revisions", explode)
    with pytest.raises(RuntimeError):
        import_package(make_package([tale()]))
    assert archive_state() == before


def test_importing_the_same_package_twice_changes_nothing(app, make_package):
    package = make_package([tale(), tale("tw-tale-0002")])
    import_package(package)
    before = archive_state()

    report = import_package(package)

    assert (report.items_created, report.items_updated, report.items_unchanged) == (0, 0, 2)
    assert not report.changed
    assert archive_state() == before


def test_a_changed_item_is_updated_with_a_new_revision(app, make_package):
    import_package(make_package([tale(), tale("tw-tale-0002")]))
    changed = tale(summary=[{"value": "Résumé corrigé.", "lang": "fr"}])
    changed["annotations"][1]["body"]["value"] = "Il était une fois, dit-on"

    report = import_package(make_package([changed, tale("tw-tale-0002")]))

    assert (report.items_updated, report.items_unchanged) == (1, 1)
    item = db.session.scalar(select(Item).where(Item.public_id == "tw-tale-0001"))
    assert item.version == 2 and item.summary[0]["value"] == "Résumé corrigé."
    revisions = db.session.scalars(select(Revision).where(Revision.entity_type == "item", Revision.entity_id == item.id)
                                   .order_by(Revision.version)).all()
    assert [(r.version, r.action) for r in revisions] == [(1, "create"), (2, "update")]
    assert revisions[0].snapshot["summary"][0]["value"] == "Un pêcheur d'Essaouira et un poisson qui parle."
    assert revisions[1].snapshot["summary"][0]["value"] == "Résumé corrigé."
    translation = item.annotations[1]
    annotation_revisions = db.session.scalars(
        select(Revision).where(Revision.entity_type == "annotation", Revision.entity_id == translation.id)).all()
    assert [r.snapshot["body"]["value"] for r in annotation_revisions] == ["Il était une fois", "Il était une fois, dit-on"]
    assert translation.version == 2
    # the untouched transcription kept its single revision
    assert db.session.scalar(select(func.count()).where(Revision.entity_type == "annotation",
                                                       Revision.entity_id == item.annotations[0].id)) == 1


def test_every_created_record_has_a_revision(app, make_package):
    import_package(make_package([tale()]))
    counts = dict(db.session.execute(select(Revision.entity_type, func.count()).group_by(Revision.entity_type)).all())
    assert counts == {
        "item": 1,
        "media": db.session.scalar(select(func.count(Media.id))),
        "annotation": db.session.scalar(select(func.count(Annotation.id))),
        "agent": db.session.scalar(select(func.count(Agent.id))),
        "collection": db.session.scalar(select(func.count(Collection.id))),
    }


def test_media_are_stored_once_per_content_hash(app, make_package):
    same = tiny_png(6, 6)
    package = make_package(
        [tale("tw-one-0001", media=[{"path": "media/a.png"}], annotations=[]),
         tale("tw-two-0001", media=[{"path": "media/copy-of-a.png"}, {"path": "media/a.png"}], annotations=[])],
        files={"media/a.png": same, "media/copy-of-a.png": same},
    )
    report = import_package(package)

    assert (report.files_stored, db.session.scalar(select(func.count(Media.id)))) == (1, 3)
    assert len(set(db.session.scalars(select(Media.sha256)))) == 1
    assert len(archive_state()["files"]) == 3  # one blob, in two levels of folders


def test_agents_file_sets_consent_and_pseudonyms(app, make_package):
    agents = [{"id": "samir", "name": "Abdessamad Oubella", "kind": "person", "pseudonym": "Sam", "credit_as": "pseudonym",
               "consent": {"given": "2024-02-01"}},
              {"id": "lalla-rqia", "name": "Lalla Rqia", "kind": "person", "consent": {"given": "2024-01-01", "withdrawn": "2025-06-30"}}]
    import_package(make_package([tale()], agents=agents))
    samir = db.session.scalar(select(Agent).where(Agent.slug == "samir"))
    rqia = db.session.scalar(select(Agent).where(Agent.slug == "lalla-rqia"))
    assert samir.credited_name == "Sam"
    assert rqia.consent_withdrawn and rqia.credited_name is None


def test_an_item_without_id_gets_a_derived_stable_id(app, make_package):
    line = tale()
    del line["id"]
    import_package(make_package([line]))
    first = db.session.scalar(select(Item.public_id))
    assert import_package(make_package([line])).items_unchanged == 1
    assert first.startswith("tw-") and db.session.scalar(select(func.count(Item.id))) == 1


def test_a_changed_file_replaces_the_media_record_and_keeps_the_old_blob(app, make_package):
    import_package(make_package([tale()]))
    old_sha = db.session.scalar(select(Media.sha256).where(Media.mime_type == "image/png"))
    import_package(make_package([tale()], files={"media/tale.wav": __import__("tests.conftest").conftest.tiny_wav(),
                                                  "media/drawing.png": tiny_png(8, 8)}))
    shas = set(db.session.scalars(select(Media.sha256)))
    assert old_sha not in shas
    from archive.storage import media_store

    assert media_store().exists(old_sha)  # a revision still names it


def test_values_holding_unicode_line_separators_survive_import_and_export(app, make_package, tmp_path):
    from archive.services.packages import export_package

    line = tale(summary=[{"value": "première ligne\u2028seconde\u0085troisième", "lang": "fr"}])
    import_package(make_package([line]))
    export_package(tmp_path / "out")
    assert not import_package(tmp_path / "out").changed
    item = db.session.scalar(select(Item))
    assert item.summary[0]["value"] == "première ligne\u2028seconde\u0085troisième"


def test_the_id_of_a_pseudonymous_agent_may_not_reveal_their_name(app, make_package):
    agents = [{"id": "fatima-alaoui", "name": "Fatima Alaoui", "kind": "person", "pseudonym": "Tamghart",
               "credit_as": "pseudonym"}]
    details = refused(make_package([tale()], agents=agents))
    assert any(d.startswith("agents.jsonl:1: id: the id 'fatima-alaoui' reveals the name") for d in details), details
