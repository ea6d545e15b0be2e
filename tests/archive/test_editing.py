"""Editing and the editorial workflow, through the services: drafts, revisions, conflicts, history,
restoring, submit / review / publish / send back / reject / withdraw, the two-person rule, credit."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import search
from archive.db import db
from archive.errors import AccessDenied, Conflict, InvalidInput, NotFound
from archive.models import Item, PublicChange, Revision
from archive.services import editing, review
from archive.services.packages import import_package
from tests.conftest import tale

TITLE = [{"value": "ⵜⴰⵏⴼⵓⵙⵜ ⵏ ⵡⵓⵛⵛⵏ", "lang": "zgh-Tfng"}, {"value": "Le conte du chacal", "lang": "fr"}]


def fields(**overrides):
    base = {"kind": "tale", "title": TITLE, "summary": [{"value": "Un chacal rusé.", "lang": "fr"}],
            "text": [{"value": "Yan wuccn iga amkkar.", "lang": "shi-Latn"}], "languages": ["shi-Latn"],
            "region": "souss-massa", "date": "1985", "subjects": ["ruse"], "license": "CC-BY-4.0", "access": "public"}
    base.update(overrides)
    return base


def _revisions(item):
    return db.session.scalars(select(Revision).where(Revision.entity_type == "item", Revision.entity_id == item.id)
                              .order_by(Revision.version)).all()


def test_a_data_worker_creates_a_draft_credited_to_them_with_a_first_revision(people):
    item = editing.create_item(people["worker"], fields())
    assert item.status == "draft" and item.version == 1 and item.created_by_id == people["worker"].id
    assert item.public_id.startswith("tw-")
    assert [(c.agent.name, c.role) for c in item.contributions] == [("Amina Aït Ali", "edt")]
    [revision] = _revisions(item)
    assert revision.action == "create" and revision.actor_user_id == people["worker"].id
    assert revision.snapshot["title"] == TITLE and revision.snapshot["status"] == "draft"


def test_readers_cannot_create_items(people):
    with pytest.raises(AccessDenied):
        editing.create_item(people["reader"], fields())


def test_every_problem_of_a_form_is_reported_by_field_and_nothing_is_written(people):
    with pytest.raises(InvalidInput) as refused:
        editing.create_item(people["worker"], fields(kind="legend", title=[{"value": "x", "lang": "Arabic"}],
                                                     region="atlantis", date="1985-13", license="WTFPL",
                                                     access="community:nowhere", labels=["TK-XX"],
                                                     coordinates={"lat": 100, "lon": 0}, source_url="ftp://x"))
    named = {detail.split(":")[0] for detail in refused.value.details}
    assert named == {"kind", "title[0]", "region", "date", "license", "access", "labels[0]", "coordinates", "source_url"}
    assert db.session.scalar(select(Item)) is None


def test_each_save_is_a_revision_and_an_unchanged_save_writes_nothing(people):
    item = editing.create_item(people["worker"], fields())
    editing.update_item(people["worker"], item.public_id, fields(date="1985~"), base_version=1)
    editing.update_item(people["worker"], item.public_id, fields(date="1985~"), base_version=2)  # nothing new
    assert item.version == 2 and item.date_edtf == "1985~"
    assert [r.version for r in _revisions(item)] == [1, 2]


def test_a_stale_save_is_refused_with_both_versions_and_loses_nothing(people):
    item = editing.create_item(people["worker"], fields())
    editing.update_item(people["curator"], item.public_id, fields(date="1990"), base_version=1)
    with pytest.raises(editing.EditConflict) as conflict:
        editing.update_item(people["worker"], item.public_id, fields(date="1985~", subjects=["ruse", "chacal"]),
                            base_version=1)
    assert conflict.value.current["date"] == "1990"
    assert conflict.value.yours["date"] == "1985~" and conflict.value.yours["subjects"] == ["ruse", "chacal"]
    assert set(conflict.value.fields) == {"date", "subjects"}
    assert item.date_edtf == "1990" and item.version == 2  # the other save stands untouched
    editing.update_item(people["worker"], item.public_id, fields(date="1985~", subjects=["ruse", "chacal"]), base_version=2)
    assert item.version == 3 and item.date_edtf == "1985~"


def test_history_compares_any_two_versions_and_restoring_is_a_new_revision(people):
    item = editing.create_item(people["worker"], fields())
    editing.update_item(people["worker"], item.public_id,
                        fields(summary=[{"value": "Un chacal très rusé et affamé.", "lang": "fr"}]), base_version=1)
    editing.update_item(people["worker"], item.public_id,
                        fields(kind="proverb", summary=[{"value": "Un chacal très rusé et affamé.", "lang": "fr"}]),
                        base_version=2)
    differences = {d.field: d for d in editing.compare_versions(item, 1, 2)}
    assert set(differences) == {"summary"}
    assert ("insert", "très ") in differences["summary"].pieces or any(
        op == "insert" and "très" in text for op, text in differences["summary"].pieces)
    assert {d.field for d in editing.compare_versions(item, 3, 1)} == {"summary", "kind"}
    editing.restore_version(people["worker"], item.public_id, 1, base_version=3)
    assert item.version == 4 and item.kind == "tale" and item.summary == [{"value": "Un chacal rusé.", "lang": "fr"}]
    assert [r.version for r in editing.history(item)] == [4, 3, 2, 1]
    with pytest.raises(NotFound):
        editing.compare_versions(item, 1, 9)


def test_the_whole_workflow_publishes_credits_the_reviewer_and_reaches_search_and_discovery(people):
    worker, reviewer = people["worker"], people["reviewer"]
    item = editing.create_item(worker, fields())
    assert search.engine().query("wuccn", visibility=["public"]).total == 0
    review.transition(worker, item.public_id, "submit")
    assert [e.item.public_id for e in review.review_queue(reviewer)] == [item.public_id]
    review.transition(reviewer, item.public_id, "take")
    review.transition(reviewer, item.public_id, "approve", comment="Belle transcription.")
    assert item.status == "published"
    assert {(c.agent.name, c.role) for c in item.contributions} == {("Amina Aït Ali", "edt"), ("Khadija Reviewer", "rev")}
    assert [(e.action, e.from_status, e.to_status) for e in review.events(item)] == [
        ("submit", "draft", "submitted"), ("take", "submitted", "in_review"), ("approve", "in_review", "published")]
    assert search.engine().query("wuccn", visibility=["public"]).total == 1
    assert [c.activity for c in db.session.scalars(select(PublicChange).where(PublicChange.item_id == item.id))] == ["Create"]
    review.transition(people["curator"], item.public_id, "withdraw", comment="Demande de la famille.")
    assert search.engine().query("wuccn", visibility=["public"]).total == 0
    assert [c.activity for c in db.session.scalars(select(PublicChange).where(PublicChange.item_id == item.id))] == ["Create", "Delete"]


def test_nobody_approves_their_own_work(people):
    reviewer = people["reviewer"]
    own = editing.create_item(reviewer, fields())
    review.transition(reviewer, own.public_id, "submit")
    with pytest.raises(AccessDenied, match="own work"):
        review.transition(reviewer, own.public_id, "approve")
    # A reviewer who corrected someone's item is its last editor: another reviewer approves it.
    item = editing.create_item(people["worker"], fields())
    review.transition(people["worker"], item.public_id, "submit")
    editing.update_item(reviewer, item.public_id, fields(date="1986"), base_version=item.version)
    assert {(c.agent.name, c.role) for c in item.contributions} == {("Amina Aït Ali", "edt"), ("Khadija Reviewer", "edt")}
    with pytest.raises(AccessDenied):
        review.transition(reviewer, item.public_id, "approve")
    review.transition(people["second_reviewer"], item.public_id, "approve")
    assert item.status == "published"
    # The rule can be turned off (a one-person archive).
    review.transition(reviewer, own.public_id, "approve", two_person_rule=False)
    assert own.status == "published"


def test_sending_back_needs_a_comment_and_reopens_the_draft_to_its_author(people):
    worker, reviewer = people["worker"], people["reviewer"]
    item = editing.create_item(worker, fields())
    review.transition(worker, item.public_id, "submit")
    with pytest.raises(AccessDenied):  # submitted: the author waits for the review
        editing.update_item(worker, item.public_id, fields(date="1999"), base_version=item.version)
    with pytest.raises(InvalidInput, match="comment"):
        review.transition(reviewer, item.public_id, "send_back")
    review.transition(reviewer, item.public_id, "send_back", comment="Ajoute la traduction française.")
    assert item.status == "draft" and review.last_comment(item).comment == "Ajoute la traduction française."
    editing.update_item(worker, item.public_id, fields(date="1999"), base_version=item.version)


def test_steps_out_of_order_and_strangers_are_refused(people):
    worker = people["worker"]
    item = editing.create_item(worker, fields())
    with pytest.raises(NotFound):  # reviewers do not see drafts
        review.transition(people["reviewer"], item.public_id, "approve")
    with pytest.raises(Conflict):
        review.transition(people["curator"], item.public_id, "approve")  # still a draft
    with pytest.raises(NotFound):  # another data worker does not even see someone's draft
        review.transition(people["other_worker"], item.public_id, "submit")
    with pytest.raises(NotFound):
        editing.update_item(people["other_worker"], item.public_id, fields(), base_version=1)
    with pytest.raises(AccessDenied):
        review.review_queue(worker)
    review.transition(worker, item.public_id, "submit")
    with pytest.raises(AccessDenied):
        review.transition(worker, item.public_id, "approve")
    with pytest.raises(InvalidInput):
        review.transition(worker, item.public_id, "publish-now")
    review.transition(people["reviewer"], item.public_id, "reject", comment="Doublon de tw-tale-0001.")
    with pytest.raises(NotFound):  # rejected: out of the reviewers' sight
        review.transition(people["second_reviewer"], item.public_id, "approve")
    with pytest.raises(Conflict):
        review.transition(people["curator"], item.public_id, "approve")


def test_imported_items_are_edited_by_curators_with_their_history_continued(people, make_package):
    import_package(make_package([tale()]))
    item = db.session.scalar(select(Item).where(Item.public_id == "tw-tale-0001"))
    with pytest.raises(AccessDenied):
        editing.update_item(people["reviewer"], "tw-tale-0001", fields(), base_version=item.version)
    current = editing.editable_part(__import__("archive.records", fromlist=["item_record"]).item_record(item))
    current["date"] = "1979~"
    editing.update_item(people["curator"], "tw-tale-0001", current, base_version=item.version)
    assert item.version == 2 and [r.version for r in _revisions(item)] == [1, 2]
    assert {c.role for c in item.contributions} >= {"nrt", "trc", "edt"}
