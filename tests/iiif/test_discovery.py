"""IIIF Change Discovery 1.0 at /iiif/3/discovery: Create, Update and Delete activities on manifests, oldest
first, with endTime; withdrawn or newly restricted items appear as Delete; restricted items never appear
otherwise. There is no official JSON schema for the API: the required properties are checked one by one."""
from __future__ import annotations

import re
from typing import Any

import pytest
from flask_migrate import downgrade, upgrade

from archive.db import db
from archive.services.packages import import_package
from tests.conftest import tale

DISCOVERY_JSON_LD = 'application/ld+json;profile="http://iiif.io/api/discovery/1/context.json"'
CONTEXT = "http://iiif.io/api/discovery/1/context.json"
XSD_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
MANIFEST = "http://localhost/iiif/3/{}/manifest"


def _get(client, url: str) -> dict[str, Any]:
    response = client.get(url.removeprefix("http://localhost"))
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == DISCOVERY_JSON_LD
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json(force=True)


def _ref(value: Any, type_: str) -> None:
    assert isinstance(value, dict) and set(value) == {"id", "type"}
    assert value["type"] == type_ and re.match(r"^https?://", value["id"])


def _check_collection(collection: dict[str, Any]) -> None:
    """Section 3.1: @context first, id, type, last (required), first, totalItems."""
    assert next(iter(collection)) == "@context" and collection["@context"] == CONTEXT
    assert collection["id"] == "http://localhost/iiif/3/discovery"
    assert collection["type"] == "OrderedCollection"
    _ref(collection["last"], "OrderedCollectionPage")
    _ref(collection["first"], "OrderedCollectionPage")
    assert isinstance(collection["totalItems"], int) and collection["totalItems"] >= 0


def _check_page(page: dict[str, Any], collection: dict[str, Any], *, first: bool, last: bool) -> None:
    """Section 3.2: id, type, partOf, startIndex, prev unless first, next unless last, orderedItems not empty;
    section 3.3: each Activity's type, object (id, type Manifest), endTime in UTC."""
    assert next(iter(page)) == "@context" and page["@context"] == CONTEXT
    assert page["type"] == "OrderedCollectionPage" and re.match(r"^https?://", page["id"])
    assert page["partOf"] == {"id": collection["id"], "type": "OrderedCollection"}
    assert isinstance(page["startIndex"], int) and page["startIndex"] >= 0
    if first:
        assert "prev" not in page
    else:
        _ref(page["prev"], "OrderedCollectionPage")
    if last:
        assert "next" not in page
    else:
        _ref(page["next"], "OrderedCollectionPage")
    assert isinstance(page["orderedItems"], list) and page["orderedItems"]
    for activity in page["orderedItems"]:
        assert activity["type"] in {"Create", "Update", "Delete"}
        _ref(activity["object"], "Manifest")
        assert XSD_UTC.match(activity["endTime"])
    times = [a["endTime"] for a in page["orderedItems"]]
    assert times == sorted(times)


def _stream(client) -> list[tuple[str, str]]:
    """Every activity as (type, manifest id), read as the specification's consumers do: from the last
    page backwards; returned oldest first."""
    collection = _get(client, "/iiif/3/discovery")
    _check_collection(collection)
    activities: list[dict[str, Any]] = []
    url, is_last = collection["last"]["id"], True
    while url:
        page = _get(client, url)
        _check_page(page, collection, first="prev" not in page, last=is_last)
        assert page["startIndex"] == collection["totalItems"] - len(activities) - len(page["orderedItems"])
        activities = page["orderedItems"] + activities
        url, is_last = page.get("prev", {}).get("id"), False
    assert page["id"] == collection["first"]["id"]
    assert len(activities) == collection["totalItems"]
    times = [a["endTime"] for a in activities]
    assert times == sorted(times)
    return [(a["type"], a["object"]["id"]) for a in activities]


def _import(make_package, *lines: dict[str, Any]) -> None:
    import_package(make_package(list(lines)))


@pytest.fixture
def title():
    return [{"value": "Le conte du poisson", "lang": "fr"}]


