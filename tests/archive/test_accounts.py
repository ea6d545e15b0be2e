"""Accounts: hashing, signing in and out (everywhere), throttling, CSRF, invitations, password resets,
registration, cookies, and what each account may see."""
from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from sqlalchemy import select, update

from archive.db import db
from archive.errors import AccessDenied, InvalidInput, NotFound
from archive.models import Invitation, LoginFailure, User
from archive.services import accounts as account_service
from archive.services.packages import import_package
from tests.conftest import TEST_PASSWORD, Auth, csrf_token_of, tale


@pytest.fixture
def archive(app, make_package):
    lines = [
        tale(),
        tale("tw-registered", title=[{"value": "Pour les inscrits", "lang": "fr"}], access="registered"),
        tale("tw-research", title=[{"value": "Pour les chercheurs", "lang": "fr"}], access="researcher"),
        tale("tw-community", title=[{"value": "Du village", "lang": "fr"}], access="community:fishers-essaouira"),
        tale("tw-private-01", title=[{"value": "Privé absolu", "lang": "fr"}], access="private"),
    ]
    import_package(make_package(lines))


def _location(response) -> str:
    return response.headers.get("Location", "")


# ------------------------------------------------------------------------------------------ passwords

def test_passwords_are_stored_as_memory_hard_hashes(app, auth):
    user = auth.user()
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert TEST_PASSWORD not in user.password_hash


@pytest.mark.parametrize("password, problem", [("short", "at least 10"), ("worker@example.org", "e-mail"),
                                               ("x" * 2000, "at most")])
def test_weak_or_absurd_passwords_are_refused(app, password, problem):
    with pytest.raises(InvalidInput) as refused:
        account_service.create_user("worker@example.org", "Fatima", password)
    assert any(problem in detail for detail in refused.value.details)
    assert db.session.scalar(select(User)) is None


def test_addresses_are_unique_whatever_their_case(app, auth):
    auth.user("Worker@Example.org")
    with pytest.raises(InvalidInput, match="exists already"):
        auth.user("worker@example.ORG")


# ------------------------------------------------------------------------------------------ signing in

def test_sign_in_then_out(client, auth):
    auth.user()
    response = auth.sign_in()
    assert response.status_code == 302 and _location(response).endswith("/account")
    page = client.get("/account").get_data(as_text=True)
    assert "Fatima Zahra" in page and "worker@example.org" in page
    assert auth.sign_out().status_code == 302
    assert client.get("/account").status_code == 401


def test_wrong_password_and_unknown_address_get_the_same_answer(client, auth):
    auth.user()
    wrong_password = auth.sign_in(password="not the password")
    unknown = auth.sign_in(email="nobody@example.org")
    assert wrong_password.status_code == unknown.status_code == 401
    for response in (wrong_password, unknown):
        assert "Wrong e-mail address or password" in response.get_data(as_text=True) or \
            "Adresse électronique ou mot de passe erroné" in response.get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(client, auth):
    auth.user()
    response = client.post("/sign-in", data={"email": "worker@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "form" in response.get_data(as_text=True).lower()
    assert client.get("/account").status_code == 401


def test_sign_out_needs_the_csrf_token_too(client, auth):
    auth.user()
    auth.sign_in()
    assert client.post("/sign-out").status_code == 400
    assert client.get("/account").status_code == 200


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(client, auth):
    auth.user()
    assert _location(auth.sign_in(next_url="/items?kind=tale")).endswith("/items?kind=tale")
    client.post("/sign-out", data={"csrf_token": csrf_token_of(client.get("/account").get_data(as_text=True))})
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert _location(auth.sign_in(next_url=target)).endswith("/account"), target
        auth.sign_out()


def test_repeated_failures_throttle_the_account_then_the_window_passes(client, auth):
    auth.user()
    for _ in range(5):
        assert auth.sign_in(password="guess guess guess").status_code == 401
    throttled = auth.sign_in()  # even the right password waits
    assert throttled.status_code == 429
    assert client.get("/account").status_code == 401
    # The window passes (the failures age): the right password works again and the slate is cleaned.
    db.session.execute(update(LoginFailure).values(at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)))
    db.session.commit()
    assert auth.sign_in().status_code == 302
    assert db.session.scalar(select(LoginFailure)) is None


def test_a_deactivated_account_cannot_sign_in_and_its_sessions_end(client, auth):
    user = auth.user()
    auth.sign_in()
    user.active = False
    db.session.commit()
    assert client.get("/account").status_code == 401
    assert auth.sign_in().status_code == 401


def test_sign_out_everywhere_ends_other_sessions_and_remember_cookies(app, auth):
    auth.user()
    laptop, phone = app.test_client(), app.test_client()
    auth.sign_in(client=laptop)
    auth.sign_in(client=phone, remember=True)
    phone.delete_cookie("session")  # the browser was closed: only the remember-me cookie is left
    assert phone.get("/account").status_code == 200
    token = csrf_token_of(laptop.get("/account").get_data(as_text=True))
    assert laptop.post("/account/sign-out-everywhere", data={"csrf_token": token}).status_code == 302
    assert laptop.get("/account").status_code == 401
    phone.delete_cookie("session")
    assert phone.get("/account").status_code == 401


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, auth):
    auth.user()
    here, elsewhere = app.test_client(), app.test_client()
    auth.sign_in(client=here)
    auth.sign_in(client=elsewhere)
    response = auth.post_form("/account", {"current_password": TEST_PASSWORD, "password": "a new long password",
                                           "confirm": "a new long password"}, to="/account/password", client=here)
    assert response.status_code == 302
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 401
    assert auth.sign_in(password="a new long password", client=elsewhere).status_code == 302


