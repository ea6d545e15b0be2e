"""IIIF Content Search 2.0 within a manifest: matching annotations analysed as site search analyses text
(a Latin query finds a Tifinagh transcription), paged, unsupported parameters listed in `ignored`,
autocomplete; only approved annotations; restricted items 401 (visitors) or 403 (accounts that may not see
them), drafts 404; bad parameters 400."""
from __future__ import annotations

import json
import urllib.parse
from urllib.parse import parse_qs, urlsplit

import pytest
from jsonschema import Draft7Validator

from archive.services.packages import import_package
from search.analysis import latin_to_tifinagh
from tests.conftest import tale

SEARCH_JSON_LD = 'application/ld+json;profile="http://iiif.io/api/search/2/context.json"'
TIFINAGH_LINE = latin_to_tifinagh("tamaziɣt d tutlayt n imaziɣn")


def _song(item_id: str = "tw-song-0001", **overrides):
    annotations = [
        {"media": 0, "motivation": "supplementing", "selector": f"t={i / 4},{i / 4 + 0.25}",
         "body": {"value": f"Couplet {i} : la mer et le poisson", "lang": "fr"}} for i in range(5)
    ] + [
        {"media": 0, "motivation": "supplementing", "selector": "t=1,1.5", "body": {"value": TIFINAGH_LINE, "lang": "zgh-Tfng"}},
        {"media": 0, "motivation": "supplementing", "selector": "t=1,1.5", "body": {"value": "الحوت والبحر", "lang": "ary-Arab"}},
        {"media": 0, "motivation": "supplementing", "selector": "t=1.5,2", "status": "pending",
         "body": {"value": "Brouillon tamazight non relu", "lang": "fr"}},
        {"media": 1, "motivation": "tagging", "tag": "poisson", "selector": "xywh=0,0,2,2"},
        {"motivation": "commenting", "body": {"value": "Les brodeuses chantent ce couplet.", "lang": "fr"}},
    ]
    line = tale(item_id, kind="song", annotations=annotations, languages=["zgh-Tfng"])
    line.update(overrides)
    return line


@pytest.fixture
def archive(app, make_package):
    import_package(make_package([
        _song(),
        _song("tw-song-restricted", access="registered"),
        _song("tw-song-research", access="researcher"),
        _song("tw-song-draft", status="draft"),
    ]))


def _search(client, query: str, status: int = 200, *, service: str = "search", content_type: str | None = None) -> dict:
    response = client.get(f"/iiif/3/tw-song-0001/{service}?{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    if content_type and status == 200:
        assert response.headers["Content-Type"] == content_type
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.get_data(as_text=True))


def _texts(document: dict, annotations: str = "items", body: str = "body", text: str = "value") -> list[str]:
    """The text of every body of every annotation (Content Search 2.0's names by default)."""
    texts = []
    for annotation in document[annotations]:
        bodies = annotation[body] if isinstance(annotation[body], list) else [annotation[body]]
        texts += [b[text] for b in bodies]
    return texts


_values = _texts


def test_manifest_declares_search_and_autocomplete_in_versions_2_and_1(shared_dir, client, archive):
    manifest = client.get("/iiif/3/tw-song-0001/manifest").get_json(force=True)
    assert manifest["service"] == [{
        "id": "http://localhost/iiif/3/tw-song-0001/search", "type": "SearchService2",
        "service": [{"id": "http://localhost/iiif/3/tw-song-0001/autocomplete", "type": "AutoCompleteService2"}],
    }, {
        # Content Search 1.0, as Presentation 3 writes an older specification's service: @id, @type, profile.
        "@id": "http://localhost/iiif/3/tw-song-0001/search/1", "@type": "SearchService1",
        "profile": "http://iiif.io/api/search/1/search",
        "service": [{"@id": "http://localhost/iiif/3/tw-song-0001/autocomplete/1", "@type": "AutoCompleteService1",
                     "profile": "http://iiif.io/api/search/1/autocomplete"}],
    }]
    schema = json.loads((shared_dir / "standards/iiif/presentation-3.0.schema.json").read_text(encoding="utf-8"))
    assert list(Draft7Validator(schema).iter_errors(manifest)) == []


