"""The permission matrix: every role (and a visitor) against every action, through the services and through
HTTP, from one table. A role either may take an action (the service returns, the page answers 200 or a
redirect) or may not (the service raises AccessDenied, NotFound or AuthenticationRequired; the page answers
401, 403 or 404). Each attempt starts from fresh items and accounts, so one role's success changes nothing
for the next."""
from __future__ import annotations

import datetime as dt
import itertools
from functools import cached_property
from typing import Any, Callable

import pytest

from archive.db import db
from archive.errors import AccessDenied, AuthenticationRequired, NotFound
from archive.models import Agent, Certification, Item, User
from archive.services import accounts, editing, items, people, review
from tests.conftest import post_with_csrf, quick_account, session_sign_in

ROLES = ("anonymous", "reader", "researcher", "data_worker", "reviewer", "curator", "admin")
EDITORS = {"data_worker", "reviewer", "curator", "admin"}
REVIEWERS = {"reviewer", "curator", "admin"}
MANAGERS = {"curator", "admin"}

# action -> the roles that may take it (everyone else is refused)
MATRIX: dict[str, set[str]] = {
    "view published item": set(ROLES),
    "view someone's draft": MANAGERS,
    "create a draft": EDITORS,
    "edit own draft": EDITORS,
    "edit someone's draft": MANAGERS,
    "submit own draft": EDITORS,
    "submit someone's draft": MANAGERS,
    "see the review queue": REVIEWERS,
    "approve": REVIEWERS,
    "send back": REVIEWERS,
    "withdraw": MANAGERS,
    "invite": MANAGERS,
    "see the people page": MANAGERS,
    "change roles": MANAGERS,
    "deactivate": MANAGERS,
    "certify": MANAGERS,
    "record consent": MANAGERS,
    "choose own credit": EDITORS,
}

_serial = itertools.count(1)
FIELDS = {"kind": "tale", "title": [{"value": "Tamqqart n wuccn", "lang": "shi-Latn"}], "license": "CC-BY-4.0",
          "access": "public"}


def _account(roles: tuple[str, ...], name: str) -> User:
    return quick_account(roles, name)


class Scene:
    """What one attempt acts on, made when first needed: an author's items, a target account, a knowledge
    holder, and the actor's own draft."""

    def __init__(self, role: str):
        self.actor = None if role == "anonymous" else _account(() if role == "reader" else (role,), f"actor {role}")
        if self.actor is not None and role == "reviewer":  # reviewers are certified workers
            db.session.add(Certification(user_id=self.actor.id, level="reviewer", granted_on=dt.date.today(),
                                         granted_by_id=_account(("curator",), "grantor").id, evidence={}))
            db.session.commit()

    @cached_property
    def author(self) -> User:
        return _account(("data_worker",), "author")

    def _item(self, status: str, creator: User | None = None) -> str:
        # Written directly: the scene is only the stage; the actions under test go through the services.
        item = Item(public_id=f"tw-scene-{next(_serial)}", kind="tale", title=FIELDS["title"], licence_id="CC-BY-4.0",
                    access="public", status=status, created_by_id=(creator or self.author).id, version=1)
        db.session.add(item)
        db.session.commit()
        return item.public_id

    @cached_property
    def own_draft(self) -> str:
        return self._item("draft", self.actor)  # the actor's own, whatever their role

    @cached_property
    def draft(self) -> str:
        return self._item("draft")

    @cached_property
    def submitted(self) -> str:
        return self._item("submitted")

    @cached_property
    def published(self) -> str:
        return self._item("published")

    @cached_property
    def target(self) -> User:
        return _account(("data_worker",), "target")

    @cached_property
    def holder(self) -> Agent:
        holder = Agent(slug=f"holder-{self.target.id}", kind="person", name="Lalla Rqia", credit_as="name")
        db.session.add(holder)
        db.session.commit()
        return holder


# ------------------------------------------------------------------------------------------ through the services

