"""Chinese text to Braille (盲文版) with Debian's liblouis.

The translation itself is liblouis's: the ``lou_translate`` program of
Debian's ``liblouis-bin`` with the ``zhcn-g1.ctb`` table of ``liblouis-data``
("Chinese current braille with tones": 现行盲文, GB/T 15720-2008, every
syllable written as initial + final + tone, the neutral tone unmarked, the
final of zhi/chi/shi/ri/zi/ci/si omitted). Nothing here maps characters to
dots by hand. See ``docs/accessibility.md`` for why this table and why a
subprocess rather than the Python binding.

What this module adds around it:

* **Word spacing (分词连写).** Chinese Braille separates words with a blank
  cell; the table translates character by character. Before translating, a
  space is put between adjacent words found by jieba (the segmenter the
  search already uses); punctuation is left to the table, which spaces it
  itself.
* **Masked numbers.** A run of ``*`` (a masked ID or mobile number) is said
  in words — ``（隐去8位）`` — because the table would shorten it to an
  ambiguous pair of cells.
* **Layout.** Unicode Braille text (one line per line of the notice) and
  BRF for embossers: North American Braille ASCII, 40 cells a line, 25 lines
  a page, CR LF line ends, a form feed between pages.

Plain Python (no Django); the views turn :class:`BrailleUnavailable` into a
503 that says what to install.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from functools import lru_cache

LOU_TRANSLATE = "lou_translate"
TABLE = "zhcn-g1.ctb"  # 现行盲文, with tones (liblouis-data)
DISPLAY = "unicode.dis"  # output as Unicode Braille patterns (U+2800…)
TIMEOUT_SECONDS = 20
# lou_translate silently truncates very long input lines; notices never come close.
MAX_LINE_CHARS = 1000

CELLS_PER_LINE = 40
LINES_PER_PAGE = 25
BLANK = "\u2800"
# North American Braille ASCII (the BRF character set): the character for the cell
# whose dots 1-6 are the bits 0-5 of the index. Checked against liblouis's
# en-us-brf.dis in the tests.
BRAILLE_ASCII = " A1B'K2L@CIF/MSP\"E3H9O6R^DJG>NTQ,*5<-U8V.%[$+X!&;:4\\0Z7(_?W]#Y)="

UNAVAILABLE_MESSAGE = (
    "盲文转换程序不可用，请联系管理员安装 Debian 软件包 liblouis-bin 和 liblouis-data"
    "（scripts/ensure-louis.sh）。"
    " The Braille converter is unavailable: install Debian's liblouis-bin and liblouis-data"
    " (scripts/ensure-louis.sh)."
)


class BrailleUnavailable(RuntimeError):
    """liblouis is not installed, cannot load the table, or did not answer in time."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(f"{UNAVAILABLE_MESSAGE} ({detail})" if detail else UNAVAILABLE_MESSAGE)


def available() -> bool:
    """Whether ``lou_translate`` is on the PATH (the table is checked when used)."""
    return shutil.which(LOU_TRANSLATE) is not None


@lru_cache(maxsize=1)
def _tokenizer():
    from onething.domain.search import make_tokenizer

    return make_tokenizer(())


def _wordy(char: str) -> bool:
    return char.isalnum()


def segment(text: str) -> str:
    """``text`` with a space between adjacent words (分词连写); punctuation and
    existing spaces are kept as they are."""
    out: list[str] = []
    for token in _tokenizer().cut(text):
        if out and token and _wordy(out[-1][-1]) and _wordy(token[0]):
            out.append(" ")
        if token:
            out.append(token)
    return "".join(out)


_MASK = re.compile(r"\*{2,}")


def _prepare(line: str) -> str:
    line = _MASK.sub(lambda m: f"（隐去{len(m.group())}位）", line)
    line = " ".join(line.split())  # no tabs or runs of spaces: one blank cell between words
    return segment(line)[:MAX_LINE_CHARS]


def translate_lines(lines: Sequence[str], *, table: str = TABLE,
                    timeout: float = TIMEOUT_SECONDS) -> list[str]:
    """Each line in Unicode Braille, through one ``lou_translate`` run. Empty lines
    stay empty. Raises BrailleUnavailable when liblouis cannot do it."""
    prepared = [_prepare(line) for line in lines]
    wanted = [p for p in prepared if p]
    if not wanted:
        return ["" for _ in lines]
    try:
        run = subprocess.run(
            [LOU_TRANSLATE, "--forward", f"{DISPLAY},{table}"],
            input="\n".join(wanted) + "\n", capture_output=True, text=True, encoding="utf-8",
            timeout=timeout, check=False,
        )
    except FileNotFoundError as exc:
        raise BrailleUnavailable(f"{LOU_TRANSLATE} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise BrailleUnavailable(f"{LOU_TRANSLATE} took longer than {timeout} s") from exc
    # lou_translate exits 0 even when the table does not compile; it then prints nothing.
    out = run.stdout.split("\n")
    if out and out[-1] == "":
        out.pop()
    if run.returncode != 0 or "could not be compiled" in run.stderr or len(out) != len(wanted):
        detail = (run.stderr.strip().splitlines() or [f"exit status {run.returncode}"])[-1]
        raise BrailleUnavailable(f"{LOU_TRANSLATE} {table}: {detail}")
    translated = iter(out)
    return [next(translated).rstrip().rstrip(BLANK) if p else "" for p in prepared]


def to_unicode_text(lines: Sequence[str]) -> str:
    """The .txt download: one Braille line per line of the notice, UTF-8."""
    return "\n".join(translate_lines(lines)) + "\n"


def wrap(braille: str, width: int = CELLS_PER_LINE) -> list[str]:
    """Break a line of cells at blank cells so no line is wider than ``width``; a
    word longer than a line is cut. Blank lines stay blank."""
    words = braille.replace(" ", BLANK).split(BLANK)
    lines: list[str] = []
    current = ""
    for word in words:
        if not word:
            continue
        candidate = f"{current}{BLANK}{word}" if current else word
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while len(word) > width:
            lines.append(word[:width])
            word = word[width:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


def paginate(lines: Sequence[str], per_page: int = LINES_PER_PAGE) -> list[list[str]]:
    """Pages of at most ``per_page`` lines; a page does not start with a blank line."""
    pages: list[list[str]] = [[]]
    for line in lines:
        if len(pages[-1]) == per_page:
            pages.append([])
        if not line and not pages[-1]:
            continue
        pages[-1].append(line)
    while len(pages) > 1 and not pages[-1]:
        pages.pop()
    for page in pages:
        while page and not page[-1]:
            page.pop()
    return pages


def cell_to_ascii(cell: str) -> str:
    """One Braille cell as its Braille ASCII character (dots 7 and 8 do not exist
    in BRF; the Chinese table never uses them)."""
    code = ord(cell) - 0x2800
    if not 0 <= code <= 0xFF:
        raise ValueError(f"not a Braille cell: {cell!r}")
    return BRAILLE_ASCII[code & 0x3F]


def to_brf(lines: Sequence[str], *, width: int = CELLS_PER_LINE,
           per_page: int = LINES_PER_PAGE) -> bytes:
    """The .brf download: ASCII Braille, ``width`` cells a line, ``per_page`` lines
    a page, CR LF after each line and a form feed between pages."""
    wrapped: list[str] = []
    for line in translate_lines(lines):
        wrapped += wrap(line, width) if line else [""]
    pages = paginate(wrapped, per_page)
    text = "\f".join("".join("".join(cell_to_ascii(c) for c in line).rstrip() + "\r\n"
                             for line in page) for page in pages)
    return text.encode("ascii")
