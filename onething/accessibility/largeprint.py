"""A notice as a large-print PDF (大字版).

A4, left-aligned, black on white, body text 20 pt (large print starts at
18 pt) with line spacing of 1.5, headings larger, no text in grey or in
columns. The Chinese font is embedded (``core.fonts``: Debian's
``fonts-wqy-microhei``), the same as on certificates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from fpdf import FPDF
from fpdf.enums import WrapMode

from onething.accessibility.notices import Notice
from onething.core.fonts import font_path

FONT_FAMILY = "cjk"
BODY_PT = 20
HEADING_PT = 24
TITLE_PT = 30
FOOTER_PT = 18
LINE_SPACING = 1.5
MARGIN_MM = 20
PT_TO_MM = 25.4 / 72


# Line-breaking rules for Chinese text (禁则, after GB/T 15834 practice): closing marks never
# start a line, opening marks never end one.
NOT_AT_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…—·％%,.;:?!)]}")
NOT_AT_LINE_END = frozenset("（《「『【〔〈“‘([{")
_TOKEN = re.compile(r"[A-Za-z0-9@._/-]+|.", re.S)


def break_lines(text: str, width_of: Callable[[str], float], max_width: float) -> list[str]:
    """``text`` broken into lines no wider than ``max_width`` (as ``width_of`` measures),
    between characters or around Latin words and numbers, without a closing mark at
    the start of a line or an opening mark at its end (the previous character moves
    down instead). A single token wider than a line is left to the PDF's own wrap."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _TOKEN.findall(paragraph):
            if not line or width_of(line + token) <= max_width:
                line += token
                continue
            carried = token
            while len(line) > 1 and (carried[0] in NOT_AT_LINE_START
                                     or line[-1] in NOT_AT_LINE_END):
                line, carried = line[:-1], line[-1] + carried
            lines.append(line.rstrip())
            line = carried.lstrip()
        lines.append(line)
    return lines


def _line_height(points: float) -> float:
    return points * PT_TO_MM * LINE_SPACING


class _LargePrintPDF(FPDF):
    def footer(self) -> None:
        self.set_y(-MARGIN_MM)
        self.set_font(FONT_FAMILY, size=FOOTER_PT)
        self.set_text_color(0)
        self.cell(0, _line_height(FOOTER_PT) / LINE_SPACING,
                  f"第 {self.page_no()} 页，共 {{nb}} 页", align="C")


def render_large_print(notice: Notice) -> bytes:
    """``notice`` as an A4 large-print PDF."""
    pdf = _LargePrintPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(notice.title)
    pdf.set_subject("大字版 (large print)")
    pdf.set_creator("onething")
    if notice.issued_at:  # kept as issued: the same bytes on every download
        pdf.set_creation_date(dt.datetime.fromisoformat(notice.issued_at))
    pdf.set_lang("zh-CN")
    pdf.add_font(FONT_FAMILY, fname=str(font_path()))
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_MM + 12)
    pdf.set_text_color(0)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def block(text: str, points: float, *, gap_after: float = 0, align: str = "L") -> None:
        pdf.set_font(FONT_FAMILY, size=points)
        # a little slack: fpdf2 measures the same widths and must not wrap again
        text = "\n".join(break_lines(text, pdf.get_string_width, width - 0.5))
        pdf.multi_cell(width, _line_height(points), text, align=align,
                       wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
        if gap_after:
            pdf.ln(gap_after)

    block(notice.title, TITLE_PT, gap_after=6, align="C")
    for label, value in notice.facts:
        block(f"{label}：{value}", BODY_PT, gap_after=1)
    for section in notice.sections:
        pdf.ln(5)
        block(section.heading, HEADING_PT, gap_after=2)
        for number, item in enumerate(section.items, 1):
            block(f"{number}. {item}" if section.numbered else item, BODY_PT, gap_after=2)
    if notice.notes:
        pdf.ln(5)
        for note in notice.notes:
            block(note, BODY_PT, gap_after=2)
    return bytes(pdf.output())
