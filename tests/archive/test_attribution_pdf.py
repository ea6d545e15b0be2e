"""The PDF attribution sheet: it parses, carries every entry's text in Latin, Arabic and Tifinagh script with
the fonts that draw them, flows onto more pages when long, and depends on nothing but the sheet."""
from __future__ import annotations

import io
import unicodedata

from pypdf import PdfReader

from archive.attribution_pdf import render_pdf
from archive.attribution_sheet import AttributionSheet, SheetEntry, SheetText

DARIJA = "الطرز الفاسي"
TIFINAGH = "ⵜⴰⵣⵔⴰⵡⵜ"
AMAZIGH_LATIN = "Taɣuct n ḍḍaṭ ṣẓḥɛ"


def _entry(number: int, **changes) -> SheetEntry:
    values = dict(
        number=number,
        title=SheetText(f"Broderie de Fès, pièce n° {number}", "fr"),
        summary=SheetText("Un mouchoir brodé à l'aiguille, fil de soie écrue.", "fr"),
        attribution=f"Broderie de Fès, Rachida Alaoui, {DARIJA}, {TIFINAGH}, Twiza, CC BY-NC 4.0.",
        licence="CC BY-NC 4.0",
        licence_url="https://creativecommons.org/licenses/by-nc/4.0/",
        item_url=f"https://twiza.example/items/{number}",
        images=[f"images/{number:02d}-terz-fassi-1.jpg", f"images/{number:02d}-terz-fassi-2.jpg"],
    )
    return SheetEntry(**(values | changes))


def _sheet(entries: list[SheetEntry]) -> AttributionSheet:
    return AttributionSheet(site_name="Twiza", selection_url="https://twiza.example/selections/7",
                            created="2026-11-29", entries=entries)


def _read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, unicodedata.normalize("NFKC", text)


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def test_a_multilingual_sheet_is_a_pdf_with_every_entrys_text_and_the_fonts_of_its_scripts():
    sheet = _sheet([
        _entry(1),
        _entry(2, title=SheetText(DARIJA, "ary-Arab"), summary=SheetText("مزيان بزاف", "ar")),
        _entry(3, title=SheetText(TIFINAGH, "zgh-Tfng"), summary=SheetText(AMAZIGH_LATIN, "shi-Latn"), images=[]),
    ])
    pdf = render_pdf(sheet)
    assert pdf.startswith(b"%PDF-")
    reader, text = _read(pdf)
    assert len(reader.pages) >= 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    for expected in ("Twiza", "https://twiza.example/selections/7", "2026-11-29", "Broderie de Fès, pièce n° 1",
                     "Un mouchoir brodé à l'aiguille", "CC BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/",
                     "https://twiza.example/items/3", "images/01-terz-fassi-2.jpg", TIFINAGH, "Taɣuct n ḍḍaṭ"):
        assert expected in text
    assert all(letter in text for letter in "ɣḍṭṣẓḥɛ")
    assert "images/03-" not in text
    # Shaped Arabic comes back as presentation forms (NFKC folds them) in visual order, right to left (a
    # phrase's words last first), split across text runs with stray control codes: compare its letters only.
    letters_only = "".join(c for c in text if unicodedata.category(c)[0] not in "CZ")
    for arabic in (DARIJA, "مزيان بزاف"):
        assert "".join(reversed(arabic.split())) in letters_only
    assert {"NotoSans", "NotoSansBold", "NotoSansArabic", "NotoSansTifinagh"} <= _fonts(reader)
    assert reader.metadata.creation_date.date().isoformat() == "2026-11-29"


def test_the_same_sheet_gives_the_same_bytes():
    sheet = _sheet([_entry(1), _entry(2, title=SheetText(DARIJA, "ary-Arab"))])
    assert render_pdf(sheet) == render_pdf(sheet)


def test_a_long_sheet_flows_onto_several_pages_in_order():
    reader, text = _read(render_pdf(_sheet([_entry(number) for number in range(1, 41)])))
    assert len(reader.pages) > 3
    last_page = unicodedata.normalize("NFKC", reader.pages[-1].extract_text())
    assert "https://twiza.example/items/40" in last_page and "https://twiza.example/items/1\n" not in last_page
    positions = [text.index(f"https://twiza.example/items/{number}\n") for number in range(1, 41)]
    assert positions == sorted(positions)


def test_a_sheet_without_entries_is_a_one_page_pdf_with_its_heading():
    reader, text = _read(render_pdf(_sheet([])))
    assert len(reader.pages) == 1
    assert "Twiza" in text and "https://twiza.example/selections/7" in text


def _x_of(pdf: bytes, text: str) -> float:
    """Where the first line holding ``text`` starts on the first page, in points from the left edge."""
    found: list[float] = []

    def visit(chunk, _cm, tm, _font, _size):
        if text in chunk and not found:
            found.append(tm[4])

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    assert found, text
    return found[0]


def test_the_sheets_own_sentences_align_with_the_interface_direction():
    sheet = _sheet([_entry(1)])
    left, right = render_pdf(sheet), render_pdf(sheet, "rtl")
    assert _x_of(right, "Class set") > _x_of(left, "Class set") + 100  # right-aligned under an Arabic interface
    assert abs(_x_of(right, "images/") - _x_of(left, "images/")) < 1  # file names stay left to right


def test_an_attribution_line_that_starts_with_an_arabic_title_still_reads_left_to_right():
    line = "“الطرز الفاسي”, Mi Zahra, Twiza, CC BY 4.0."
    pdf = render_pdf(_sheet([_entry(1, attribution=line)]))
    arabic: list[float] = []

    def visit(chunk, _cm, tm, _font, _size):
        if any("\u0600" <= c <= "\u06ff" or "\ufb50" <= c <= "\ufeff" for c in chunk):
            arabic.append(tm[4])

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    # Left to right, as the line's own words: the title's run comes first, on the left, then the names.
    assert arabic and min(arabic) < _x_of(pdf, "Mi Zahra")
