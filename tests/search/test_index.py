"""The pure search index: pinyin, initials, highlights, ranking, empty and odd queries."""

from __future__ import annotations

import pytest

from onething.domain.search import highlight_html, normalize_query


def top(index, query, n=1):
    return [(h.kind, h.key) for h in index.search(query, n)]


def test_full_pinyin_and_initials_find_utilities(index):
    for query in ("shuidian", "shui dian", "shuidianqiwang", "shuidianq", "sdqw", "SDQW"):
        assert top(index, query) == [("bundle", "utilities-connection")], query


def test_pinyin_of_a_colloquial_name_is_read_back_as_chinese(index):
    assert top(index, "shenghaizi") == [("bundle", "newborn")]


def test_synonyms_traditional_and_spaces(index):
    assert top(index, "生孩子") == [("bundle", "newborn")]
    assert top(index, "戶口遷移") == [("bundle", "hukou-migration")]
    assert top(index, "水 电") == [("bundle", "utilities-connection")]
    assert normalize_query("  開餐廳，ＡＢＣ ") == "开餐厅 abc"


def test_partial_names_match(index):
    assert top(index, "联合报") == [("bundle", "utilities-connection")]
    assert top(index, "犯罪记录") == [("bundle", "no-criminal-record")]


def test_title_highlights_are_spans_and_escaped_html(index):
    hit = index.search("户口迁移", 1)[0]
    assert hit.highlights == ((0, 4),)
    assert hit.title_html == "<mark>户口迁移</mark>"
    hit = index.search("shuidian", 1)[0]
    assert hit.title[slice(*hit.highlights[0])] == "水电"
    assert highlight_html("<a>&b", [(1, 2)]) == "&lt;<mark>a</mark>&gt;&amp;b"


def test_synonym_match_is_reported(index):
    hit = index.search("良民证", 1)[0]
    assert hit.matched == "良民证" and hit.matched_html == "<mark>良民证</mark>"


def test_bundles_and_scenarios_rank_before_matters(index):
    hits = index.search("户口迁移", 10)
    kinds = [h.kind for h in hits]
    assert kinds[0] == "bundle" and "matter" in kinds
    first_matter = kinds.index("matter")
    assert all(k in ("bundle", "scenario") for k in kinds[:first_matter])
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_a_matter_leads_to_its_first_bundle(index):
    matter = next(h for h in index.search("食品经营许可", 5) if h.kind == "matter")
    assert matter.key == "food-business-licence"
    assert matter.bundle == "restaurant" and matter.url_path == "/bundles/restaurant/"
    # the bundle is found through its matter, and ranks above it
    assert top(index, "食品经营许可") == [("bundle", "restaurant")]


def test_scenario_urls(index):
    hit = next(h for h in index.search("我要开蛋糕店", 3) if h.kind == "scenario")
    assert (hit.key, hit.url_path, hit.bundle) == ("cake-shop", "/scenarios/cake-shop/",
                                                   "restaurant")


@pytest.mark.parametrize("query", ["", "   ", "？？！", "asdfghjkl", "天气预报", "x", "😀",
                                   "a" * 500, "的了吗", "<script>"])
def test_empty_or_nonsense_queries_give_no_hits_and_never_raise(index, query):
    assert index.search(query, 10) == []


def test_suggestions_are_popular_bundles(index):
    suggestions = index.suggestions(4)
    assert len(suggestions) == 4 and all(s.kind == "bundle" for s in suggestions)
    assert suggestions[0].key == "restaurant"  # the bundle with the most scenarios


def test_limit(index):
    assert len(index.search("登记", 3)) == 3
    assert index.search("登记", 0) == []
