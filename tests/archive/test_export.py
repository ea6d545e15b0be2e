"""Export writes the import format: export -> import into an empty archive -> export is identical."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from archive.errors import PackageError
from archive.services.packages import export_package, import_package
from tests.conftest import archive_state, empty_archive, tale


def checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_export_import_export_round_trips_byte_for_byte(app, make_package, tmp_path):
    collections = [{"slug": "coastal-tales", "title": [{"value": "Contes de la côte", "lang": "fr"},
                                                       {"value": "حكايات الساحل", "lang": "ar"}]}]
    agents = [{"id": "samir", "name": "Abdessamad Oubella", "kind": "person", "pseudonym": "Sam", "credit_as": "pseudonym",
               "region": "souss-massa", "bio": [{"value": "Transcripteur à Agadir.", "lang": "fr"}],
               "orcid": "0000-0002-1825-0097", "consent": {"given": "2024-02-01"}}]
    lines = [tale(), tale("tw-tale-0002", access="community:fishers-essaouira", status="draft"),
             tale("tw-tale-0003", access="researcher", labels=["TK-CV", "BC-P"])]
    import_package(make_package(lines, agents=agents, collections=collections))

    first = tmp_path / "first"
    report = export_package(first)
    assert (report.items, report.files) == (3, 6)

    empty_archive()
    import_package(first)
    second = tmp_path / "second"
    export_package(second)

    assert checksums(first) == checksums(second)
    assert (first / "items.jsonl").read_bytes() == (second / "items.jsonl").read_bytes()
    assert (first / "items.jsonl").read_text(encoding="utf-8").count("\n") == 3


def test_an_export_reimported_into_the_same_archive_changes_nothing(app, make_package, tmp_path):
    import_package(make_package([tale(), tale("tw-tale-0002")]))
    export_package(tmp_path / "out")
    before = archive_state()
    report = import_package(tmp_path / "out")
    assert not report.changed and report.items_unchanged == 2
    assert archive_state() == before


def test_collection_order_survives_the_round_trip(app, make_package, tmp_path):
    lines = [tale(f"tw-ordered-{n}", media=[], annotations=[]) for n in "abc"]
    order = [{"slug": "coastal-tales", "title": [{"value": "Côte", "lang": "fr"}],
              "items": ["tw-ordered-c", "tw-ordered-a", "tw-ordered-b"]}]
    import_package(make_package(lines, files={}, collections=order))
    export_package(tmp_path / "out")
    exported = (tmp_path / "out" / "collections.jsonl").read_text(encoding="utf-8")
    assert '"items":["tw-ordered-c","tw-ordered-a","tw-ordered-b"]' in exported


def test_export_refuses_a_folder_that_holds_files(app, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    with pytest.raises(PackageError, match="not empty"):
        export_package(tmp_path / "busy")
    assert (tmp_path / "busy" / "keep.txt").read_text() == "mine"


WITHDRAWN = [{"id": "lalla-rqia", "name": "Lalla Rqia", "kind": "person", "consent": {"given": "2020-01-01", "withdrawn": "2025-06-01"}},
             {"id": "samir", "name": "Samir Oubella", "kind": "person", "consent": {"given": "2021-01-01", "withdrawn": "2025-07-01"}}]


def test_agents_who_withdrew_are_named_only_in_agents_jsonl_and_the_round_trip_holds(app, make_package, tmp_path):
    import json

    from sqlalchemy import select

    from archive.db import db
    from archive.models import Agent, Revision

    package = make_package([tale(), tale("tw-tale-0002")], agents=WITHDRAWN)
    import_package(package)
    first = tmp_path / "first"
    export_package(first)
    items = (first / "items.jsonl").read_text(encoding="utf-8")
    assert "Lalla Rqia" not in items and "Samir Oubella" not in items
    line = json.loads(items.splitlines()[0])
    assert {"role": "nrt", "id": "lalla-rqia"} in line["contributors"]
    assert line["annotations"][0]["creator"] == {"id": "samir"} and line["media"][1]["creator"] == {"id": "samir"}
    agents = {a["id"]: a for a in map(json.loads, (first / "agents.jsonl").read_text(encoding="utf-8").splitlines())}
    assert agents["lalla-rqia"]["name"] == "Lalla Rqia" and agents["lalla-rqia"]["consent"]["withdrawn"] == "2025-06-01"
    # Nor do the revisions keep the name in the item's record.
    assert not any("Lalla Rqia" in json.dumps(r.snapshot, ensure_ascii=False)
                   for r in db.session.scalars(select(Revision).where(Revision.entity_type == "item")))

    # The package that named them changes nothing, and neither does the export, in the archive they came from.
    before = archive_state()
    assert not import_package(package).changed and not import_package(first).changed
    assert archive_state() == before

    # A restore keeps the person and their withdrawal; its export is the same, names still absent from items.
    empty_archive()
    import_package(first)
    restored = db.session.scalar(select(Agent).where(Agent.slug == "lalla-rqia"))
    assert restored.name == "Lalla Rqia" and restored.consent_withdrawn
    second = tmp_path / "second"
    export_package(second)
    assert checksums(first) == checksums(second)

    # Consent given again: the item lines name them again (a change of the agent, not of the items).
    db.session.scalar(select(Agent).where(Agent.slug == "lalla-rqia")).consent_withdrawn_on = None
    db.session.commit()
    third = tmp_path / "third"
    export_package(third)
    assert '{"name":"Lalla Rqia","role":"nrt","id":"lalla-rqia"}' in (third / "items.jsonl").read_text(encoding="utf-8")


def test_a_reference_by_id_alone_must_name_a_known_agent(app, make_package):
    line = tale(contributors=[{"role": "nrt", "id": "nobody-known"}], community={"id": "fishers-essaouira"})
    with pytest.raises(PackageError) as refused:
        import_package(make_package([line]))
    assert any("contributors[0]: unknown agent 'nobody-known'" in detail for detail in refused.value.details)
    assert any("community: unknown agent 'fishers-essaouira'" in detail for detail in refused.value.details)
    with pytest.raises(PackageError) as nameless:
        import_package(make_package([tale(contributors=[{"role": "nrt"}])]))
    assert any("contributors[0]" in detail for detail in nameless.value.details)
