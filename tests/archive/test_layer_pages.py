"""The annotation editor over HTTP: a layer per media file saved from the form (selector typed, as without
JavaScript), submitted, reviewed from the queue, and the vocabularies page for curators."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.db import db
from archive.models import Annotation, Item
from archive.services.packages import import_package
from tests.conftest import csrf_token_of, signed_in, tale


@pytest.fixture
def item(app, make_package):
    import_package(make_package([tale()]))
    return db.session.scalar(select(Item).where(Item.public_id == "tw-tale-0001"))


def _post(client, page_url, data, to):
    token = csrf_token_of(client.get(page_url).get_data(as_text=True))
    return client.post(to, data={"csrf_token": token, **data})


def test_a_worker_annotates_an_image_and_a_reviewer_corrects_it_from_the_queue(app, item):
    worker = signed_in(app, "worker@example.org", "data_worker", "Amina Aït Ali")
    image = item.media[1].public_id
    editor = f"/work/items/{item.public_id}/media/{image}"
    assert f'href="{editor}"' in worker.get(f"/work/items/{item.public_id}").get_data(as_text=True)
    page = worker.get(editor).get_data(as_text=True)
    assert "vendor/annotorious/annotorious.js" in page and "data-annotate" in page and "data-tifinagh-keyboard" in page

    refused = _post(worker, editor, {"selector": "xywh=0,0,90,90", "tag": "ⴰⵣⵓⵍ"}, editor)
    assert refused.status_code == 422 and "lies outside" in refused.get_data(as_text=True)
    assert _post(worker, editor, {"selector": "xywh=1,0,2,2", "tag": "ⴰⵣⵓⵍ"}, editor).status_code == 302
    annotation = db.session.scalar(select(Annotation).where(Annotation.tag == "ⴰⵣⵓⵍ"))
    assert annotation.status == "draft"
    assert "ⴰⵣⵏ ⴰⵙⵏⴰⵖ ⵉⵏⵓ ⵉ ⵓⵙⵙⴼⵔⵓ" in worker.get(editor, headers={"Accept-Language": "zgh"}).get_data(as_text=True)
    submitted = _post(worker, editor, {}, f"{editor}/submit")
    assert submitted.status_code == 302
    assert "1 annotation soumise à la relecture." in worker.get(editor).get_data(as_text=True)
    db.session.refresh(annotation)
    assert annotation.status == "pending"

    reviewer = signed_in(app, "reviewer@example.org", "reviewer", "Khadija")
    queue = reviewer.get("/work/review").get_data(as_text=True)
    assert f'data-layer="{annotation.public_id}"' in queue
    response = _post(reviewer, editor, {"action": "correct", "base_version": str(annotation.version),
                                        "selector": "xywh=0,0,2,2", "tag": "ⴰⵣⵓⵍ ⵎⵇⵇⵓⵔ"}, f"/work/layers/{annotation.public_id}")
    assert response.status_code == 302
    db.session.refresh(annotation)
    assert (annotation.status, annotation.tag) == ("approved", "ⴰⵣⵓⵍ ⵎⵇⵇⵓⵔ")
    public = app.test_client().get(f"/items/{item.public_id}").get_data(as_text=True)
    assert "ⴰⵣⵓⵍ ⵎⵇⵇⵓⵔ" in public and "Amina Aït Ali" in public and "Khadija" in public


def test_audio_layers_have_the_player_marks_and_reviewers_may_not_review_their_own(app, item):
    reviewer = signed_in(app, "reviewer@example.org", "reviewer", "Khadija")
    audio = item.media[0].public_id
    editor = f"/work/items/{item.public_id}/media/{audio}"
    page = reviewer.get(editor).get_data(as_text=True)
    assert "data-layer-player" in page and 'data-mark="start"' in page and 'data-mark="end"' in page
    _post(reviewer, editor, {"selector": "t=0.2,1.1", "body_value": "ⴰⵣⵓⵍ", "body_lang": "zgh-Tfng"}, editor)
    _post(reviewer, editor, {}, f"{editor}/submit")
    annotation = db.session.scalar(select(Annotation).where(Annotation.body_value == "ⴰⵣⵓⵍ"))
    assert annotation.status == "pending"
    response = _post(reviewer, editor, {"action": "approve"}, f"/work/layers/{annotation.public_id}")
    assert response.status_code == 403
    response = _post(reviewer, editor, {"action": "send_back"}, f"/work/layers/{annotation.public_id}")
    assert response.status_code in (403, 422)
    assert app.test_client().get(editor).status_code in (302, 401)


def test_curators_maintain_vocabularies_and_workers_pick_terms(app, item):
    curator = signed_in(app, "curator@example.org", "curator", "Curator")
    _post(curator, "/work/vocabularies", {"slug": "motifs", "label_value": ["ⵉⵣⵓⵎⴰⵎ", "", "Motifs"],
                                          "label_lang": ["zgh-Tfng", "ar", "fr"]}, "/work/vocabularies")
    response = _post(curator, "/work/vocabularies", {"vocabulary": "motifs", "slug": "losange",
                                                     "label_value": ["ⵜⴰⵍⵓⵣⵉⵏⵜ", "معين", "losange"],
                                                     "label_lang": ["zgh-Tfng", "ar", "fr"]}, "/work/vocabularies")
    assert response.status_code == 302
    page = curator.get("/work/vocabularies").get_data(as_text=True)
    assert 'data-term="losange"' in page and "ⵜⴰⵍⵓⵣⵉⵏⵜ" in page
    worker = signed_in(app, "worker@example.org", "data_worker", "Amina")
    assert "ⵜⴰⵍⵓⵣⵉⵏⵜ · معين · losange" in worker.get(f"/work/items/{item.public_id}/media/{item.media[1].public_id}").get_data(as_text=True)
    refused = _post(worker, "/work/vocabularies", {"slug": "materials", "label_value": ["Matériaux"], "label_lang": ["fr"]},
                    "/work/vocabularies")
    assert refused.status_code == 403