def test_a_latin_query_finds_the_tifinagh_transcription(client, archive):
    page = _search(client, "q=tamazight")
    assert _values(page) == [TIFINAGH_LINE]  # the pending "tamazight" annotation is not searched
    annotation = page["items"][0]
    assert annotation["type"] == "Annotation" and annotation["motivation"] == "supplementing"
    assert annotation["target"].startswith("http://localhost/iiif/3/tw-song-0001/canvas/") and "#t=1,1.5" in annotation["target"]
    assert annotation["body"]["language"] == "zgh-Tfng"
    highlight = page["annotations"][0]["items"][0]
    assert highlight["motivation"] == "highlighting"
    assert highlight["target"]["source"] == annotation["id"]
    assert highlight["target"]["selector"] == [{"type": "TextQuoteSelector", "exact": latin_to_tifinagh("tamaziɣt"),
                                                "suffix": TIFINAGH_LINE[len(latin_to_tifinagh("tamaziɣt")):]}]
    assert _values(_search(client, f"q={latin_to_tifinagh('imaziɣn')}")) == [TIFINAGH_LINE]


def test_matching_follows_the_site_search_analysis(client, archive):
    assert _values(_search(client, "q=brodeuse")) == ["Les brodeuses chantent ce couplet."]  # French stem
    assert _values(_search(client, "q=poisson")) == [f"Couplet {i} : la mer et le poisson" for i in range(5)] + ["poisson"]
    assert len(_search(client, "q=poisson -couplet")["items"]) == 1  # the tag
    assert len(_search(client, 'q="la mer"')["items"]) == 5
    assert _values(_search(client, "q=الحوت OR brodeuses")) == ["الحوت والبحر", "Les brodeuses chantent ce couplet."]
    assert _search(client, "q=nothingmatchesthis")["items"] == []


def test_results_are_paged_with_an_embedded_annotation_collection(app, client, archive):
    app.config["IIIF_SEARCH_PAGE_SIZE"] = 2
    first = _search(client, "q=poisson")
    base = "http://localhost/iiif/3/tw-song-0001/search?q=poisson"
    assert first["@context"] == "http://iiif.io/api/search/2/context.json"
    assert first["id"] == f"{base}&page=1" and first["type"] == "AnnotationPage"
    assert first["partOf"] == {"id": base, "type": "AnnotationCollection", "total": 6,
                               "first": {"id": f"{base}&page=1", "type": "AnnotationPage"},
                               "last": {"id": f"{base}&page=3", "type": "AnnotationPage"}}
    assert first["next"] == {"id": f"{base}&page=2", "type": "AnnotationPage"} and "prev" not in first
    assert first["startIndex"] == 0 and len(first["items"]) == 2
    seen = [a["id"] for a in first["items"]]
    page = first
    while "next" in page:
        page = _search(client, urlsplit(page["next"]["id"]).query)
        assert page["partOf"]["total"] == 6 and page["startIndex"] == len(seen)
        assert page["prev"]["id"].endswith(f"page={page['startIndex'] // 2}")
        seen += [a["id"] for a in page["items"]]
    assert len(seen) == len(set(seen)) == 6 and page["id"] == f"{base}&page=3"
    app.config["IIIF_SEARCH_PAGE_SIZE"] = 50
    single = _search(client, "q=poisson")
    assert single["id"] == base and "partOf" not in single and "next" not in single


def test_items_are_valid_presentation_annotations(shared_dir, client, archive):
    schema = json.loads((shared_dir / "standards/iiif/presentation-3.0.schema.json").read_text(encoding="utf-8"))
    page = _search(client, "q=")  # an empty query does not restrict: every approved annotation
    assert len(page["items"]) == 9
    wrapper = {"@context": "http://iiif.io/api/presentation/3/context.json", "id": page["id"],
               "type": "AnnotationPage", "items": page["items"]}
    assert list(Draft7Validator(schema).iter_errors(wrapper)) == []
    assert not any("Brouillon" in value for value in _values(page))


