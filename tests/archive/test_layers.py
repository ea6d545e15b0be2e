"""Annotation layers through the services: drafts on media files, revisions, credits per layer, review
(approve, correct, send back, reject) with the two-person rule, machine provenance kept through
correction, curated tag vocabularies, and layers in the export round trip."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from archive.db import db
from archive.errors import AccessDenied, Conflict, InvalidInput, NotFound
from archive.models import Annotation, Item, PublicChange, Revision
from archive.services import annotations as layers
from archive.services.packages import export_package, import_package
from tests.conftest import empty_archive, tale

TIFINAGH_TAG = "ⴰⵣⵓⵍ"


@pytest.fixture
def item(people, make_package):
    import_package(make_package([tale()]))
    return db.session.scalar(select(Item).where(Item.public_id == "tw-tale-0001"))


def _segment(item, **overrides):
    fields = {"media": item.media[0].public_id, "selector": "t=0.5,1.75",
              "body": {"value": "ⴰⵎⴰⵏ ⴰⵎⴰⵏ", "lang": "zgh-Tfng"}}
    fields.update(overrides)
    return fields


def _region(item, **overrides):
    fields = {"media": item.media[1].public_id, "selector": "xywh=1,0,2,3", "tag": TIFINAGH_TAG}
    fields.update(overrides)
    return fields


def _credits(annotation):
    return sorted((c.agent.name, c.role) for c in annotation.item.contributions if c.annotation_id == annotation.id)


def _revisions(annotation):
    return list(db.session.scalars(select(Revision).where(Revision.entity_type == "annotation",
                                                          Revision.entity_id == annotation.id).order_by(Revision.version)))


def test_a_data_worker_saves_a_time_coded_segment_as_a_draft_with_a_revision_and_a_credit(people, item):
    annotation = layers.create_layer(people["worker"], item.public_id, _segment(item))
    assert (annotation.status, annotation.provenance, annotation.motivation) == ("draft", "human", "supplementing")
    assert annotation.selector == "t=0.5,1.75" and annotation.creator.name == "Amina Aït Ali"
    # zgh is not among the item's languages (ary-Arab): a translation.
    assert _credits(annotation) == [("Amina Aït Ali", "trl")]
    [revision] = _revisions(annotation)
    assert revision.action == "create" and revision.snapshot["selector"] == "t=0.5,1.75"
    assert revision.snapshot["contributors"] == [{"name": "Amina Aït Ali", "role": "trl", "id": "amina-ait-ali"}]

    changed = layers.update_layer(people["worker"], annotation.public_id, _segment(item, selector="t=0.5,1.9"), 1)
    assert changed.version == 2 and [r.version for r in _revisions(annotation)] == [1, 2]
    with pytest.raises(Conflict):
        layers.update_layer(people["worker"], annotation.public_id, _segment(item, selector="t=0,1"), 1)


def test_bad_layers_are_refused_with_every_problem(people, item):
    with pytest.raises(InvalidInput) as refused:
        layers.create_layer(people["worker"], item.public_id,
                            _segment(item, selector="xywh=0,0,1,1", body={"value": "x", "lang": "Tifinagh"}))
    assert any(d.startswith("selector: an xywh= region needs an image") for d in refused.value.details)
    assert any(d.startswith("body.lang:") for d in refused.value.details)
    with pytest.raises(InvalidInput, match="not saved"):
        layers.create_layer(people["worker"], item.public_id, _region(item, selector="xywh=0,0,9,9"))
    with pytest.raises(InvalidInput):
        layers.create_layer(people["worker"], item.public_id, _segment(item, selector="t=2,1"))
    with pytest.raises(InvalidInput):
        layers.create_layer(people["worker"], item.public_id, {"media": "nope", "body": {}})
    with pytest.raises(AccessDenied):
        layers.create_layer(people["reader"], item.public_id, _segment(item))
    with pytest.raises(NotFound):
        layers.create_layer(people["worker"], "tw-none", _segment(item))


def test_only_authors_edit_their_drafts_and_withdrawing_rejects_without_deleting(people, item):
    annotation = layers.create_layer(people["worker"], item.public_id, _region(item))
    assert annotation.motivation == "tagging"
    with pytest.raises(AccessDenied):
        layers.update_layer(people["other_worker"], annotation.public_id, _region(item, tag="ⵣ"))
    layers.submit_layers(people["worker"], item.public_id)
    assert annotation.status == "pending"
    with pytest.raises(AccessDenied):  # submitted: the reviewer's turn
        layers.update_layer(people["worker"], annotation.public_id, _region(item, tag="ⵣ"))
    layers.review_layer(people["reviewer"], annotation.public_id, "send_back", comment="Région trop large.")
    assert (annotation.status, annotation.review_comment) == ("draft", "Région trop large.")
    layers.withdraw_layer(people["worker"], annotation.public_id)
    assert annotation.status == "rejected" and db.session.get(Annotation, annotation.id) is not None


def test_review_correct_credits_the_reviewer_and_the_author_keeps_theirs(people, item):
    annotation = layers.create_layer(people["worker"], item.public_id, _region(item))
    layers.submit_layers(people["worker"], item.public_id)
    with pytest.raises(AccessDenied, match="Only reviewers"):
        layers.review_layer(people["worker"], annotation.public_id, "approve")
    own = layers.create_layer(people["reviewer"], item.public_id, _segment(item))
    layers.submit_layers(people["reviewer"], item.public_id)
    with pytest.raises(AccessDenied, match="own work"):
        layers.review_layer(people["reviewer"], own.public_id, "approve")
    assert own not in layers.review_queue(people["reviewer"])
    with pytest.raises(InvalidInput):
        layers.review_layer(people["reviewer"], annotation.public_id, "reject")
    changes_before = db.session.scalar(select(PublicChange.id).order_by(PublicChange.id.desc()).limit(1))
    layers.review_layer(people["reviewer"], annotation.public_id, "correct",
                        fields=_region(item, selector="xywh=0,0,2,2"), base_version=annotation.version)
    assert (annotation.status, annotation.selector, annotation.provenance) == ("approved", "xywh=0,0,2,2", "human")
    assert annotation.reviewer.name == "Khadija Reviewer"
    assert _credits(annotation) == [("Amina Aït Ali", "ann"), ("Khadija Reviewer", "ann"), ("Khadija Reviewer", "rev")]
    assert _revisions(annotation)[-1].snapshot["status"] == "approved"
    # The item is public: its public record changed.
    assert db.session.scalar(select(PublicChange.id).order_by(PublicChange.id.desc()).limit(1)) != changes_before
    with pytest.raises(Conflict):
        layers.review_layer(people["reviewer"], annotation.public_id, "approve")


def test_machine_provenance_is_kept_through_correction(people, make_package, tmp_path):
    machine = {"name": "Whisper large-v3", "id": "whisper-large-v3"}
    line = tale(annotations=[
        {"media": 0, "motivation": "supplementing", "selector": "t=0,1.5", "body": {"value": "كان يا ما كان", "lang": "ary-Arab"},
         "creator": machine, "provenance": "machine", "status": "pending",
         "contributors": [{**machine, "role": "trc"}]},
        {"media": 0, "motivation": "supplementing", "selector": "t=0,1.5", "body": {"value": "Il était une fois", "lang": "fr"},
         "creator": machine, "provenance": "machine", "status": "pending"},
    ])
    import_package(make_package([line]))
    corrected, approved = db.session.scalars(select(Annotation).order_by(Annotation.position)).all()
    assert [a.provenance for a in (corrected, approved)] == ["machine", "machine"]
    assert layers.review_queue(people["reviewer"]) == [corrected, approved]

    layers.review_layer(people["reviewer"], corrected.public_id, "correct",
                        fields={"media": corrected.media.public_id, "selector": "t=0,1.4",
                                "body": {"value": "كان يا ما كان فقديم الزمان", "lang": "ary-Arab"}})
    layers.review_layer(people["reviewer"], approved.public_id, "approve")
    assert (corrected.provenance, approved.provenance) == ("machine-corrected", "machine")
    assert _credits(corrected) == [("Khadija Reviewer", "rev"), ("Khadija Reviewer", "trc"), ("Whisper large-v3", "trc")]
    assert corrected.creator.name == "Whisper large-v3"

    # The export keeps provenance and per-layer credits, and round-trips byte for byte.
    first, second = tmp_path / "first", tmp_path / "second"
    export_package(first)
    exported = json.loads((first / "items.jsonl").read_text(encoding="utf-8"))["annotations"]
    assert [a.get("provenance") for a in exported] == ["machine-corrected", "machine"]
    assert {"name": "Khadija Reviewer", "role": "trc", "id": "khadija-reviewer"} in exported[0]["contributors"]
    empty_archive()
    import_package(first)
    export_package(second)
    assert (first / "items.jsonl").read_bytes() == (second / "items.jsonl").read_bytes()


def test_curators_maintain_vocabularies_with_tifinagh_labels_and_tags_reference_terms(people, item):
    with pytest.raises(AccessDenied):
        layers.create_vocabulary(people["worker"], "motifs", [{"value": "Motifs", "lang": "fr"}])
    vocabulary = layers.create_vocabulary(people["curator"], "motifs",
                                          [{"value": "Motifs", "lang": "fr"}, {"value": "ⵉⵣⵓⵎⴰⵎ", "lang": "zgh-Tfng"}])
    term = layers.add_term(people["curator"], "motifs", "losange",
                           [{"value": "ⵜⴰⵍⵓⵣⵉⵏⵜ", "lang": "zgh-Tfng"}, {"value": "losange", "lang": "fr"}])
    with pytest.raises(Conflict):
        layers.add_term(people["curator"], "motifs", "losange", [{"value": "x", "lang": "fr"}])
    with pytest.raises(InvalidInput):
        layers.add_term(people["curator"], "motifs", "chevron", [{"value": "chevron", "lang": "French"}])
    assert [v.slug for v in layers.vocabularies()] == ["motifs"] and vocabulary.terms == [term]
    history = db.session.scalars(select(Revision).where(Revision.entity_type == "vocabulary").order_by(Revision.id)).all()
    assert [r.version for r in history] == [1, 2]

    tagged = layers.create_layer(people["worker"], item.public_id, _region(item, tag="", term=str(term.id)))
    assert (tagged.term, tagged.tag, tagged.motivation) == (term, "ⵜⴰⵍⵓⵣⵉⵏⵜ", "tagging")
    with pytest.raises(InvalidInput):
        layers.create_layer(people["worker"], item.public_id, _region(item, term="999"))


def test_iiif_annotations_credit_the_machine_the_corrector_and_the_reviewer_and_stay_valid(people, item, client,
                                                                                           make_package, shared_dir):
    from jsonschema import Draft7Validator

    machine = {"name": "Whisper large-v3", "id": "whisper-large-v3"}
    line = tale(annotations=[{"media": 0, "motivation": "supplementing", "selector": "t=0,1.5",
                              "body": {"value": "كان يا ما كان", "lang": "ary-Arab"}, "creator": machine,
                              "provenance": "machine", "status": "pending"}])
    import_package(make_package([line], name="machine"))
    [layer] = db.session.scalars(select(Annotation)).all()
    page_url = f"/iiif/3/{item.public_id}/annotations/{item.media[0].public_id}"
    assert client.get(page_url).get_json(force=True).get("items", []) == []  # pending: not public
    draft = layers.create_layer(people["worker"], item.public_id, _segment(item))
    layers.review_layer(people["reviewer"], layer.public_id, "correct",
                        fields={"media": item.media[0].public_id, "selector": "t=0,1.5",
                                "body": {"value": "كان يا ما كان فقديم الزمان", "lang": "ary-Arab"}})
    page = client.get(page_url).get_json(force=True)
    [annotation] = page["items"]  # the worker's draft is not public
    assert annotation["creator"] == [{"type": "Software", "name": "Whisper large-v3"},
                                     {"type": "Person", "name": "Khadija Reviewer"}]
    assert annotation["label"] == {"en": ["Whisper large-v3 (transcriber); Khadija Reviewer (transcriber, reviewer)"]}
    schema = json.loads((shared_dir / "standards/iiif/presentation-3.0.schema.json").read_text(encoding="utf-8"))
    assert list(Draft7Validator(schema).iter_errors(page)) == []
    assert draft.status == "draft"