def test_a_create_an_update_and_a_withdrawal_in_order_and_restricted_items_never(app, client, make_package, title):
    app.config["IIIF_DISCOVERY_PAGE_SIZE"] = 2
    restricted = tale("tw-restricted", access="registered")
    secret = tale("tw-secret-001", labels=["TK-SS"])
    draft = tale("tw-draft-0001", status="draft")
    _import(make_package, tale(), restricted, secret, draft)
    assert _stream(client) == [("Create", MANIFEST.format("tw-tale-0001"))]

    _import(make_package, tale(title=title), restricted, secret, draft)  # the public item changed
    _import(make_package, tale(title=title), dict(restricted, title=title), secret, draft)  # only hidden ones changed
    _import(make_package, tale(title=title, status="withdrawn"), restricted, secret, draft)
    assert _stream(client) == [("Create", MANIFEST.format("tw-tale-0001")), ("Update", MANIFEST.format("tw-tale-0001")),
                               ("Delete", MANIFEST.format("tw-tale-0001"))]
    assert client.get("/iiif/3/tw-tale-0001/manifest").status_code == 404
    # restricted items appear in neither the stream nor search
    assert client.get("/iiif/3/tw-restricted/search?q=poisson").status_code == 401
    assert client.get("/iiif/3/tw-secret-001/search?q=poisson").status_code == 404
    assert not client.get("/api/search?q=poisson").get_json()["total"]


def test_newly_restricted_items_are_deleted_and_republished_ones_created_again(app, client, make_package):
    _import(make_package, tale(), tale("tw-tale-0002"))
    _import(make_package, tale(access="researcher"), tale("tw-tale-0002"))
    _import(make_package, tale(access="researcher", labels=["TK-A", "TK-CV"]), tale("tw-tale-0002"))  # still hidden
    _import(make_package, tale(), tale("tw-tale-0002", labels=["TK-SS"]))
    first, second = MANIFEST.format("tw-tale-0001"), MANIFEST.format("tw-tale-0002")
    assert _stream(client) == [("Create", first), ("Create", second), ("Delete", first), ("Create", first),
                               ("Delete", second)]


def test_credit_changes_update_the_items_that_credit_the_agent(client, make_package):
    agents = [{"id": "samir", "name": "Samir Oubella", "kind": "person"}]
    import_package(make_package([tale()], agents=agents))
    import_package(make_package([tale()], agents=[dict(agents[0], consent={"given": "2024-01-01", "withdrawn": "2025-01-01"})]))
    assert _stream(client) == [("Create", MANIFEST.format("tw-tale-0001")), ("Update", MANIFEST.format("tw-tale-0001"))]


def test_an_empty_archive_has_a_valid_stream_of_one_refresh_and_pages_past_the_end_are_404(client, make_package):
    # Section 3.1: an OrderedCollection MUST have `last`; section 3.2: a page's orderedItems MUST hold at least
    # one activity. With nothing public yet, the stream is a Refresh (section 2.1.5) and nothing after it.
    collection = _get(client, "/iiif/3/discovery")
    _check_collection(collection)
    assert collection["totalItems"] == 1 and collection["first"] == collection["last"]
    assert collection["last"]["id"] == "http://localhost/iiif/3/discovery/page/1"
    page = _get(client, collection["last"]["id"])
    assert page["partOf"] == {"id": collection["id"], "type": "OrderedCollection"} and page["startIndex"] == 0
    assert "prev" not in page and "next" not in page
    [refresh] = page["orderedItems"]
    assert set(refresh) == {"type", "startTime"} and refresh["type"] == "Refresh"
    assert XSD_UTC.match(refresh["startTime"])
    assert client.get("/iiif/3/discovery/page/2").status_code == 404
    assert client.get("/iiif/3/discovery/page/0").status_code == 404
    # The first change replaces it: the stream then holds only real activities.
    _import(make_package, tale())
    assert _stream(client) == [("Create", MANIFEST.format("tw-tale-0001"))]
    response = client.get("/iiif/3/discovery")
    assert client.get("/iiif/3/discovery", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_the_migration_starts_the_stream_of_an_existing_archive_with_its_public_items(app, client, make_package):
    _import(make_package, tale(), tale("tw-restricted", access="registered"), tale("tw-secret-001", labels=["TK-SS"]),
            tale("tw-tale-0002"))
    db.session.remove()
    downgrade(revision="0003_accounts")
    upgrade()
    assert _stream(client) == [("Create", MANIFEST.format("tw-tale-0001")), ("Create", MANIFEST.format("tw-tale-0002"))]