def test_motivation_filters_and_unsupported_parameters_are_listed_as_ignored(client, archive):
    page = _search(client, "q=poisson&motivation=tagging&date=2020-01-01T00:00:00Z/2021-01-01T00:00:00Z&user=x")
    assert _values(page) == ["poisson"]
    assert page["ignored"] == ["date", "user"]
    assert "ignored" not in _search(client, "q=poisson&motivation=painting+commenting")
    assert _search(client, "q=poisson&motivation=painting")["items"] == []
    assert parse_qs(urlsplit(page["id"]).query) == {"q": ["poisson"], "motivation": ["tagging"]}


def test_autocomplete_completes_across_scripts_with_counts(client, archive):
    response = client.get("/iiif/3/tw-song-0001/autocomplete?q=po")
    assert response.status_code == 200 and response.headers["Content-Type"] == SEARCH_JSON_LD
    terms = response.get_json(force=True)
    assert terms["@context"] == "http://iiif.io/api/search/2/context.json" and terms["type"] == "TermPage"
    assert terms["id"] == "http://localhost/iiif/3/tw-song-0001/autocomplete?q=po"
    assert terms["items"] == [{"value": "poisson", "total": 6, "language": "fr"}]
    tifinagh = client.get("/iiif/3/tw-song-0001/autocomplete?q=tama").get_json(force=True)["items"]
    assert [t["value"] for t in tifinagh] == [latin_to_tifinagh("tamaziɣt")]  # not the pending annotation's word
    assert tifinagh[0]["language"] == "zgh-Tfng"
    assert client.get("/iiif/3/tw-song-0001/autocomplete?q=po&min=7").get_json(force=True)["items"] == []
    ignored = client.get("/iiif/3/tw-song-0001/autocomplete?q=po&user=me").get_json(force=True)
    assert ignored["ignored"] == ["user"]
    for term in terms["items"]:
        assert _search(client, f"q={term['value']}")["items"]


@pytest.mark.parametrize("path", ["/iiif/3/tw-song-0001/search?q=x&page=0", "/iiif/3/tw-song-0001/search?q=x&page=abc",
                                  "/iiif/3/tw-song-0001/search?q=poisson&page=2", "/iiif/3/tw-song-0001/search?q=" + "x" * 501,
                                  "/iiif/3/tw-song-0001/autocomplete", "/iiif/3/tw-song-0001/autocomplete?q=po&min=-1",
                                  "/iiif/3/tw-song-0001/autocomplete?q=po&min=lots"])