def test_changing_the_password_needs_the_current_one(client, auth):
    auth.user()
    auth.sign_in()
    response = auth.post_form("/account", {"current_password": "wrong wrong wrong", "password": "a new long password",
                                           "confirm": "a new long password"}, to="/account/password")
    assert response.status_code == 422
    assert auth.sign_in(password=TEST_PASSWORD).status_code == 302


def test_cookies_are_secure_http_only_and_same_site_by_default(tmp_path, migrated_template):
    from tests.conftest import fresh_app

    with fresh_app(tmp_path / "data", migrated_template) as app:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)  # as the default settings say
        assert app.config["SECURE_COOKIES"] is False  # the test settings turned it off; the default is on
        import config

        assert config.SECURE_COOKIES is True
        client = app.test_client()
        Auth.user()
        response = Auth(client).sign_in(remember=True)
        cookies = response.headers.getlist("Set-Cookie")
        for name in ("session=", "remember_token="):
            cookie = next(c for c in cookies if c.startswith(name))
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_answers_to_a_signed_in_person_are_private(client, auth, archive):
    auth.user()
    auth.sign_in()
    response = client.get("/items/tw-registered")
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
    assert "Cookie" in response.headers["Vary"]


# ------------------------------------------------------------------------------------------ who sees what

@pytest.mark.parametrize("public_id, visitor, reader, researcher, member, curator", [
    ("tw-tale-0001", 200, 200, 200, 200, 200),
    ("tw-registered", 401, 200, 200, 200, 200),
    ("tw-research", 401, 403, 200, 403, 200),
    ("tw-community", 401, 403, 403, 200, 200),
    ("tw-private-01", 404, 404, 404, 404, 200),
])
def test_each_account_sees_what_its_roles_and_communities_open(app, archive, public_id, visitor, reader, researcher,
                                                                 member, curator):
    accounts = {
        "reader": Auth.user("reader@example.org"),
        "researcher": Auth.user("researcher@example.org", roles=("researcher",)),
        "member": Auth.user("member@example.org", communities=("fishers-essaouira",)),
        "curator": Auth.user("curator@example.org", roles=("curator",)),
    }
    assert app.test_client().get(f"/items/{public_id}").status_code == visitor
    for name, expected in (("reader", reader), ("researcher", researcher), ("member", member), ("curator", curator)):
        client = app.test_client()
        Auth(client).sign_in(accounts[name].email)
        assert client.get(f"/items/{public_id}").status_code == expected, name


def test_a_community_member_finds_the_community_item_in_lists_and_search(app, archive):
    Auth.user("member@example.org", communities=("fishers-essaouira",))
    Auth.user("reader@example.org")
    member, reader = app.test_client(), app.test_client()
    Auth(member).sign_in("member@example.org")
    Auth(reader).sign_in("reader@example.org")
    assert "Du village" in member.get("/items").get_data(as_text=True)
    assert "Du village" not in reader.get("/items").get_data(as_text=True)
    member_hits = member.get("/api/search?q=village").get_json()
    reader_hits = reader.get("/api/search?q=village").get_json()
    assert member_hits["total"] == 1 and reader_hits["total"] == 0


