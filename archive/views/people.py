"""Managing people: accounts (roles, deactivation, certification, with their audit) and agents' consent.

Curators' and admins' pages; the services decide who may do what, so a refused step answers 403 here as
everywhere else.
"""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from archive.auth import current_viewer
from archive.errors import InvalidInput
from archive.services import people as people_service
from archive.vocabulary import ACCOUNT_ROLES, CERTIFICATION_LEVELS, CREDIT_AS

people = Blueprint("people", __name__, url_prefix="/manage")


def _account_page(user_id: int, *, errors: list[str] | None = None, status: int = 200):
    viewer = current_viewer()
    summary = people_service.account_for_management(viewer, user_id)
    return render_template("people/account.html", summary=summary, levels=CERTIFICATION_LEVELS, roles=ACCOUNT_ROLES,
                           history=people_service.certifications(summary.user),
                           changes=people_service.account_changes(viewer, user_id), errors=errors or []), status


def _refused(exc: InvalidInput, user_id: int):
    # A refused form comes back with the service's reasons, and 422.
    return _account_page(user_id, errors=[_(exc.message), *exc.details], status=422)


@people.get("/people")
@login_required
def accounts():
    return render_template("people/accounts.html", accounts=people_service.list_accounts(current_viewer()))


@people.get("/people/<int:user_id>")
@login_required
def account(user_id: int):
    return _account_page(user_id)


def _act(user_id: int, step: Callable[[], object], done: str):
    """Take one management step on an account; refused forms come back with the service's reasons."""
    try:
        step()
    except InvalidInput as exc:
        return _refused(exc, user_id)
    flash(done, "info")
    return redirect(url_for("people.account", user_id=user_id))


@people.post("/people/<int:user_id>/certify")
@login_required
def certify(user_id: int):
    form = request.form
    return _act(user_id, lambda: people_service.certify(current_viewer(), user_id, form.get("level", ""),
                                                        note=form.get("note")), _l("Certification granted."))


@people.post("/people/<int:user_id>/certifications/<int:certification_id>/revoke")
@login_required
def revoke(user_id: int, certification_id: int):
    return _act(user_id, lambda: people_service.revoke_certification(current_viewer(), certification_id,
                                                                     note=request.form.get("note")),
                _l("Certification revoked."))


@people.post("/people/<int:user_id>/roles")
@login_required
def roles(user_id: int):
    form = request.form
    return _act(user_id, lambda: people_service.change_roles(current_viewer(), user_id, form.getlist("roles"),
                                                             note=form.get("note")), _l("Roles changed."))


@people.post("/people/<int:user_id>/active")
@login_required
def active(user_id: int):
    form = request.form
    return _act(user_id, lambda: people_service.set_active(current_viewer(), user_id, form.get("active") == "yes",
                                                           note=form.get("note")), _l("Account updated."))


@people.get("/agents")
@login_required
def agents():
    return render_template("people/agents.html", agents=people_service.list_agents(current_viewer()))


def _consent_page(slug: str, *, errors: list[str] | None = None, status: int = 200):
    viewer = current_viewer()
    agent = people_service.agent_for_consent(viewer, slug)
    return render_template("people/consent.html", agent=agent, choices=CREDIT_AS, errors=errors or [],
                           revisions=people_service.agent_history(viewer, agent)), status


@people.get("/agents/<slug>/consent")
@login_required
def consent(slug: str):
    return _consent_page(slug)


@people.post("/agents/<slug>/consent")
@login_required
def record_consent(slug: str):
    form = request.form
    try:
        people_service.record_consent(current_viewer(), slug, credit_as=form.get("credit_as", ""),
                                      pseudonym=form.get("pseudonym"), given_on=form.get("given_on"),
                                      withdrawn_on=form.get("withdrawn_on"))
    except InvalidInput as exc:
        return _consent_page(slug, errors=[_(exc.message), *exc.details], status=422)
    flash(_l("Consent recorded."), "info")
    return redirect(url_for("people.consent", slug=slug))