def test_bad_parameters_are_400_with_a_message(client, archive, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.get_json()["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("version", ["", "/1"])  # Content Search 2.0 and 1.0
@pytest.mark.parametrize("item_id, status", [("tw-song-restricted", 401), ("tw-song-draft", 404), ("tw-nothing", 404)])
def test_restricted_items_are_401_and_drafts_404_revealing_nothing(client, archive, item_id, status, version):
    for path in (f"/iiif/3/{item_id}/search{version}?q=poisson", f"/iiif/3/{item_id}/autocomplete{version}?q=po"):
        response = client.get(path)
        assert response.status_code == status
        assert "poisson" not in response.get_data(as_text=True).replace("q=poisson", "")


def test_signed_in_readers_search_what_they_may_see_and_get_403_otherwise(client, auth, archive):
    auth.user("reader@example.org")
    auth.sign_in("reader@example.org")
    response = client.get("/iiif/3/tw-song-restricted/search?q=tamazight")
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
    assert _values(response.get_json(force=True)) == [TIFINAGH_LINE]
    assert client.get("/iiif/3/tw-song-research/search?q=tamazight").status_code == 403  # not a researcher
    assert client.get("/iiif/3/tw-song-research/autocomplete?q=tama").status_code == 403
    assert client.get("/iiif/3/tw-song-draft/search?q=poisson").status_code == 404


def test_search_answers_json_ld_with_cors_and_etag(client, archive):
    response = client.get("/iiif/3/tw-song-0001/search?q=poisson")
    assert response.headers["Content-Type"] == SEARCH_JSON_LD
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/iiif/3/tw-song-0001/search?q=poisson",
                      headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


CROSS_SCRIPT_VALUES = [
    ("Les brodeuses de Fès", "fr"),
    (latin_to_tifinagh("tamaziɣt d tutlayt n imaziɣn"), "zgh-Tfng"),
    ("حكاية الحوت والبحر", "ary-Arab"),
    ("l7out f lb7ar", "ary-Latn"),
    ("The weavers sang their songs", "en"),
    ("Les villages de l'Anti-Atlas", "fr"),
    ("d-dar l-kbira", "ary-Latn"),
    ("Tamaziɣt n Sus", "shi-Latn"),
]
CROSS_SCRIPT_QUERIES = ["brodeuse", "fes", "tamazight", latin_to_tifinagh("tamaziɣt"), "tamaziɣt", "الحوت", "l7out",
                        "weaver", "song", "atlas", "dar", '"de fès"', "bro*", "tama*", "brodeuses -atlas", "village -atlas", "fes OR weaver",
                        "imaziɣn", "sus"]
FINDS_NOTHING = {"village -atlas"}  # the only village is in the Anti-Atlas


def test_search_within_a_manifest_finds_what_site_search_finds(client, make_package):
    """Each value is the one annotation of its own item, and nothing else of the item holds a query word:
    then site search (the configured engine) and Content Search must find the same items for every query."""
    from archive.services.browse import BrowseQuery
    from archive.services.search import search_items

    lines = []
    for number, (value, lang) in enumerate(CROSS_SCRIPT_VALUES, start=1):
        line = tale(f"tw-value-{number:04d}", title=[{"value": f"Q{number:04d}", "lang": "fr"}], summary=[], text=[],
                    place=[], subjects=[], contributors=[], collections=[], media=[], kind="lexicon",
                    annotations=[{"motivation": "describing", "body": {"value": value, "lang": lang}}])
        del line["community"], line["source"]
        lines.append(line)
    import_package(make_package(lines, files={}))
    for query in CROSS_SCRIPT_QUERIES:
        site = {item.public_id for item in search_items(None, query, BrowseQuery(per_page=100)).items}
        within = {line["id"] for line in lines
                  if client.get(f"/iiif/3/{line['id']}/search", query_string={"q": query}).get_json(force=True)["items"]}
        assert within == site, query
        assert bool(within) == (query not in FINDS_NOTHING), query


# ------------------------------------------------------------------------------ Content Search 1.0

SEARCH_1_JSON_LD = 'application/ld+json;profile="http://iiif.io/api/search/1/context.json"'


def _search_1(client, query: str, status: int = 200) -> dict:
    return _search(client, query, status, service="search/1", content_type=SEARCH_1_JSON_LD)


def _chars(annotation_list: dict) -> list[str]:
    return _texts(annotation_list, "resources", "resource", "chars")


def test_search_1_answers_an_annotation_list_with_resources_and_hits(client, archive):
    found = _search_1(client, "q=tamazight")
    assert found["@context"] == ["http://iiif.io/api/presentation/2/context.json",
                                 "http://iiif.io/api/search/1/context.json"]
    assert found["@id"] == "http://localhost/iiif/3/tw-song-0001/search/1?q=tamazight"
    assert found["@type"] == "sc:AnnotationList" and "within" not in found  # one page, nothing ignored
    [annotation] = found["resources"]
    v2 = _search(client, "q=tamazight")["items"][0]
    assert annotation["@id"] == v2["id"] and annotation["@type"] == "oa:Annotation"
    assert annotation["motivation"] == "sc:painting"  # a transcription: Presentation 2 has no supplementing
    assert annotation["resource"] == {"@type": "cnt:ContentAsText", "chars": TIFINAGH_LINE, "format": "text/plain",
                                      "language": "zgh-Tfng"}
    canvas = v2["target"].partition("#")[0]
    assert annotation["on"] == {"@type": "oa:SpecificResource", "full": canvas,
                                "selector": {"@type": "oa:FragmentSelector", "value": "t=1,1.5"}}
    word = TIFINAGH_LINE.split(" ")[0]  # the Latin query matched the Tifinagh word
    assert found["hits"] == [{"@type": "search:Hit", "annotations": [annotation["@id"]],
                              "match": word, "before": "", "after": TIFINAGH_LINE[len(word):]}]


def test_search_1_finds_what_search_2_finds(client, archive):
    for query in ("poisson", "tamazight", "الحوت", "couplet", "mer OR brodeuses", "bro*", '"la mer"', "nothing"):
        q = urllib.parse.quote(query)
        assert _chars(_search_1(client, f"q={q}")) == _values(_search(client, f"q={q}")), query


def test_search_1_tags_regions_motivations_and_ignored_parameters(client, archive):
    tagged = _search_1(client, "q=poisson&motivation=tagging&user=x")
    [tag] = tagged["resources"]
    assert tag["motivation"] == "oa:tagging" and tag["resource"] == {"@type": "oa:Tag", "chars": "poisson"}
    assert tag["on"].endswith("#xywh=0,0,2,2")
    assert tagged["within"] == {"@type": "sc:Layer", "total": 1, "ignored": ["user"]}
    assert tagged["hits"][0]["match"] == "poisson"
    assert _search_1(client, "q=poisson&motivation=oa:tagging")["resources"] == tagged["resources"]
    painting = _search_1(client, "q=poisson&motivation=painting")  # transcriptions and translations only
    assert painting["resources"] and {r["motivation"] for r in painting["resources"]} == {"sc:painting"}
    others = _search_1(client, "q=poisson&motivation=non-painting")
    assert {r["motivation"] for r in others["resources"]} == {"oa:tagging"}
    assert _search_1(client, "q=poisson&motivation=unheard-of")["resources"] == []


def test_search_1_pages_in_a_layer(app, client, archive):
    app.config["IIIF_SEARCH_PAGE_SIZE"] = 2
    first = _search_1(client, "q=couplet&motivation=painting")  # not the comment on the song
    base = "http://localhost/iiif/3/tw-song-0001/search/1?q=couplet&motivation=painting"
    assert first["within"] == {"@type": "sc:Layer", "total": 5, "first": f"{base}&page=1", "last": f"{base}&page=3"}
    assert first["@id"] == first["within"]["first"] and first["startIndex"] == 0 and "prev" not in first
    seen, page = [], first
    while True:
        seen += _chars(page)
        assert len(page["hits"]) == len(page["resources"])
        if "next" not in page:
            break
        page = _search_1(client, page["next"].split("?", 1)[1])
    assert page["@id"] == first["within"]["last"] and page["startIndex"] == 4 and page["prev"]
    assert seen == [f"Couplet {i} : la mer et le poisson" for i in range(5)]
    _search_1(client, "q=couplet&page=4", status=400)


def test_autocomplete_1_answers_a_term_list_linking_to_the_search(client, archive):
    response = client.get("/iiif/3/tw-song-0001/autocomplete/1?q=po&motivation=painting&user=me")
    assert response.status_code == 200 and response.headers["Content-Type"] == SEARCH_1_JSON_LD
    terms = response.get_json(force=True)
    assert terms["@context"] == "http://iiif.io/api/search/1/context.json" and terms["@type"] == "search:TermList"
    assert terms["ignored"] == ["user"]
    [term] = terms["terms"]
    assert term["match"] == "poisson" and term["count"] == 5  # the tag does not count: painting only
    assert term["url"] == "http://localhost/iiif/3/tw-song-0001/search/1?q=poisson&motivation=painting"
    assert _chars(_search_1(client, term["url"].split("?", 1)[1]))
    assert client.get("/iiif/3/tw-song-0001/autocomplete/1").status_code == 400

