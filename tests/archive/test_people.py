"""People: certification from approved work, role management and its audit, consent and its withdrawal
everywhere at once, contributor pages and the dashboard."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

import search
from archive.db import db
from archive.errors import AccessDenied, Conflict, InvalidInput
from archive.models import AccountChange, PublicChange, Revision, User
from archive.services import accounts, editing, people, review
from archive.services.packages import export_package, import_package
from tests.conftest import post_with_csrf, quick_account, session_sign_in, tale

FIELDS = {"kind": "tale", "title": [{"value": "Tamqqart n wuccn", "lang": "shi-Latn"}],
          "text": [{"value": "Yan wuccn iga amkkar.", "lang": "shi-Latn"}], "languages": ["shi-Latn"],
          "region": "souss-massa", "license": "CC-BY-4.0", "access": "public"}


@pytest.fixture
def staff(app):
    return {"curator": quick_account(("curator",), "Curator"), "admin": quick_account(("admin",), "Admin"),
            "worker": quick_account(("data_worker",), "Amina Aït Ali"),
            "other_curator": quick_account(("curator",), "Second Curator")}


def _published(author, approver, **overrides):
    item = editing.create_item(author, {**FIELDS, **overrides})
    review.transition(author, item.public_id, "submit")
    review.transition(approver, item.public_id, "approve")
    return item


def test_a_curator_certifies_from_the_approved_work_and_a_new_level_replaces_the_old(staff):
    worker, curator = staff["worker"], staff["curator"]
    _published(worker, curator)
    editing.create_item(worker, FIELDS)  # a draft: created, not submitted
    trainee = people.certify(curator, worker.id, "trainee", note="Premiers contes.")
    assert (trainee.level, trainee.granted_on, trainee.granted_by_id) == ("trainee", dt.date.today(), curator.id)
    assert trainee.evidence == {"items_created": 2, "items_submitted": 1, "items_published": 1,
                                "annotations_written": 0, "annotations_approved": 0, "reviews": 0}
    assert not people.is_certified(worker)
    certified = people.certify(staff["admin"], worker.id, "certified_annotator")
    assert people.current_certification(worker) == certified and people.is_certified(worker)
    assert trainee.revoked_on == dt.date.today() and trainee.revoked_by_id == staff["admin"].id
    assert [c.level for c in people.certifications(worker)] == ["certified_annotator", "trainee"]
    with pytest.raises(InvalidInput, match="note"):
        people.revoke_certification(curator, certified.id, note="  ")
    people.revoke_certification(curator, certified.id, note="Plus actif.")
    assert people.current_certification(worker) is None
    with pytest.raises(InvalidInput):
        people.certify(curator, worker.id, "grand_master")
    with pytest.raises(AccessDenied):
        people.certify(curator, curator.id, "trainer")
    with pytest.raises(InvalidInput, match="data workers"):  # a reader has no work to certify
        people.certify(curator, quick_account((), "Reader").id, "trainee")


def test_only_certified_workers_become_reviewers_and_stay_certified_while_they_are(staff):
    worker, curator = staff["worker"], staff["curator"]
    with pytest.raises(InvalidInput, match="certified"):
        people.change_roles(curator, worker.id, ["data_worker", "reviewer"])
    people.certify(curator, worker.id, "trainee")
    with pytest.raises(InvalidInput, match="certified"):
        people.change_roles(curator, worker.id, ["data_worker", "reviewer"])
    certification = people.certify(curator, worker.id, "certified_annotator")
    people.change_roles(curator, worker.id, ["data_worker", "reviewer"], note="Certifiée en mars.")
    assert worker.roles == ["data_worker", "reviewer"]
    with pytest.raises(Conflict, match="reviewer role"):
        people.revoke_certification(curator, certification.id, note="Erreur")
    with pytest.raises(Conflict, match="reviewer role"):
        people.certify(curator, worker.id, "trainee")
    [change] = people.account_changes(curator, worker.id)
    assert (change.field, change.before, change.after, change.actor_user_id, change.note) == (
        "roles", ["data_worker"], ["data_worker", "reviewer"], curator.id, "Certifiée en mars.")
    with pytest.raises(InvalidInput, match="certified"):
        accounts.invite(curator, "new@example.org", ["reviewer"])


CLI_PASSWORD = "a long reviewer password"


def _create_user(runner, *args: str):
    return runner.invoke(args=["archive", "create-user", "khadija@example.org", "--name", "Khadija Bennani",
                               "--password", CLI_PASSWORD, *args])


def test_the_command_line_gives_the_reviewer_role_only_with_a_certification(app, runner):
    refused = _create_user(runner, "--role", "reviewer")
    assert refused.exit_code == 1 and "Only certified workers hold the reviewer role" in refused.output
    assert "People page" in refused.output
    refused = _create_user(runner, "--role", "data_worker", "--role", "reviewer", "--certify", "trainee")
    assert refused.exit_code == 1 and "above trainee" in refused.output
    refused = _create_user(runner, "--role", "admin", "--certify", "trainer")
    assert refused.exit_code == 1 and "Only data workers and reviewers are certified" in refused.output
    refused = _create_user(runner, "--role", "reviewer", "--certify", "grand_master")
    assert refused.exit_code == 2  # click refuses an unknown level before anything runs
    assert db.session.scalar(select(User)) is None  # nothing written by the refusals

    created = _create_user(runner, "--role", "data_worker", "--role", "reviewer", "--certify", "reviewer",
                           "--note", "Formée à Agadir en 2025.")
    assert created.exit_code == 0, created.output
    assert "certified reviewer (granted from the command line)" in created.output
    user = accounts.user_by_email("khadija@example.org")
    assert user.roles == ["data_worker", "reviewer"] and people.is_certified(user)
    certification = people.current_certification(user)
    assert (certification.level, certification.granted_on, certification.granted_by_id, certification.grantor_label,
            certification.note) == ("reviewer", dt.date.today(), None, "cli", "Formée à Agadir en 2025.")
    # The same rule holds afterwards: the level cannot be revoked while they hold the reviewer role.
    curator = quick_account(("curator",), "Curator")
    with pytest.raises(Conflict, match="reviewer role"):
        people.revoke_certification(curator, certification.id, note="Erreur")
    client = app.test_client()
    session_sign_in(client, curator)
    page = client.get(f"/manage/people/{user.id}").get_data(as_text=True)
    assert 'data-level="reviewer"' in page and "ligne de commande" in page  # the grantor: the command line


def test_a_data_worker_certified_from_the_command_line_keeps_other_roles_unchanged(app, runner):
    created = _create_user(runner, "--role", "data_worker", "--certify", "certified_annotator")
    assert created.exit_code == 0, created.output
    user = accounts.user_by_email("khadija@example.org")
    assert user.roles == ["data_worker"] and people.current_certification(user).level == "certified_annotator"
    # A certified worker may now be made a reviewer by a curator, as on the People page.
    people.change_roles(quick_account(("curator",), "Curator"), user.id, ["data_worker", "reviewer"])
    assert user.roles == ["data_worker", "reviewer"]


def test_only_admins_touch_curators_and_nobody_manages_their_own_account(staff):
    curator, admin = staff["curator"], staff["admin"]
    with pytest.raises(AccessDenied, match="admin"):
        people.change_roles(curator, staff["worker"].id, ["curator"])
    with pytest.raises(AccessDenied, match="admin"):
        people.set_active(curator, staff["other_curator"].id, False, note="Non.")
    with pytest.raises(AccessDenied, match="own"):
        people.change_roles(admin, admin.id, [])
    people.change_roles(admin, staff["worker"].id, ["data_worker", "curator"])
    assert staff["worker"].roles == ["data_worker", "curator"]


def test_deactivating_an_account_ends_its_sessions_and_is_audited(app, staff):
    worker, curator = staff["worker"], staff["curator"]
    session_id = worker.get_id()
    with pytest.raises(InvalidInput, match="note"):
        people.set_active(curator, worker.id, False)
    people.set_active(curator, worker.id, False, note="A quitté le projet.")
    assert accounts.load_session_user(session_id) is None
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
    assert client.get("/work").status_code == 401
    people.set_active(curator, worker.id, True)
    assert [(c.field, c.before, c.after) for c in people.account_changes(curator, worker.id)] == [
        ("active", False, True), ("active", True, False)]


def test_the_people_pages_grant_change_and_refuse_with_reasons(app, staff):
    worker, curator = staff["worker"], staff["curator"]
    _published(worker, curator)
    client = app.test_client()
    session_sign_in(client, curator)
    page = client.get(f"/manage/people/{worker.id}").get_data(as_text=True)
    assert 'data-items-published="1"' in page and 'data-items-submitted="1"' in page
    assert "Amina Aït Ali" in client.get("/manage/people").get_data(as_text=True)
    response = post_with_csrf(client, f"/manage/people/{worker.id}/roles", {"roles": ["data_worker", "reviewer"]})
    assert response.status_code == 422 and "the reviewer role needs a certification" in response.get_data(as_text=True)
    response = post_with_csrf(client, f"/manage/people/{worker.id}/certify", {"level": "certified_annotator",
                                                                              "note": "Belles transcriptions."})
    assert response.status_code == 302
    assert post_with_csrf(client, f"/manage/people/{worker.id}/roles",
                          {"roles": ["data_worker", "reviewer"]}).status_code == 302
    page = client.get(f"/manage/people/{worker.id}").get_data(as_text=True)
    assert 'data-level="certified_annotator"' in page and "Belles transcriptions." in page
    assert db.session.scalar(select(AccountChange.after).where(AccountChange.user_id == worker.id)) == ["data_worker", "reviewer"]


# ------------------------------------------------------------------------------------------ consent

def test_a_withdrawal_takes_effect_on_pages_manifests_search_discovery_and_exports(app, staff, make_package, tmp_path):
    import_package(make_package([tale()]))
    client = app.test_client()
    assert client.get("/contributors/samir").status_code == 200
    assert "Samir Oubella" in client.get("/iiif/3/tw-tale-0001/manifest").get_data(as_text=True)
    assert search.engine().query("Oubella", visibility=["public"]).total == 1
    changes_before = db.session.scalar(select(PublicChange.id).order_by(PublicChange.id.desc()).limit(1))

    agent = people.record_consent(staff["curator"], "samir", credit_as="name", given_on="2024-03-01",
                                  withdrawn_on=dt.date.today().isoformat())
    assert agent.consent_withdrawn_on == dt.date.today() and agent.credited_name is None
    assert client.get("/contributors/samir").status_code == 404
    assert "Oubella" not in client.get("/iiif/3/tw-tale-0001/manifest").get_data(as_text=True)
    assert "Oubella" not in client.get("/items/tw-tale-0001").get_data(as_text=True)
    assert search.engine().query("Oubella", visibility=["public"]).total == 0
    assert [c.activity for c in db.session.scalars(select(PublicChange).where(PublicChange.id > changes_before))] == ["Update"]
    revision = db.session.scalar(select(Revision).where(Revision.entity_type == "agent", Revision.entity_id == agent.id)
                                 .order_by(Revision.version.desc()).limit(1))
    assert revision.actor_user_id == staff["curator"].id
    assert revision.snapshot["consent"] == {"given": "2024-03-01", "withdrawn": dt.date.today().isoformat()}
    export_package(tmp_path / "export")
    exported = [json.loads(line) for line in (tmp_path / "export" / "agents.jsonl").read_text().splitlines()]
    assert next(a for a in exported if a["id"] == "samir")["consent"]["withdrawn"] == dt.date.today().isoformat()

    with pytest.raises(InvalidInput, match="after"):
        people.record_consent(staff["curator"], "samir", credit_as="name", given_on="2024-03-01", withdrawn_on="2024-01-01")
    with pytest.raises(InvalidInput, match="future"):
        people.record_consent(staff["curator"], "samir", credit_as="name", withdrawn_on="2999-01-01")
    with pytest.raises(InvalidInput, match="pseudonym"):
        people.record_consent(staff["curator"], "samir", credit_as="pseudonym", pseudonym=" ")


def test_a_worker_chooses_a_pseudonym_then_withdraws_on_their_account_page(app, staff):
    worker, curator = staff["worker"], staff["curator"]
    item = _published(worker, curator)
    client = app.test_client()
    session_sign_in(client, worker)
    assert "Amina Aït Ali" in client.get(f"/items/{item.public_id}").get_data(as_text=True)
    response = post_with_csrf(client, "/account/credit", {"credit_as": "pseudonym", "pseudonym": ""})
    assert response.status_code == 422 and "pseudonym" in response.get_data(as_text=True)
    assert post_with_csrf(client, "/account/credit", {"credit_as": "pseudonym", "pseudonym": "Tislit"}).status_code == 302
    visitor = app.test_client()
    page = visitor.get(f"/items/{item.public_id}").get_data(as_text=True)
    assert "Tislit" in page and "Amina" not in page
    assert search.engine().query("Tislit", visibility=["public"]).total == 1
    assert post_with_csrf(client, "/account/consent/withdraw", {}).status_code == 302
    assert "Tislit" not in visitor.get(f"/items/{item.public_id}").get_data(as_text=True)
    assert search.engine().query("Tislit", visibility=["public"]).total == 0
    assert f'data-withdrawn-on="{dt.date.today().isoformat()}"' in client.get("/account").get_data(as_text=True)
    # Choosing again gives consent anew.
    people.choose_own_credit(worker, "name")
    assert worker.agent.credited_name == "Amina Aït Ali" and worker.agent.consent_given_on == dt.date.today()
    with pytest.raises(AccessDenied):
        people.choose_own_credit(quick_account((), "Reader"), "anonymous")


# ------------------------------------------------------------------------------------------ contributor pages

def test_the_contributor_page_shows_the_badge_and_the_shares_the_visitor_may_see(app, staff):
    worker, curator = staff["worker"], staff["curator"]
    _published(worker, curator)
    _published(worker, curator, access="private")  # submitted and published, but no visitor sees it
    rejected = editing.create_item(worker, FIELDS)
    review.transition(worker, rejected.public_id, "submit")
    review.transition(curator, rejected.public_id, "reject", comment="Hors sujet.")
    people.certify(curator, worker.id, "certified_annotator")
    page = app.test_client().get(f"/contributors/{worker.agent.slug}").get_data(as_text=True)
    assert 'class="badge certification" data-level="certified_annotator"' in page
    assert 'data-published="1" data-submitted="2"' in page  # the private item counts for nobody outside staff
    staff_client = app.test_client()
    session_sign_in(staff_client, curator)
    assert 'data-published="2" data-submitted="3"' in staff_client.get(f"/contributors/{worker.agent.slug}").get_data(as_text=True)


def test_the_dashboard_lists_feedback_received_and_my_contributions(app, staff):
    worker, curator = staff["worker"], staff["curator"]
    item = editing.create_item(worker, FIELDS)
    review.transition(worker, item.public_id, "submit")
    review.transition(curator, item.public_id, "send_back", comment="Ajoutez le lieu.")
    people.certify(curator, worker.id, "reviewer")
    people.change_roles(curator, worker.id, ["data_worker", "reviewer"])
    colleague = editing.create_item(staff["other_curator"], FIELDS)
    review.transition(staff["other_curator"], colleague.public_id, "submit")
    review.transition(worker, colleague.public_id, "approve")  # credited as its reviewer
    assert [event.comment for event in review.feedback_received(worker)] == ["Ajoutez le lieu."]
    assert [(entry.item.public_id, entry.roles) for entry in review.my_contributions(worker)] == [
        (colleague.public_id, ["rev"]), (item.public_id, ["edt"])]
    client = app.test_client()
    session_sign_in(client, worker)
    page = client.get("/work").get_data(as_text=True)
    assert "Ajoutez le lieu." in page
    assert f'data-item="{item.public_id}" data-status="draft"' in page
    assert f'data-item="{colleague.public_id}" data-status="published"' in page


def test_curators_record_consent_on_the_agent_pages(app, staff, make_package):
    import_package(make_package([tale()]))
    client = app.test_client()
    session_sign_in(client, staff["curator"])
    assert 'data-agent="samir"' in client.get("/manage/agents").get_data(as_text=True)
    response = post_with_csrf(client, "/manage/agents/samir/consent", {"credit_as": "pseudonym", "pseudonym": ""})
    assert response.status_code == 422 and "pseudonym: a pseudonym is needed" in response.get_data(as_text=True)
    response = post_with_csrf(client, "/manage/agents/samir/consent",
                              {"credit_as": "pseudonym", "pseudonym": "Amnay", "given_on": "2024-03-01"})
    assert response.status_code == 302
    page = client.get("/manage/agents/samir/consent").get_data(as_text=True)
    assert 'class="credited-name">Amnay<' in page and 'data-version="2"' in page
    assert "Amnay" in app.test_client().get("/iiif/3/tw-tale-0001/manifest").get_data(as_text=True)
    assert client.get("/manage/agents/nobody/consent").status_code == 404
    worker_client = app.test_client()
    session_sign_in(worker_client, staff["worker"])
    assert worker_client.get("/manage/agents/samir/consent").status_code == 403
