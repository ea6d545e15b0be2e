"""The attribution sheet of a class set as a print-ready PDF (A4), rendered with fpdf2.

Titles, summaries and attribution lines come in Latin, Arabic and Tifinagh script, often mixed in one line:
fpdf2 shapes them with HarfBuzz (uharfbuzz), so Arabic letters join and run right to left, and falls back from
Noto Sans to Noto Sans Arabic or Noto Sans Tifinagh for each character Noto Sans lacks. The fonts are the
TrueType files that ``archive.assets`` copies from npm packages into static/vendor/pdf-fonts; nothing is
fetched at run time. The interface strings are the HTML sheet's (templates/teachers/attribution_sheet.html).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF

from archive.attribution_sheet import AttributionSheet, SheetEntry, SheetGap, SheetText
from archive.vocabulary import direction_of

FONT_DIR = Path(__file__).resolve().parents[1] / "static" / "vendor" / "pdf-fonts"
# (family, regular file, bold file or None): the first is the main font, the others its fallbacks.
FONTS = [
    ("NotoSans", "NotoSans_400Regular.ttf", "NotoSans_700Bold.ttf"),
    ("NotoSansArabic", "NotoSansArabic_400Regular.ttf", "NotoSansArabic_700Bold.ttf"),
    ("NotoSansTifinagh", "NotoSansTifinagh_400Regular.ttf", None),
]
MARGIN_MM = 18  # the HTML sheet's @page margin
LINE_MM = 5.5


def render_pdf(sheet: AttributionSheet, interface_direction: str = "ltr") -> bytes:
    """The sheet as a PDF document: a heading (site, selection address, date), then one block per entry.
    ``interface_direction`` is the interface language's ("rtl" for Arabic): the sheet's own sentences and
    labels run and align that way, each value in its own language's direction."""
    pdf = _document(sheet.created)
    pdf.add_page()
    ui = interface_direction
    _write(pdf, f"{_('Class set')} · {sheet.site_name}", size=16, style="B", direction=ui)
    _write(pdf, _("Made on %(date)s from the selection %(url)s. Show and share these works in class with their "
                  "attribution as written below.", date=sheet.created, url=sheet.selection_url), direction=ui)
    for entry in sheet.entries:
        _entry(pdf, entry, ui)
    if sheet.left_out:
        pdf.ln(4)
        _write(pdf, _("Left out of this set"), size=12, style="B", direction=ui)
        for gap in sheet.left_out:
            _write(pdf, gap.title, style="B")
            _write(pdf, _gap_reason(gap), direction=ui)
    return bytes(pdf.output())


def _gap_reason(gap: SheetGap) -> str:
    if gap.reason == "licence":
        return _("its licence (%(licence)s) does not allow showing it in class.", licence=gap.licence)
    return _("a picture under %(licence)s, whose terms must first be accepted on the item's downloads page.",
             licence=gap.licence)


def _document(created: str) -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    # The sheet's own date, not the clock: the same sheet gives the same bytes.
    date = datetime.fromisoformat(created)
    pdf.set_creation_date(date if date.tzinfo else date.replace(tzinfo=timezone.utc))
    for family, regular, bold in FONTS:
        pdf.add_font(family, "", FONT_DIR / regular)
        if bold:
            pdf.add_font(family, "B", FONT_DIR / bold)
    # Not an exact match: Tifinagh has no bold face, and a regular Tifinagh title beats missing glyphs.
    pdf.set_fallback_fonts([family for family, _regular, _bold in FONTS[1:]], exact_match=False)
    return pdf


def _entry(pdf: FPDF, entry: SheetEntry, ui: str) -> None:
    pdf.ln(3)
    _write(pdf, f"{entry.number}.", size=12, style="B", direction=ui)
    _write(pdf, entry.title, size=12, style="B")
    if entry.summary:
        _write(pdf, entry.summary)
    # Left to right, as on the item page: the line's own words are Latin; a title in Arabic inside it is a run.
    _write(pdf, entry.attribution, size=9.5, direction="ltr")
    _write(pdf, f"{_('Licence:')} {entry.licence} · {entry.licence_url}", direction=ui)
    _write(pdf, entry.item_url, lang="zxx")
    if entry.images:
        _write(pdf, _("Pictures in this set:"), direction=ui)
        for name in entry.images:
            _write(pdf, name, size=9, lang="zxx")  # file names: always left to right


def _write(pdf: FPDF, text: str | SheetText, size: float = 10.5, style: str = "", lang: str | None = None,
           direction: str | None = None) -> None:
    """A paragraph. A value with a language runs in that language's direction, other lines in ``direction``
    (the base direction: runs of the other direction inside keep theirs, by the Unicode bidirectional
    algorithm), or the direction of their first strong letter when neither is given."""
    if isinstance(text, SheetText):
        text, lang = text.value, text.lang
    if lang:
        direction = direction_of(lang)
    pdf.set_font(FONTS[0][0], style, size)
    pdf.set_text_shaping(True, direction=direction)
    pdf.multi_cell(0, LINE_MM * size / 10.5, text, align="R" if direction == "rtl" else "L",
                   new_x="LMARGIN", new_y="NEXT")
