"""The search box in every portal page's header, and the results page."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def header(html: str) -> str:
    return html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]


@pytest.mark.parametrize("path", ["/", "/bundles/restaurant/", "/search/", "/login/"])
def test_every_page_has_the_search_form_in_the_header(client, loaded_catalog, path):
    response = client.get(path)
    assert response.status_code == 200
    top = header(response.content.decode())
    form = re.search(r'<form class="site-search" role="search" method="get" action="/search/">'
                     r".*?</form>", top, re.S)
    assert form, top
    label = re.search(r'<label for="([^"]+)"', form.group(0))
    assert label and f'id="{label.group(1)}"' in form.group(0) and 'name="q"' in form.group(0)


def test_results_page_lists_hits_with_kinds_and_marks(client, loaded_catalog):
    response = client.get("/search/", {"q": "户口迁移"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/bundles/hukou-migration/"><mark>户口迁移</mark></a>' in html
    assert "一件事" in html and "事项" in html
    assert 'value="户口迁移"' in html  # the box keeps the query
    html = client.get("/search/", {"q": "我要开蛋糕店"}).content.decode()
    assert "导办场景" in html and "/scenarios/cake-shop/" in html


def test_synonym_and_pinyin_matches_are_shown(client, loaded_catalog):
    html = client.get("/search/", {"q": "sdqw"}).content.decode()
    assert "<mark>水电气网</mark>联合报装" in html
    html = client.get("/search/", {"q": "良民证"}).content.decode()
    assert "匹配：<mark>良民证</mark>" in html


def test_empty_and_nonsense_queries_get_help_not_errors(client, loaded_catalog):
    for query in ("", "asdfgh", "<script>alert(1)</script>", "天气预报"):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200
        html = response.content.decode()
        assert "大家常办的一件事" in html and "/bundles/restaurant/" in html
        assert "<script>alert" not in html
    html = client.get("/search/", {"q": "asdfgh"}).content.decode()
    assert "没有找到与“asdfgh”相关的事项" in html
