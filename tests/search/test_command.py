"""``onething search``: over the database catalogue, JSON shape, empty results, not set up."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("search", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_puts_utilities_first(loaded_catalog):
    out, _ = run("水电", "--json")
    items = json.loads(out)
    assert items[0]["kind"] == "bundle"
    assert items[0]["bundle"] == "utilities-connection"
    assert items[0]["url"] == "/bundles/utilities-connection/"
    for item in items:
        assert {"kind", "title", "url", "bundle"} <= set(item)
        assert item["kind"] in ("bundle", "scenario", "matter")


def test_json_matters_and_scenarios(loaded_catalog):
    items = json.loads(run("食品经营许可", "--json", "--limit", "5")[0])
    matter = next(i for i in items if i["kind"] == "matter")
    assert matter["bundle"] == "restaurant" and matter["url"] == "/bundles/restaurant/"
    items = json.loads(run("我要开蛋糕店", "--json")[0])
    scenario = next(i for i in items if i["kind"] == "scenario")
    assert scenario["url"] == "/scenarios/cake-shop/" and scenario["bundle"] == "restaurant"
    assert len(json.loads(run("登记", "--json", "--limit", "2")[0])) == 2


def test_text_output_and_empty_result_help(loaded_catalog):
    out, _ = run("sdqw")
    assert out.splitlines()[0].startswith("[一件事] 水电气网联合报装")
    out, err = run("asdfgh", "--json")
    assert json.loads(out) == []
    assert "没有找到" in err and "开办餐饮店" in err


def test_index_follows_catalogue_edits(loaded_catalog):
    from onething.catalog.models import Bundle

    assert json.loads(run("社区跳蚤市场", "--json")[0]) == []
    bundle = Bundle.objects.get(slug="large-event")
    bundle.synonyms = [*bundle.synonyms, "社区跳蚤市场"]
    bundle.save()  # an admin edit replaces the catalogue token
    assert json.loads(run("社区跳蚤市场", "--json")[0])[0]["bundle"] == "large-event"


def test_not_set_up(monkeypatch):
    from onething.catalog import selectors

    monkeypatch.setattr(selectors, "catalog_is_loaded", lambda: False)
    with pytest.raises(CommandError, match="onething setup"):
        run("水电")


@pytest.mark.urls("tests.api.urls")
def test_api_search_is_public_and_matches_the_command(client, loaded_catalog):
    response = client.get("/api/v1/search", {"q": "水电", "limit": 5})
    assert response.status_code == 200
    items = response.json()
    assert items[0]["bundle"] == "utilities-connection"
    assert "<mark>水电</mark>" in items[0]["title_html"]
    assert items == json.loads(run("水电", "--json", "--limit", "5")[0])
    assert client.get("/api/v1/search", {"q": "asdfgh"}).json() == []
    assert client.get("/api/v1/search").json() == []
    assert len(client.get("/api/v1/search", {"q": "登记", "limit": 999}).json()) <= 50
