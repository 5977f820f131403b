"""The meeting's slides (.pptx, python-pptx): a cover and one 16:9 slide per screen of present.meeting, charts as
PNG images at presentation resolution, titles and numbers as real text with the east-Asian typeface set (so that
PowerPoint and WPS pick a CJK font), and the filters, year and data date in every slide's footer."""

from __future__ import annotations

import io
from collections.abc import Mapping

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.text.text import TextFrame
from pptx.util import Emu, Inches, Pt

from present import strings as s
from present.meeting import Screen

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
SLIDE_W_IN = 13.333  # 16:9
SLIDE_H_IN = 7.5
MARGIN_IN = 0.5
TITLE_TOP_IN = 0.3
TITLE_H_IN = 0.9
BODY_TOP_IN = 1.35
FOOTER_H_IN = 0.4
EA_FONT = "Microsoft YaHei"  # 微软雅黑: PowerPoint and WPS have it; LibreOffice substitutes a CJK face
LATIN_FONT = "Microsoft YaHei"
TITLE_PT = 32
LINE_LABEL_PT = 20
LINE_VALUE_PT = 36
TEXT_PT = 22
FOOTER_PT = 12
DARK = RGBColor(0x11, 0x11, 0x11)
GREY = RGBColor(0x55, 0x55, 0x55)
ACCENT = RGBColor(0x15, 0x65, 0xC0)


def _ea(run_element: etree._Element, typeface: str) -> None:
    """Set a run's east-asian typeface (<a:ea>), placed after <a:latin> as the schema wants."""
    rpr = run_element.get_or_add_rPr()
    for old in rpr.findall(qn("a:ea")):
        rpr.remove(old)
    ea = etree.SubElement(rpr, qn("a:ea"))
    ea.set("typeface", typeface)
    latin = rpr.find(qn("a:latin"))
    if latin is not None:
        latin.addnext(ea)


def _write(frame: TextFrame, text: str, size: int, color: RGBColor = DARK, bold: bool = False,
           align: PP_ALIGN = PP_ALIGN.LEFT, new_paragraph: bool = False) -> None:
    """Add one paragraph of text with a CJK-ready font."""
    paragraph = frame.add_paragraph() if new_paragraph else frame.paragraphs[0]
    paragraph.alignment = align
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = color
    run.font.name = LATIN_FONT
    _ea(run._r, EA_FONT)


def _box(slide, left: float, top: float, width: float, height: float) -> TextFrame:
    shape = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = shape.text_frame
    frame.word_wrap = True
    return frame


def _title(slide, text: str) -> None:
    frame = _box(slide, MARGIN_IN, TITLE_TOP_IN, SLIDE_W_IN - 2 * MARGIN_IN, TITLE_H_IN)
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    _write(frame, text, TITLE_PT, DARK, bold=True)


def _footer(slide, text: str, number: int, total: int) -> None:
    top = SLIDE_H_IN - FOOTER_H_IN - 0.1
    frame = _box(slide, MARGIN_IN, top, SLIDE_W_IN - 2 * MARGIN_IN - 1.2, FOOTER_H_IN)
    _write(frame, text, FOOTER_PT, GREY)
    frame = _box(slide, SLIDE_W_IN - MARGIN_IN - 1.2, top, 1.2, FOOTER_H_IN)
    _write(frame, f"{number} / {total}", FOOTER_PT, GREY, align=PP_ALIGN.RIGHT)


def _picture(slide, image: bytes, left: float, top: float, width: float, height: float,
             ratio: float) -> None:
    """The image fitted into the box (aspect kept), centred."""
    w = min(width, height * ratio)
    h = w / ratio
    slide.shapes.add_picture(io.BytesIO(image), Inches(left + (width - w) / 2), Inches(top + (height - h) / 2),
                             Inches(w), Inches(h))


def _lines(slide, lines: tuple[tuple[str, str], ...], left: float, top: float, width: float,
           height: float, columns: int) -> None:
    """(label, value) pairs as a grid of big numbers; a pair without a value is a sentence."""
    if all(value for _, value in lines) and columns > 1:
        rows = (len(lines) + columns - 1) // columns
        cell_w, cell_h = width / columns, min(1.45, height / max(rows, 1))
        for index, (label, value) in enumerate(lines):
            r, c = divmod(index, columns)
            frame = _box(slide, left + c * cell_w, top + r * cell_h, cell_w - 0.2, cell_h)
            _write(frame, label, LINE_LABEL_PT, GREY)
            _write(frame, value, LINE_VALUE_PT, ACCENT, bold=True, new_paragraph=True)
        return
    frame = _box(slide, left, top, width, height)
    for index, (label, value) in enumerate(lines):
        text = f"{label}：{value}" if label and value else (value or label)
        _write(frame, text, TEXT_PT, DARK, new_paragraph=index > 0)
        frame.paragraphs[-1].space_after = Pt(10)


def build_slides(screens: list[Screen], images: Mapping[str, bytes], cover: str, footer: str) -> bytes:
    """The deck: a cover slide, then one slide per screen (images: screen key → PNG of its figure)."""
    deck = Presentation()
    deck.slide_width = Emu(int(Inches(SLIDE_W_IN)))
    deck.slide_height = Emu(int(Inches(SLIDE_H_IN)))
    blank = deck.slide_layouts[6]
    total = len(screens) + 1
    slide = deck.slides.add_slide(blank)
    frame = _box(slide, MARGIN_IN, 2.4, SLIDE_W_IN - 2 * MARGIN_IN, 1.4)
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    _write(frame, cover, 40, DARK, bold=True, align=PP_ALIGN.CENTER)
    _write(frame, footer, 18, GREY, align=PP_ALIGN.CENTER, new_paragraph=True)
    _footer(slide, footer, 1, total)
    body_h = SLIDE_H_IN - BODY_TOP_IN - FOOTER_H_IN - 0.2
    body_w = SLIDE_W_IN - 2 * MARGIN_IN
    for number, screen in enumerate(screens, start=2):
        slide = deck.slides.add_slide(blank)
        _title(slide, screen.title)
        image = images.get(screen.key)
        ratio = 1600 / 820
        if screen.figure is not None and screen.figure.layout.width and screen.figure.layout.height:
            ratio = screen.figure.layout.width / screen.figure.layout.height
        if screen.notice:
            frame = _box(slide, MARGIN_IN, 3.0, body_w, 1.2)
            _write(frame, screen.notice, LINE_VALUE_PT, GREY, bold=True, align=PP_ALIGN.CENTER)
        elif image is not None and screen.lines:
            _lines(slide, screen.lines, MARGIN_IN, BODY_TOP_IN, 4.3, body_h, columns=1)
            _picture(slide, image, MARGIN_IN + 4.5, BODY_TOP_IN, body_w - 4.5, body_h, ratio)
        elif image is not None:
            _picture(slide, image, MARGIN_IN, BODY_TOP_IN, body_w, body_h, ratio)
        else:
            _lines(slide, screen.lines, MARGIN_IN, BODY_TOP_IN + 0.2, body_w, body_h,
                   columns=4 if screen.key == "headline" else 1)
        _footer(slide, footer, number, total)
    buf = io.BytesIO()
    deck.save(buf)
    return buf.getvalue()


def cover_title(year: int) -> str:
    """The deck's cover title."""
    return s.SLIDES_COVER.format(year=year)