SERVICE_CALLS: dict[str, Callable[[Scene], Any]] = {
    "view published item": lambda s: items.get_item(s.published, s.actor),
    "view someone's draft": lambda s: review.workflow_item(s.draft, s.actor),
    "create a draft": lambda s: editing.create_item(s.actor, FIELDS),
    "edit own draft": lambda s: editing.update_item(s.actor, s.own_draft, {**FIELDS, "date": "1990"}, 1),
    "edit someone's draft": lambda s: editing.update_item(s.actor, s.draft, {**FIELDS, "date": "1990"}, 1),
    "submit own draft": lambda s: review.transition(s.actor, s.own_draft, "submit"),
    "submit someone's draft": lambda s: review.transition(s.actor, s.draft, "submit"),
    "see the review queue": lambda s: review.review_queue(s.actor),
    "approve": lambda s: review.transition(s.actor, s.submitted, "approve"),
    "send back": lambda s: review.transition(s.actor, s.submitted, "send_back", comment="Ajoutez la date."),
    "withdraw": lambda s: review.transition(s.actor, s.published, "withdraw", comment="Demande de la famille."),
    "invite": lambda s: accounts.invite(s.actor, "new@example.org", ["data_worker"]),
    "see the people page": lambda s: people.list_accounts(s.actor),
    "change roles": lambda s: people.change_roles(s.actor, s.target.id, ["data_worker", "researcher"]),
    "deactivate": lambda s: people.set_active(s.actor, s.target.id, False, note="A quitté le projet."),
    "certify": lambda s: people.certify(s.actor, s.target.id, "certified_annotator"),
    "record consent": lambda s: people.record_consent(s.actor, s.holder.slug, credit_as="name",
                                                      withdrawn_on=dt.date.today()),
    "choose own credit": lambda s: people.choose_own_credit(s.actor, "pseudonym", "Tislit"),
}


@pytest.mark.parametrize("action", MATRIX)
def test_each_role_through_the_services(app, action):
    for role in ROLES:
        scene = Scene(role)
        if role in MATRIX[action]:
            SERVICE_CALLS[action](scene)
        else:
            with pytest.raises((AccessDenied, NotFound, AuthenticationRequired)):
                SERVICE_CALLS[action](scene)
            db.session.rollback()


# ------------------------------------------------------------------------------------------ through HTTP

def _form(fields: dict[str, Any], **extra: str) -> dict[str, str]:
    form = {"kind": fields["kind"], "license": fields["license"], "access": fields["access"],
            "title-0-value": fields["title"][0]["value"], "title-0-lang": fields["title"][0]["lang"]}
    form.update(extra)
    return form


def _workflow(public_id: str, action: str, comment: str = "") -> tuple[str, str, dict[str, Any]]:
    return "POST", f"/work/items/{public_id}/workflow", {"action": action, "comment": comment}


HTTP_CALLS: dict[str, Callable[[Scene], tuple[str, str, dict[str, Any]]]] = {
    "view published item": lambda s: ("GET", f"/items/{s.published}", {}),
    "view someone's draft": lambda s: ("GET", f"/work/items/{s.draft}", {}),
    "create a draft": lambda s: ("POST", "/work/items/new", _form(FIELDS)),
    "edit own draft": lambda s: ("POST", f"/work/items/{s.own_draft}/edit", _form(FIELDS, date="1990", base_version="1")),
    "edit someone's draft": lambda s: ("POST", f"/work/items/{s.draft}/edit", _form(FIELDS, date="1990", base_version="1")),
    "submit own draft": lambda s: _workflow(s.own_draft, "submit"),
    "submit someone's draft": lambda s: _workflow(s.draft, "submit"),
    "see the review queue": lambda s: ("GET", "/work/review", {}),
    "approve": lambda s: _workflow(s.submitted, "approve"),
    "send back": lambda s: _workflow(s.submitted, "send_back", "Ajoutez la date."),
    "withdraw": lambda s: _workflow(s.published, "withdraw", "Demande de la famille."),
    "invite": lambda s: ("POST", "/manage/invitations", {"email": "new@example.org", "roles": "data_worker"}),
    "see the people page": lambda s: ("GET", "/manage/people", {}),
    "change roles": lambda s: ("POST", f"/manage/people/{s.target.id}/roles", {"roles": ["data_worker", "researcher"]}),
    "deactivate": lambda s: ("POST", f"/manage/people/{s.target.id}/active", {"active": "no", "note": "Parti."}),
    "certify": lambda s: ("POST", f"/manage/people/{s.target.id}/certify", {"level": "certified_annotator"}),
    "record consent": lambda s: ("POST", f"/manage/agents/{s.holder.slug}/consent",
                                 {"credit_as": "name", "withdrawn_on": dt.date.today().isoformat()}),
    "choose own credit": lambda s: ("POST", "/account/credit", {"credit_as": "pseudonym", "pseudonym": "Tislit"}),
}


@pytest.mark.parametrize("action", MATRIX)
def test_each_role_through_http(app, action):
    for role in ROLES:
        scene = Scene(role)
        client = app.test_client()
        if scene.actor is not None:
            session_sign_in(client, scene.actor)
        method, url, data = HTTP_CALLS[action](scene)
        response = post_with_csrf(client, url, data) if method == "POST" else client.get(url)
        allowed = role in MATRIX[action]
        expected = {200, 302, 303} if allowed else {401, 403, 404}
        assert response.status_code in expected, (role, action, response.status_code)
        db.session.remove()


def test_the_table_covers_every_action_both_ways():
    assert set(SERVICE_CALLS) == set(MATRIX) == set(HTTP_CALLS)
