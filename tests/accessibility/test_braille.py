"""Chinese to 现行盲文 through liblouis (zhcn-g1.ctb), and the BRF layout.

Where the expectations come from: the liblouis output was checked cell by cell
against the Mainland Chinese Braille (现行盲文, GB/T 15720-2008) rules as
summarised in the English Wikipedia article "Mainland Chinese Braille"
(Braille charts: initials, finals, tones; "Examples"). That article's example
with full tone marking, 时间 不 早 了！ = ⠱⠂⠛⠩⠁ ⠃⠥⠆ ⠵⠖⠄ ⠇⠢⠰⠂, is reproduced
exactly; the other syllables below are built from the same charts:

* initials  sh ⠱ (时 shí), zh ⠌, l ⠇ (了 le), h ⠓, g/j ⠛ (间 jiān), d ⠙;
* finals    i ⠊ (地 dì), ui ⠺ (吹 chuī), ou ⠷, ong ⠲, uo ⠕ ("wo"), e ⠢ (了 le);
* tones     1 ⠁ (间 jiān), 2 ⠂ (时 shí), 3 ⠄ (早 zǎo), 4 ⠆ (不 bù); the neutral
            tone is not written (了 le, 的 de);
* the final of zhi chi shi ri zi ci si is not written (时 shí = ⠱⠂, 执 zhí = ⠌⠂).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from onething.accessibility import braille
from onething.accessibility.braille import BLANK, BrailleUnavailable

# Wikipedia's "full tone marking" example: 时间 不 早 了！
WIKIPEDIA_EXAMPLE = "⠱⠂⠛⠩⠁⠀⠃⠥⠆⠀⠵⠖⠄⠀⠇⠢⠰⠂"


def test_the_reference_example_with_full_tones():
    assert braille.translate_lines(["时间 不 早 了！"]) == [WIKIPEDIA_EXAMPLE]


@pytest.mark.parametrize(("text", "expected"), [
    ("中国", "⠌⠲⠁⠛⠕⠂"),  # zh-ong-1 g-uo-2
    # shòu lǐ | huí zhí: two words (受理 / 回执), so one blank cell between them
    ("受理回执", "⠱⠷⠆⠇⠊⠄" + BLANK + "⠓⠺⠂⠌⠂"),
    ("的", "⠙⠢"),  # de, neutral tone: no tone cell
])
def test_known_transcriptions(text, expected):
    assert braille.translate_lines([text]) == [expected]


def test_words_are_separated_and_punctuation_left_to_the_table():
    assert braille.segment("受理回执") == "受理 回执"
    assert braille.segment("您好，世界。") == "您好，世界。"  # no space around punctuation
    assert braille.segment("受理编号 DC-1") == "受理 编号 DC-1"  # the space kept, not doubled


def test_blank_lines_stay_and_line_count_is_kept():
    out = braille.translate_lines(["中国", "", "的"])
    assert out == ["⠌⠲⠁⠛⠕⠂", "", "⠙⠢"]
    assert braille.translate_lines(["", " "]) == ["", ""]


def test_masked_digits_are_said_in_words_not_as_asterisk_cells():
    masked = braille.translate_lines(["身份证 371402********1234"])[0]
    spelled = braille.translate_lines(["身份证 371402（隐去8位）1234"])[0]
    assert masked == spelled
    assert "⠔⠔" not in masked  # what the table makes of "*"


def test_braille_ascii_is_liblouis_north_american_brf():
    """Our BRF character set is liblouis's own en-us-brf.dis display table."""
    table = Path("/usr/share/liblouis/tables/en-us-brf.dis")
    mapping = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "display":
            char = {"\\s": " ", "\\\\": "\\"}.get(parts[1], parts[1])
            bits = 0 if parts[2] == "0" else sum(1 << (int(d) - 1) for d in parts[2])
            mapping[bits] = char
    assert len(mapping) == 64
    assert "".join(mapping[i] for i in range(64)) == braille.BRAILLE_ASCII


def test_wrap_breaks_at_blank_cells_and_cuts_only_overlong_words():
    word = "⠿" * 15
    line = BLANK.join([word] * 4)  # 63 cells
    assert braille.wrap(line, 40) == [f"{word}{BLANK}{word}", f"{word}{BLANK}{word}"]
    assert braille.wrap("⠿" * 90, 40) == ["⠿" * 40, "⠿" * 40, "⠿" * 10]
    assert braille.wrap("", 40) == [""]


def test_paginate_25_lines_and_no_page_starts_blank():
    lines = [f"⠁{i}" for i in range(24)] + ["", "", "⠃"] + ["⠉"] * 30
    pages = braille.paginate(lines, 25)
    # Page 1 ends with a blank line, which is dropped; page 2 does not start with the next one.
    assert [len(p) for p in pages] == [24, 25, 6]
    assert pages[1][0] == "⠃"
    assert all(p[0] and p[-1] for p in pages)


def _brf_to_cells(line: str) -> str:
    return "".join(chr(0x2800 + braille.BRAILLE_ASCII.index(c)) for c in line)


def test_brf_layout_40_cells_25_lines_form_feed():
    sentence = "请补正以下材料：营业执照复印件不清晰，需要重新提交原件扫描件。"
    text = ["受理回执", "", *[sentence] * 40]
    body = braille.to_brf(text)
    decoded = body.decode("ascii")  # ASCII only
    pages = decoded.split("\f")
    assert len(pages) >= 3
    for page in pages:
        assert page.endswith("\r\n")
        lines = page[:-2].split("\r\n")
        assert 1 <= len(lines) <= braille.LINES_PER_PAGE
        assert all(len(line) <= braille.CELLS_PER_LINE for line in lines)
        assert all(c in braille.BRAILLE_ASCII for line in lines for c in line)
    assert all(len(p[:-2].split("\r\n")) == 25 for p in pages[:-1])  # full pages before the last
    # The same cells as the Unicode text, only wrapped.
    unicode_cells = "".join(braille.translate_lines(text)).replace(BLANK, "")
    brf_cells = "".join(_brf_to_cells(line) for page in pages
                        for line in page.split("\r\n")).replace(BLANK, "")
    assert brf_cells == unicode_cells


def test_unicode_text_is_one_line_per_notice_line():
    text = braille.to_unicode_text(["中国", "", "的"])
    assert text == "⠌⠲⠁⠛⠕⠂\n\n⠙⠢\n"


def test_missing_program_is_unavailable(monkeypatch):
    monkeypatch.setattr(braille, "LOU_TRANSLATE", "/nonexistent/lou_translate")
    with pytest.raises(BrailleUnavailable, match="liblouis-bin"):
        braille.translate_lines(["中国"])


def test_missing_table_is_unavailable():
    """lou_translate exits 0 when the table does not compile: we still notice."""
    with pytest.raises(BrailleUnavailable, match=r"could not be compiled|no-such-table"):
        braille.translate_lines(["中国"], table="no-such-table.ctb")


def test_timeout_is_unavailable(monkeypatch):
    def slow(*args, **kwargs):
        raise subprocess.TimeoutExpired(args[0], kwargs.get("timeout"))

    monkeypatch.setattr(braille.subprocess, "run", slow)
    with pytest.raises(BrailleUnavailable, match="longer than"):
        braille.translate_lines(["中国"])
