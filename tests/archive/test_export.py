"""Export writes the import format: export -> import into an empty archive -> export is identical."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.db import db
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


# ------------------------------------------------------------------------------------------ vocabularies

MOTIFS = {"slug": "motifs", "label": [{"value": "ⵉⵎⵙⴽⴰⵍ", "lang": "zgh-Tfng"}, {"value": "Motifs", "lang": "fr"}],
          "terms": [{"slug": "losange", "labels": [{"value": "ⴰⵎⵙⴽⵓⵍ", "lang": "zgh-Tfng"}, {"value": "losange", "lang": "fr"}]},
                    {"slug": "poisson", "labels": [{"value": "الحوت", "lang": "ary-Arab"}]}]}


def _tagged(item_id: str = "tw-tale-0001", term: str = "motifs/poisson"):
    line = tale(item_id)
    line["annotations"][2] = {"media": 1, "motivation": "tagging", "tag": "الحوت", "term": term, "selector": "xywh=0,0,2,2"}
    return line


def test_vocabularies_and_the_terms_layers_were_tagged_with_round_trip_byte_for_byte(app, make_package, tmp_path):
    from archive.models import Annotation
    from archive.services import annotations
    from tests.conftest import quick_account

    report = import_package(make_package([_tagged()], vocabularies=[MOTIFS]))
    assert (report.vocabularies_created, report.vocabularies_updated) == (1, 0)
    curator = quick_account(("curator",), "Curator")  # and one made in the pages, as curators do
    annotations.create_vocabulary(curator, "materiaux", [{"value": "Matériaux", "lang": "fr"}])
    annotations.add_term(curator, "materiaux", "laine", [{"value": "ⵜⴰⴹⵓⵜ", "lang": "zgh-Tfng"}, {"value": "laine", "lang": "fr"}])
    [tagged] = [a for a in db.session.scalars(select(Annotation)) if a.term is not None]
    assert (tagged.term.vocabulary.slug, tagged.term.slug, tagged.tag) == ("motifs", "poisson", "الحوت")

    first = tmp_path / "first"
    assert export_package(first).vocabularies == 2
    exported = (first / "vocabularies.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["slug"] for line in exported] == ["materiaux", "motifs"]
    assert json.loads(exported[1]) == MOTIFS
    assert '"term":"motifs/poisson"' in (first / "items.jsonl").read_text(encoding="utf-8")

    empty_archive()
    import_package(first)
    second = tmp_path / "second"
    export_package(second)
    assert checksums(first) == checksums(second)
    assert (first / "vocabularies.jsonl").read_bytes() == (second / "vocabularies.jsonl").read_bytes()

    before = archive_state()
    again = import_package(second)  # into the archive it came from: nothing changes
    assert not again.changed and archive_state() == before


def test_a_package_relabels_and_adds_terms_and_keeps_the_archive_s_others(app, make_package):
    from archive.models import Revision, Vocabulary

    import_package(make_package([_tagged()], vocabularies=[MOTIFS]))
    changed = {"slug": "motifs", "label": MOTIFS["label"],
               "terms": [{"slug": "poisson", "labels": [{"value": "الحوت", "lang": "ary-Arab"}, {"value": "poisson", "lang": "fr"}]},
                         {"slug": "etoile", "labels": [{"value": "ⵉⵜⵔⵉ", "lang": "zgh-Tfng"}]}]}
    report = import_package(make_package([_tagged()], vocabularies=[changed]))
    assert (report.vocabularies_created, report.vocabularies_updated, report.items_unchanged) == (0, 1, 1)
    vocabulary = db.session.scalar(select(Vocabulary).where(Vocabulary.slug == "motifs"))
    # The package's terms in its order, then the archive's term it left out (a layer may be tagged with it).
    assert [(t.slug, t.position) for t in vocabulary.terms] == [("poisson", 0), ("etoile", 1), ("losange", 2)]
    assert vocabulary.terms[0].labels[1] == {"value": "poisson", "lang": "fr"} and vocabulary.version == 2
    assert [r.version for r in db.session.scalars(select(Revision).where(Revision.entity_type == "vocabulary")
                                                  .order_by(Revision.id))] == [1, 2]
    assert not import_package(make_package([_tagged()], vocabularies=[changed])).changed


def test_bad_vocabularies_and_unknown_terms_are_each_reported_and_nothing_is_written(app, make_package):
    duplicate_term = {**MOTIFS, "slug": "techniques", "terms": [MOTIFS["terms"][0], MOTIFS["terms"][0]]}
    bad_label = {"slug": "materiaux", "label": [{"value": "Matériaux", "lang": "french"}]}
    no_label = {"slug": "couleurs", "terms": []}
    before = archive_state()
    with pytest.raises(PackageError) as refused:
        import_package(make_package([_tagged(term="motifs/etoile"), _tagged("tw-tale-0002", term="gestes/pas")],
                                    vocabularies=[MOTIFS, MOTIFS, duplicate_term, bad_label, no_label]))
    details = "\n".join(refused.value.details)
    for expected in ("vocabularies.jsonl:2: slug: duplicate vocabulary 'motifs'",
                     "vocabularies.jsonl:3: terms[1].slug: duplicate term 'losange'",
                     "vocabularies.jsonl:4: label[0].lang:",
                     "vocabularies.jsonl:5: (line): 'label' is a required property",
                     "items.jsonl:1: annotations[2].term: unknown term 'motifs/etoile'",
                     "items.jsonl:2: annotations[2].term: unknown term 'gestes/pas'"):
        assert expected in details, details
    assert archive_state() == before