def test_a_visitor_asked_to_sign_in_gets_a_link_back(client, archive):
    response = client.get("/items/tw-registered")
    assert response.status_code == 401
    assert 'href="/sign-in?next=/items/tw-registered' in response.get_data(as_text=True)


# ------------------------------------------------------------------------------------------ invitations

def _invitation_link(page: str) -> str:
    match = re.search(r'value="http://localhost(/invitations/[^"]+)"', page)
    assert match, "no invitation link on the page"
    return match.group(1)


def test_a_curator_invites_a_data_worker_who_joins_with_roles_and_community(app, client, auth, archive, caplog):
    auth.user("curator@example.org", roles=("curator",))
    auth.sign_in("curator@example.org")
    with caplog.at_level(logging.WARNING):
        response = auth.post_form("/manage/invitations", {"email": "amina@example.org", "roles": ["data_worker"],
                                                          "communities": "fishers-essaouira"})
    assert response.status_code == 200
    link = _invitation_link(response.get_data(as_text=True))
    assert link in caplog.text and "amina@example.org" in caplog.text  # the mail, logged without an SMTP server
    assert "amina@example.org" in client.get("/manage/invitations").get_data(as_text=True)

    newcomer = app.test_client()
    page = newcomer.get(link).get_data(as_text=True)
    assert "amina@example.org" in page
    joined = Auth(newcomer).post_form(link, {"display_name": "Amina Aït Ali", "password": "tifinagh ⵜⵉⴼⵉⵏⴰⵖ",
                                             "confirm": "tifinagh ⵜⵉⴼⵉⵏⴰⵖ"})
    assert joined.status_code == 302
    user = account_service.user_by_email("amina@example.org")
    assert user.roles == ["data_worker"] and [c.slug for c in user.communities] == ["fishers-essaouira"]
    assert newcomer.get("/items/tw-community").status_code == 200
    # The link works once.
    again = app.test_client().get(link)
    assert again.status_code == 422 and "used already" in again.get_data(as_text=True)


def test_only_curators_invite_and_only_admins_make_curators(app, auth):
    worker = auth.user("worker@example.org", roles=("data_worker",))
    curator = auth.user("curator@example.org", roles=("curator",))
    admin = auth.user("admin@example.org", roles=("admin",))
    with pytest.raises(AccessDenied):
        account_service.invite(worker, "x@example.org", ["data_worker"])
    with pytest.raises(AccessDenied):
        account_service.invite(None, "x@example.org", ["data_worker"])
    with pytest.raises(AccessDenied, match="admin"):
        account_service.invite(curator, "x@example.org", ["curator"])
    invitation, _ = account_service.invite(admin, "x@example.org", ["researcher", "curator"])
    assert invitation.roles == ["curator", "researcher"]
    with pytest.raises(InvalidInput, match="certified"):  # reviewers are certified workers, never invited as such
        account_service.invite(admin, "y@example.org", ["data_worker", "reviewer"])
    with pytest.raises(InvalidInput, match="role"):
        account_service.invite(admin, "y@example.org", ["superuser"])
    with pytest.raises(InvalidInput, match="community"):
        account_service.invite(admin, "y@example.org", ["data_worker"], communities=["atlantis"])


def test_a_data_worker_cannot_open_the_invitation_page(client, auth):
    auth.user(roles=("data_worker",))
    auth.sign_in()
    assert client.get("/manage/invitations").status_code == 403


def test_expired_revoked_and_forged_invitations_are_refused(app, client, auth):
    curator = auth.user("curator@example.org", roles=("curator",))
    _, expired = account_service.invite(curator, "late@example.org", ["data_worker"], lifetime=dt.timedelta(seconds=-1))
    revoked_invitation, revoked = account_service.invite(curator, "gone@example.org", ["data_worker"])
    account_service.revoke_invitation(curator, revoked_invitation.id)
    assert client.get(f"/invitations/{expired}").status_code == 422
    assert client.get(f"/invitations/{revoked}").status_code == 404
    assert client.get("/invitations/not-a-real-token").status_code == 404
    assert db.session.scalar(select(User).where(User.email.in_(["late@example.org", "gone@example.org"]))) is None
    assert account_service.pending_invitations(curator) == []


