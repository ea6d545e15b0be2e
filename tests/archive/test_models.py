"""Model invariants, enforced by the database itself, and the small pure helpers of the domain."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from archive import identifiers
from archive.db import db
from archive.edtf import EDTFError, parse_edtf
from archive.errors import InvalidInput
from archive.models import Agent, Annotation, Contribution, Item, Licence, Media
from archive.vocabulary import direction_of, normalize_language_tag, script_of


def make_item(**values) -> Item:
    fields = dict(public_id=identifiers.mint("tw"), kind="proverb", title=[{"value": "Lmktoub", "lang": "ary-Latn"}],
                  licence_id="CC-BY-4.0", status="published", access="public")
    fields.update(values)
    return Item(**fields)


def commit_fails(*objects) -> None:
    db.session.add_all(objects)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_licence_registry_is_seeded_with_cc_and_rights_statements(app):
    licences = {lic.id: lic for lic in db.session.scalars(select(Licence))}
    assert {"CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0",
            "CC-BY-NC-ND-4.0", "InC", "InC-EDU", "NoC-NC", "CNE"} <= set(licences)
    assert licences["CC-BY-NC-4.0"].commercial_use is False and licences["CC-BY-SA-4.0"].share_alike is True
    assert licences["CC-BY-4.0"].uri == "http://creativecommons.org/licenses/by/4.0/"
    assert licences["InC-EDU"].click_through is True


@pytest.mark.parametrize(
    "values",
    [
        {"kind": "saga"},
        {"status": "lost"},
        {"access": "secret"},
        {"access": "community"},  # without the community it is restricted to
        {"latitude": 95.0, "longitude": 0.0},
        {"latitude": 31.0},  # a latitude without longitude
        {"date_start": 19800101, "date_end": 19700101},
        {"licence_id": "no-such-licence"},
    ],
)
def test_the_database_refuses_invalid_items(app, values):
    commit_fails(make_item(**values))


def test_public_identifiers_are_unique(app):
    db.session.add(make_item(public_id="tw-same-id"))
    db.session.commit()
    commit_fails(make_item(public_id="tw-same-id"))


def test_items_are_withdrawn_never_deleted(app):
    item = make_item()
    db.session.add(item)
    db.session.commit()
    db.session.delete(item)
    with pytest.raises(InvalidInput, match="withdraw it instead"):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(Item).where(Item.id == item.id)) is not None


def test_annotations_need_a_body_or_tag_and_a_selector_needs_media(app):
    item = make_item()
    commit_fails(item, Annotation(public_id="a-1", item=item, motivation="commenting", status="approved"))
    item = make_item()
    commit_fails(item, Annotation(public_id="a-2", item=item, motivation="tagging", tag="x", selector="xywh=0,0,1,1"))
    item = make_item()
    commit_fails(item, Annotation(public_id="a-3", item=item, motivation="translating", body_value="x", body_language="fr"))


def test_a_contribution_narrows_to_at_most_one_layer(app):
    item = make_item()
    agent = Agent(slug="a-person", name="A Person")
    media = Media(public_id="m-1", item=item, kind="image", mime_type="image/png", sha256="0" * 64, size_bytes=1, width=1, height=1)
    annotation = Annotation(public_id="a-1", item=item, motivation="tagging", tag="x")
    commit_fails(item, agent, media, annotation,
                 Contribution(agent=agent, role="ann", item=item, media=media, annotation=annotation))


def test_an_agent_is_credited_as_they_chose():
    person = Agent(slug="x", name="Fatima Zahra Aït Lhaj", pseudonym="Tamghart", credit_as="name")
    assert person.credited_name == "Fatima Zahra Aït Lhaj"
    person.credit_as = "pseudonym"
    assert person.credited_name == "Tamghart"
    person.credit_as = "anonymous"
    assert person.credited_name is None
    person.credit_as = "name"
    person.consent_withdrawn_on = dt.date(2025, 1, 1)
    assert person.credited_name is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1952", (19520101, 19521231)),
        ("1998-04", (19980401, 19980430)),
        ("2000-02", (20000201, 20000229)),
        ("2019-03-14", (20190314, 20190314)),
        ("1950~", (19500101, 19501231)),
        ("1950?", (19500101, 19501231)),
        ("195X", (19500101, 19591231)),
        ("19XX", (19000101, 19991231)),
        ("1950-XX", (19500101, 19501231)),
        ("1980-21", (19800301, 19800531)),
        ("1930/1945", (19300101, 19451231)),
        ("../1912", (None, 19121231)),
        ("1950/..", (19500101, None)),
        ("-0250", (-2500101, -2501231)),
    ],
)
def test_edtf_dates_give_sortable_ranges(value, expected):
    assert parse_edtf(value) == expected


@pytest.mark.parametrize("value", ["around 1950", "1950-13", "1950-02-30", "1960/1950", "../..", "19-5"])
def test_edtf_rejects_what_is_not_a_date(value):
    with pytest.raises(EDTFError):
        parse_edtf(value)


def test_language_tags_are_normalised_and_give_script_and_direction():
    assert normalize_language_tag("ARY-arab") == "ary-Arab"
    assert normalize_language_tag("fr-ma") == "fr-MA"
    assert (script_of("ary-Arab"), direction_of("ary-Arab")) == ("Arab", "rtl")
    assert (script_of("ary-Latn"), direction_of("ary-Latn")) == ("Latn", "ltr")
    assert (script_of("zgh-Tfng"), direction_of("zgh-Tfng")) == ("Tfng", "ltr")
    assert (script_of("ar"), direction_of("ar")) == ("Arab", "rtl")
    for bad in ("Arabic", "xx", "ary-Cyrl", "ary_Arab", ""):
        with pytest.raises(ValueError):
            normalize_language_tag(bad)


def test_identifiers_are_short_url_safe_and_derivable():
    minted = {identifiers.mint("tw") for _ in range(1000)}
    assert len(minted) == 1000
    assert all(identifiers.PUBLIC_ID.match(i) and len(i) == 11 for i in minted)
    assert identifiers.derive("tw", "tale", "x") == identifiers.derive("tw", "tale", "x") != identifiers.derive("tw", "tale", "y")
    assert identifiers.slugify("Lalla Rqia Aït Baha") == "lalla-rqia-ait-baha"
    assert identifiers.slugify("لالة رقية").startswith("agent-")
