"""Maintainers' notes never reach citizens: a crawl of every public catalogue page.

Issue 16: bundle pages showed internal data-quality notes ("本事项清单待核实…因为选项不能
多选…"). The notes are ``maintainer_note`` now; this crawls the bundle, matter and
scenario pages (Chinese and English), the bundles' large-print guides (PDF) and the
API's public catalogue endpoints, and looks for any sentence of any note, and for the
words that mark one (domain.catalog.MAINTAINER_MARKERS).
"""

from __future__ import annotations

import html
import io
import re

import pytest
from pypdf import PdfReader

from onething.catalog import models
from onething.domain.catalog import MAINTAINER_MARKERS

pytestmark = pytest.mark.django_db

#: A sentence of a note this long or longer is looked for on every page.
MIN_FRAGMENT = 8


def note_fragments() -> set[str]:
    notes = [
        *models.Bundle.objects.exclude(maintainer_note="").values_list(
            "maintainer_note", flat=True
        ),
        *models.Matter.objects.exclude(maintainer_note="").values_list(
            "maintainer_note", flat=True
        ),
    ]
    fragments = set()
    for note in notes:
        for part in re.split(r"[。；;！？\n]", note):
            part = part.strip(" ，,、：:（）()“”")
            if len(part) >= MIN_FRAGMENT:
                fragments.add(part)
    return fragments


def leaks(text: str, fragments: set[str]) -> list[str]:
    """The notes' sentences and the maintainers' marker words found in ``text`` (its
    text and attributes' values that are shown, not scripts or random tokens)."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    shown = re.findall(r'\b(?:title|alt|aria-label|placeholder)="([^"]*)"', text)
    text = html.unescape(re.sub(r"<[^>]*>", " ", text) + " ".join(shown))
    found = sorted(f for f in fragments if f in text)
    upper = text.upper()
    found += [m for m in MAINTAINER_MARKERS if m in upper]
    return found


def pdf_text(body: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).replace("\n", "")


def public_paths() -> list[str]:
    paths = ["/", "/scenarios/", "/api/v1/bundles"]
    for slug in models.Bundle.objects.filter(single_matter=None).values_list("slug", flat=True):
        paths += [f"/bundles/{slug}/", f"/api/v1/bundles/{slug}/plan"]
    for code in models.Matter.objects.values_list("code", flat=True):
        paths.append(f"/matters/{code}/")
    for slug in models.Scenario.objects.values_list("slug", flat=True):
        paths.append(f"/scenarios/{slug}/")
    return paths


def test_the_notes_are_there_to_be_found():
    fragments = note_fragments()
    # The note issue 16 quotes is a maintainer's note now, and is looked for.
    assert any(
        f.startswith("用电报装按必办处理（问题只问电压等级），因为选项不能多选") for f in fragments
    )
    assert len(fragments) > 100


def test_no_public_page_or_api_field_shows_a_maintainers_note(client):
    fragments = note_fragments()
    crawled = 0
    for language in ("zh-hans", "en"):
        client.cookies["django_language"] = language
        for path in public_paths():
            response = client.get(path)
            assert response.status_code == 200, path
            assert leaks(response.content.decode(), fragments) == [], (language, path)
            crawled += 1
    assert crawled == 2 * (3 + 2 * 19 + 97 + 10)


def test_no_large_print_guide_shows_a_maintainers_note(client):
    fragments = note_fragments()
    slugs = list(models.Bundle.objects.filter(single_matter=None).values_list("slug", flat=True))
    assert len(slugs) == 19
    for slug in slugs:
        response = client.get(f"/bundles/{slug}/guide.large.pdf")
        assert response.status_code == 200, slug
        text = pdf_text(response.content)
        assert "办事指南" in text, slug
        assert leaks(text, fragments) == [], slug


def test_the_crawl_would_see_a_note_that_leaked(client):
    """The check can fail: a note typed into a public text is found."""
    fragments = note_fragments()
    bundle = models.Bundle.objects.get(slug="utilities-connection")
    models.Bundle.objects.filter(pk=bundle.pk).update(
        description=bundle.description + bundle.maintainer_note
    )
    page = client.get("/bundles/utilities-connection/").content.decode()
    found = leaks(page, fragments)
    assert any(
        f.startswith("用电报装按必办处理（问题只问电压等级），因为选项不能多选") for f in found
    )
    assert "选项不能多选" in found
