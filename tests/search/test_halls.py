"""Service halls in the site search: 办事大厅地址, a hall's name, address or pinyin — through
the same index, the results page, the API and ``onething search``."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from onething.domain.search import Entry, SearchIndex
from onething.hall.services import save_hall

pytestmark = pytest.mark.django_db

COUNTY = ("hall", "decheng-centre", "/halls/#decheng-centre")
TOWNSHIP = ("hall", "huangheya-centre", "/halls/#huangheya-centre")


def found(query: str, limit: int = 10) -> list[tuple[str, str, str | None]]:
    from onething.search import selectors

    return [(h.kind, h.key, h.url_path) for h in selectors.search(query, limit)]


@pytest.mark.parametrize(("query", "first"), [
    ("办事大厅地址", [COUNTY, TOWNSHIP]),  # the main hall first
    ("办事大厅在哪里", [COUNTY, TOWNSHIP]),
    ("政务服务中心", [COUNTY]),
    ("黄河涯镇便民服务中心", [TOWNSHIP]),
    ("湖滨北大道", [COUNTY]),  # by address
    ("huangheya", [TOWNSHIP]),  # by pinyin
    ("hhy", [TOWNSHIP]),  # by initials
])
def test_halls_are_found_by_what_people_type(halls, query, first):
    assert found(query)[:len(first)] == first


def test_a_query_for_a_service_still_finds_the_service_first(halls):
    assert found("开饭店")[0][0] == "bundle"
    assert not [hit for hit in found("食品经营许可") if hit[0] == "hall"]


def test_the_index_follows_changes_of_halls(halls, demo):
    from dataclasses import replace

    from onething.hall.selectors import periods_of
    from onething.hall.services import HallProfile

    township = halls.township
    profile = HallProfile(**{name: getattr(township, name) for name in (
        "name", "slug", "kind", "region", "address", "phone", "map_url", "bus_lines",
        "accessible_entrance", "hours_note", "is_main", "active", "order")},
        periods=periods_of(township))
    save_hall(replace(profile, active=False), actor=demo.manager, hall=township)
    assert TOWNSHIP not in found("便民服务中心")
    save_hall(replace(profile, name="黄河涯镇为民服务中心"), actor=demo.manager, hall=township)
    assert found("为民服务中心")[0] == TOWNSHIP


def test_without_halls_nothing_about_halls_is_found(loaded_catalog):
    assert [hit for hit in found("办事大厅地址") if hit[0] == "hall"] == []


def test_the_results_page_labels_halls_and_links_to_their_profile(client, halls):
    html = client.get("/search/", {"q": "办事大厅地址"}).content.decode()
    assert '<span class="tag kind-hall">办事大厅</span>' in html
    assert '<a href="/halls/#decheng-centre">德城区政务服务中心</a>' in html
    assert "地址、办公时间、咨询电话和交通，点击查看" in html


def test_the_api_and_the_command_return_halls_too(client, halls):
    hits = client.get("/api/v1/search", {"q": "办事大厅地址"}).json()
    assert [(h["kind"], h["key"], h["url"]) for h in hits[:2]] == [COUNTY, TOWNSHIP]
    out = io.StringIO()
    call_command("search", "huangheya", "--json", stdout=out)
    assert json.loads(out.getvalue())[0]["key"] == "huangheya-centre"
    out = io.StringIO()
    call_command("search", "办事大厅地址", stdout=out)
    assert out.getvalue().splitlines()[0].startswith("[办事大厅] 德城区政务服务中心")


def test_entries_of_an_unknown_kind_are_refused(shipped):
    with pytest.raises(ValueError, match="unknown search entry kind"):
        SearchIndex.from_catalog(shipped.catalog, [Entry("museum", "m", "博物馆", "/m/")])
