"""The data workers' pages over HTTP: the editor form (multilingual rows, errors by field, conflicts shown
with both versions), the item's workflow page, history and comparison, restore, the review queue."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from archive.db import db
from archive.models import Item
from tests.conftest import Auth, csrf_token_of, signed_in


def _form(**overrides):
    data = {"kind": "tale", "title-0-value": "ⵜⴰⵏⴼⵓⵙⵜ ⵏ ⵡⵓⵛⵛⵏ", "title-0-lang": "zgh-Tfng",
            "title-1-value": "حكاية الذيب", "title-1-lang": "ary-Arab", "title-2-value": "", "title-2-lang": "",
            "text-0-value": "Yan wuccn iga amkkar.", "text-0-lang": "shi-Latn", "languages": ["shi-Latn", "zgh-Tfng"],
            "region": "souss-massa", "date": "1985", "subjects": "ruse, chacal", "license": "CC-BY-4.0",
            "access": "public", "labels": ["TK-A"], "lat": "", "lon": ""}
    data.update(overrides)
    return data


@pytest.fixture
def worker(app):
    return signed_in(app, "worker@example.org", "data_worker", "Amina Aït Ali")


@pytest.fixture
def reviewer(app):
    return signed_in(app, "reviewer@example.org", "reviewer", "Khadija")


def _post(client, form_url, data, to=None):
    token = csrf_token_of(client.get(form_url).get_data(as_text=True))
    return client.post(to or form_url, data={"csrf_token": token, **data})


def _created(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return re.search(r"/work/items/([a-z0-9-]+)$", response.headers["Location"]).group(1)


def test_the_editor_creates_a_draft_with_values_in_several_scripts(worker):
    page = worker.get("/work/items/new").get_data(as_text=True)
    assert 'name="title-0-lang"' in page and 'data-tifinagh-keyboard' in page and "ⵣ" in page
    public_id = _created(_post(worker, "/work/items/new", _form()))
    item = db.session.scalar(select(Item).where(Item.public_id == public_id))
    assert item.title == [{"value": "ⵜⴰⵏⴼⵓⵙⵜ ⵏ ⵡⵓⵛⵛⵏ", "lang": "zgh-Tfng"}, {"value": "حكاية الذيب", "lang": "ary-Arab"}]
    assert item.subjects == ["ruse", "chacal"] and item.labels == ["TK-A"] and item.status == "draft"
    edit = worker.get(f"/work/items/{public_id}/edit").get_data(as_text=True)
    assert 'value="حكاية الذيب" dir="rtl" lang="ary-Arab"' in edit
    assert 'name="base_version" value="1"' in edit


def test_form_errors_are_shown_next_to_their_fields_and_keep_what_was_typed(worker):
    response = _post(worker, "/work/items/new", _form(**{"title-0-lang": "Tifinagh", "date": "1985-13"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="title-errors"' in page and 'id="date-errors"' in page
    assert 'value="ⵜⴰⵏⴼⵓⵙⵜ ⵏ ⵡⵓⵛⵛⵏ"' in page  # nothing typed is lost
    assert db.session.scalar(select(Item)) is None


def test_a_concurrent_save_shows_both_versions_and_keeps_the_editors_text(app, worker):
    public_id = _created(_post(worker, "/work/items/new", _form()))
    opened = worker.get(f"/work/items/{public_id}/edit").get_data(as_text=True)
    stale_token = csrf_token_of(opened)
    # Meanwhile the same author saves from another tab.
    _post(worker, f"/work/items/{public_id}/edit", {**_form(date="1990"), "base_version": "1"})
    response = worker.post(f"/work/items/{public_id}/edit",
                           data={"csrf_token": stale_token, **_form(date="1985~"), "base_version": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert '<tr data-field="date">' in page and "1990" in page and "1985~" in page
    assert 'name="base_version" value="2"' in page and 'value="1985~"' in page
    item = db.session.scalar(select(Item).where(Item.public_id == public_id))
    assert item.date_edtf == "1990"


def test_submit_review_and_publish_through_the_pages(worker, reviewer):
    public_id = _created(_post(worker, "/work/items/new", _form()))
    page = worker.get(f"/work/items/{public_id}").get_data(as_text=True)
    assert 'value="submit"' in page and 'value="approve"' not in page
    _post(worker, f"/work/items/{public_id}", {"action": "submit", "base_version": "1"}, to=f"/work/items/{public_id}/workflow")
    queue = reviewer.get("/work/review").get_data(as_text=True)
    assert f'data-item="{public_id}"' in queue and "Amina Aït Ali" in queue
    sent_back = _post(reviewer, f"/work/items/{public_id}", {"action": "send_back", "comment": ""},
                      to=f"/work/items/{public_id}/workflow")
    assert sent_back.status_code == 422
    _post(reviewer, f"/work/items/{public_id}", {"action": "approve", "comment": "Très bien."},
          to=f"/work/items/{public_id}/workflow")
    public = worker.get(f"/items/{public_id}")
    assert public.status_code == 200 and "Khadija" in public.get_data(as_text=True)
    log = worker.get(f"/work/items/{public_id}").get_data(as_text=True)
    assert "Très bien." in log and "published" in log


def test_history_compares_and_restores(worker):
    public_id = _created(_post(worker, "/work/items/new", _form()))
    _post(worker, f"/work/items/{public_id}/edit", {**_form(**{"text-0-value": "Yan wuccn iga amkkar bahra."}),
                                                     "base_version": "1"})
    history = worker.get(f"/work/items/{public_id}/history").get_data(as_text=True)
    assert 'data-version="2"' in history and 'data-version="1"' in history
    compared = worker.get(f"/work/items/{public_id}/compare?from=1&to=2").get_data(as_text=True)
    assert "<ins>bahra.</ins>" in compared or "<ins> bahra.</ins>" in compared or re.search(r"<ins>[^<]*bahra", compared)
    assert worker.get(f"/work/items/{public_id}/compare?from=1&to=x").status_code == 400
    assert worker.get(f"/work/items/{public_id}/compare?from=1&to=7").status_code == 404
    restored = _post(worker, f"/work/items/{public_id}/history", {"base_version": "2"}, to=f"/work/items/{public_id}/restore/1")
    assert restored.status_code == 302
    item = db.session.scalar(select(Item).where(Item.public_id == public_id))
    assert item.version == 3 and item.text[0]["value"] == "Yan wuccn iga amkkar."


def test_strangers_and_visitors_are_kept_out(app, worker):
    public_id = _created(_post(worker, "/work/items/new", _form()))
    visitor = app.test_client()
    assert visitor.get("/work").status_code == 401
    assert visitor.get(f"/work/items/{public_id}/edit").status_code == 401
    Auth.user("other@example.org", roles=("data_worker",))
    other = app.test_client()
    Auth(other).sign_in("other@example.org")
    assert other.get(f"/work/items/{public_id}").status_code == 404
    assert other.get(f"/work/items/{public_id}/edit").status_code == 404
    assert other.get("/work/review").status_code == 403
    assert visitor.get(f"/items/{public_id}").status_code == 404  # a draft is not public
