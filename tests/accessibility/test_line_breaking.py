"""Large-print line breaking keeps Chinese punctuation where it belongs (禁则)."""

from onething.accessibility.largeprint import break_lines


def width(text: str) -> float:
    return float(len(text))  # every character one unit wide


def test_short_text_stays_one_line():
    assert break_lines("请补正以下材料", width, 10) == ["请补正以下材料"]


def test_a_closing_quote_never_starts_a_line():
    # Plain character wrap would give ["他说：“好的。", "”然后走了"].
    # "。" may not start a line either, so "的" comes down with both marks.
    assert break_lines("他说：“好的。”然后走了", width, 7) == ["他说：“好", "的。”然后走了"]


def test_an_opening_mark_never_ends_a_line():
    # Character wrap would end the first line with "（".
    assert break_lines("请携带身份证（原件）", width, 7) == ["请携带身份证", "（原件）"]


def test_latin_words_and_numbers_are_kept_whole_and_newlines_kept():
    assert break_lines("运单号 EMS1234567890 已寄出\n第二行", width, 12) == [
        "运单号", "EMS1234567890", "已寄出", "第二行"]


def test_no_line_starts_with_a_closing_mark_at_any_width():
    text = ("根据《中华人民共和国行政许可法》第三十二条，申请材料不齐全的，"
            "应当一次告知申请人需要补正的全部内容。”")
    for limit in range(3, 30):
        lines = break_lines(text, width, limit)
        assert "".join(lines) == text
        assert all(line[0] not in "，。、；：）》”" for line in lines if line), limit
        assert all(line[-1] not in "（《“" for line in lines if line), limit