def test_only_a_hash_of_the_invitation_token_is_stored(app, auth):
    curator = auth.user("curator@example.org", roles=("curator",))
    _, token = account_service.invite(curator, "amina@example.org", ["data_worker"])
    stored = db.session.scalar(select(Invitation))
    assert token not in stored.token_hash and len(stored.token_hash) == 64


# ------------------------------------------------------------------------------------------ password reset

def _reset_link(caplog) -> str:
    match = re.search(r"http://localhost(/password/reset/\S+)", caplog.text)
    assert match, "no reset link was sent"
    return match.group(1)


def test_a_forgotten_password_is_reset_once_through_the_mailed_link(app, client, auth, caplog):
    auth.user()
    other_device = app.test_client()
    auth.sign_in(client=other_device)
    with caplog.at_level(logging.WARNING):
        answer = auth.post_form("/password/forgot", {"email": "WORKER@example.org"})
    assert answer.status_code == 200
    link = _reset_link(caplog)
    done = auth.post_form(link, {"password": "a brand new password", "confirm": "a brand new password"})
    assert done.status_code == 302
    assert other_device.get("/account").status_code == 401  # every other session ended
    assert auth.sign_in(password="a brand new password", client=app.test_client()).status_code == 302
    assert app.test_client().get(link).status_code == 422  # used: no second reset with the same link


def test_a_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(client, auth, caplog):
    auth.user()
    with caplog.at_level(logging.WARNING):
        unknown = auth.post_form("/password/forgot", {"email": "nobody@example.org"})
    known_page = auth.post_form("/password/forgot", {"email": "worker@example.org"}).get_data(as_text=True)
    assert unknown.get_data(as_text=True) == known_page
    assert "/password/reset/" not in caplog.text.split("worker@example.org")[0]


def test_expired_and_forged_reset_links_are_refused(app, auth):
    auth.user()
    _, token = account_service.password_reset_token("worker@example.org", app.config["SECRET_KEY"])
    with pytest.raises(InvalidInput, match="expired"):
        account_service.check_password_reset(token, app.config["SECRET_KEY"], dt.timedelta(seconds=-1))
    with pytest.raises(NotFound):
        account_service.check_password_reset(token, "another secret", dt.timedelta(hours=2))
    assert app.test_client().get(f"/password/reset/{token[:-3]}xyz").status_code == 404


def test_reset_mail_goes_through_a_real_smtp_server(app, auth, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False)
    auth.user()
    auth.post_form("/password/forgot", {"email": "worker@example.org"})
    assert len(smtp_server.messages) == 1
    sender, recipients, body = smtp_server.messages[0]
    assert recipients == ["worker@example.org"]
    assert "/password/reset/" in body


# ------------------------------------------------------------------------------------------ registration and CLI

def test_registration_creates_a_reader_account(client, auth, archive):
    response = auth.post_form("/register", {"display_name": "Youssef", "email": "youssef@example.org",
                                            "password": "long enough pass", "confirm": "long enough pass"})
    assert response.status_code == 302
    user = account_service.user_by_email("youssef@example.org")
    assert user.roles == []
    assert client.get("/items/tw-registered").status_code == 200
    assert client.get("/items/tw-research").status_code == 403


def test_registration_reports_problems_on_the_form(client, auth):
    auth.user("taken@example.org")
    response = auth.post_form("/register", {"display_name": "X", "email": "taken@example.org",
                                            "password": "long enough pass", "confirm": "long enough pass"})
    assert response.status_code == 422 and "already registered" in response.get_data(as_text=True)
    response = auth.post_form("/register", {"display_name": "X", "email": "new@example.org",
                                            "password": "long enough pass", "confirm": "another pass!!"})
    assert response.status_code == 422
    assert account_service.user_by_email("new@example.org") is None


def test_registration_can_be_closed(app, client):
    app.config["REGISTRATION_OPEN"] = False
    assert client.get("/register").status_code == 404
    assert "/register" not in client.get("/sign-in").get_data(as_text=True)


def test_the_first_admin_is_created_from_the_command_line(app, runner):
    result = runner.invoke(args=["archive", "create-user", "admin@example.org", "--name", "Admin", "--role", "admin",
                                 "--password", "a long admin password"])
    assert result.exit_code == 0, result.output
    assert account_service.user_by_email("admin@example.org").roles == ["admin"]
    refused = runner.invoke(args=["archive", "create-user", "bad", "--name", "X", "--password", "a long admin password"])
    assert refused.exit_code == 1 and "not an e-mail address" in refused.output
