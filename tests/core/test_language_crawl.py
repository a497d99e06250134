"""One language per page: every page each role can reach, in Chinese and in English.

The pages are the access matrix's (tests/security/test_access_matrix.py): every GET
that answers 200 for the anonymous visitor, the applicant, the window clerk, the
reviewer and the manager, filled from the matrix's world (an application for 开办餐饮店
with a business licence issued, a 无犯罪记录证明, halls, tickets). Each page is fetched
with the Django test client in both languages:

- a Chinese page shows no English words of the interface (a few words that are names:
  the language switch "English", the product's name, file formats);
- an English page shows no Chinese once data is taken out: people's and companies'
  names, what applicants filed, what certificates certify, halls, legal citations, the
  signed commitment texts, and catalogue texts that have no English yet (only long
  texts may lack it; they are counted).
"""

from __future__ import annotations

import html
import re

import pytest

from tests.english import (
    UNTRANSLATED_ALLOWED,
    chinese_left,
    english,
    english_page_data,
    untranslated_catalogue,
)
from tests.security.test_access_matrix import MATRIX, World, _url, world  # noqa: F401

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "applicant", "clerk", "reviewer", "manager")

#: English words a Chinese page may show: the switch to English names its language in
#: English; the product's name; the pinyin the search box takes (shuidian, sdqw); names of
#: products and standards (authenticator apps, Unicode Braille) and of a key (Ctrl).
#: Codes in capitals (certificate numbers, PDF, SHA-256) and hex digests are not words.
NAMES = {
    "English",
    "onething",
    "shuidian",
    "sdqw",
    "juzhuzheng",  # the any-matter window's search examples (居住证 by pinyin and initials)
    "jzz",
    "Excel",  # the hall figures' download (xlsx)
    "xlsx",
    "Unicode",
    "Ctrl",
    "Google",
    "Microsoft",
    "Authenticator",
    "FreeOTP",
}


def pages(world: World) -> list[tuple[str, str, str]]:  # noqa: F811
    """(URL name, role, URL) of every page a crawled role reaches."""
    found = []
    for name, entry in MATRIX.items():
        if entry.method != "get" or name.startswith("api:"):  # the API speaks JSON
            continue
        url = _url(name, entry, world)
        for role, status in entry.expected().items():
            if role in ROLES and status == 200:
                found.append((name, role, url))
    return found


def visible_text(page: str) -> str:
    """The text a reader sees or hears in the page's <title> and <body>."""
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    body = re.search(r"<body.*?</body>", page, re.S)
    page = (title.group(1) if title else "") + " " + (body.group(0) if body else page)
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<(\w+)[^>]*\blang="en"[^>]*>.*?</\1>', " ", page, flags=re.S)
    spoken = re.findall(r'\s(?:aria-label|placeholder|title|alt)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *spoken]))


def english_words(text: str, data: set[str]) -> list[str]:
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, " ")
    text = re.sub(r"\S+@\S+|https?://\S+|https?://|/\S*", " ", text)  # addresses, paths
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]", text)
    return [
        w
        for w in words
        if len(w) >= 3 and w not in NAMES and not w.isupper() and not re.fullmatch(r"[a-f]+", w)
    ]


def _is_html(response) -> bool:
    return response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_every_page_speaks_one_language(world):  # noqa: F811 (the matrix's fixture)
    crawled = pages(world)
    assert len({name for name, _, _ in crawled}) >= 40  # the crawl reaches the pages
    data = english_page_data()
    from onething.accounts.models import User
    from onething.hall.models import Hall

    # Identifiers a manager sees on a Chinese page: sign-in names and a hall's web address.
    codes = set(User.objects.values_list("username", flat=True))
    codes.update(Hall.objects.values_list("slug", flat=True))
    untranslated = untranslated_catalogue()
    ascii_data = {d for d in data | set(untranslated) | codes if re.search(r"[A-Za-z]{3}", d)}
    english_left, chinese_left_over, shown_untranslated = [], [], {}
    fetched = 0
    for name, role, url in crawled:
        chinese = world.client(role).get(url)
        if not _is_html(chinese):
            continue
        fetched += 1
        page = chinese.content.decode()
        if '<html lang="zh-Hans">' not in page:
            english_left.append(f"{name} as {role} (zh): not marked as Chinese")
        words = english_words(visible_text(page), ascii_data)
        if words:
            english_left.append(f"{name} as {role} (zh): {sorted(set(words))[:12]}")
        client = world.client(role)
        english(client)
        response = client.get(url)
        page = response.content.decode()
        if '<html lang="en">' not in page:
            chinese_left_over.append(f"{name} as {role} (en): not marked as English")
        for text, kind in untranslated.items():
            if html.escape(text) in page or text in page:
                shown_untranslated[text] = kind
        # A choice's stored value stays the Chinese that is filed; its label is English.
        visible = re.sub(r'\svalue="[^"]*"', "", page)
        left = chinese_left(visible, data | set(untranslated), whole_body=True)
        if left:
            chinese_left_over.append(f"{name} as {role} (en): {left[:3]}")
    assert fetched >= 100
    assert chinese_left_over == [], "\n".join(chinese_left_over)
    assert english_left == [], "\n".join(english_left)
    # Catalogue texts without English: only long texts, and few.
    kinds = sorted(set(shown_untranslated.values()))
    assert set(kinds) <= UNTRANSLATED_ALLOWED, kinds
    assert len(shown_untranslated) <= 20, len(shown_untranslated)
