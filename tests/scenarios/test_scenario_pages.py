"""审批样板间 scenario pages: the plan for the preset answers, the links, the list, the 404."""

import html as htmllib
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from onething.catalog.selectors import plan_bundle, scenarios

pytestmark = pytest.mark.django_db


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def hrefs(html: str) -> list[str]:
    return [htmllib.unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def test_every_shipped_scenario_page_shows_the_plan_of_its_preset_answers(
        client, loaded_catalog):
    rows = list(scenarios())
    assert {"cake-shop", "small-restaurant", "temple-fair", "cafe-night-show"} <= {
        s.slug for s in rows}
    for scenario in rows:
        html = page(client, f"/scenarios/{scenario.slug}/")
        assert '<html lang="zh-Hans">' in html
        assert f"<h1 id=\"scenario-heading\">{scenario.title}</h1>" in html
        plan = plan_bundle(scenario.bundle.slug, scenario.answers)
        for matter in plan.matters:
            assert matter.name in html
            assert matter.department_name in html
        for material in plan.materials:
            assert htmllib.escape(material.name) in html
        outcome = html.split('id="outcome-heading"')[1].split("</section>")[0]
        assert f"并联办理</dt><dd>{plan.parallel_days} 个工作日" in outcome
        assert f"逐个部门办理</dt><dd>{plan.serial_days} 个工作日" in outcome


def test_cake_shop_reflects_the_pastry_menu(client, loaded_catalog):
    html = page(client, "/scenarios/cake-shop/")
    assert "我要开蛋糕店" in html
    assert "专间或专用操作区设置说明" in html
    # The preset situation in plain words: the question and the chosen option.
    plan = plan_bundle("restaurant", {"menu": "pastry"})
    assert plan.answers["menu"] == "pastry"
    assert "糕点" in html.split('id="situation-heading"')[1].split("</section>")[0]
    # The small restaurant (hot food) needs no such material.
    assert "专间或专用操作区设置说明" not in page(client, "/scenarios/small-restaurant/")


def test_preset_questions_are_shown_with_the_chosen_option(client, loaded_catalog):
    from onething.catalog.selectors import catalog_for_bundles

    for scenario in scenarios():
        spec = catalog_for_bundles([scenario.bundle.slug]).bundles[scenario.bundle.slug]
        html = page(client, f"/scenarios/{scenario.slug}/")
        situation = html.split('id="situation-heading"')[1].split("<details")[0]
        for key, value in scenario.answers.items():
            question = spec.question(key)
            assert htmllib.escape(question.text) in situation, (scenario.slug, key)
            assert htmllib.escape(question.option(value).label) in situation, (scenario.slug, key)


def test_temple_fair_needs_the_public_security_permit(client, loaded_catalog):
    html = page(client, "/scenarios/temple-fair/")
    assert "大型群众性活动安全许可" in html
    assert "行政许可" in html  # the kind of each approval is named
    assert re.search(r'<th scope="col">事项</th>', html)
    assert re.search(r'<th scope="row" data-label="事项">', html)


def test_expected_completion_date_is_shown(client, loaded_catalog):
    from django.utils import timezone

    plan = plan_bundle("restaurant", {"menu": "pastry"}, start=timezone.localdate(),
                       provisional=True)
    html = page(client, "/scenarios/cake-shop/")
    assert f"{plan.due.year}年{plan.due.month}月{plan.due.day}日" in html


def test_materials_other_results_provide_are_named(client, loaded_catalog):
    plan = plan_bundle("restaurant", {"menu": "pastry"})
    assert plan.provided_materials
    html = page(client, "/scenarios/cake-shop/")
    assert "不用再交的材料" in html
    for material in plan.provided_materials:
        assert htmllib.escape(material.name) in html.split("不用再交的材料")[1]


def test_links_carry_the_preset_answers(client, loaded_catalog):
    for scenario in scenarios():
        html = page(client, f"/scenarios/{scenario.slug}/")
        links = hrefs(html)
        bundle = scenario.bundle.slug
        adjust = [h for h in links
                  if urlsplit(h).path == f"/bundles/{bundle}/" and urlsplit(h).query]
        apply = [h for h in links if urlsplit(h).path == f"/bundles/{bundle}/apply/"]
        assert adjust and apply, scenario.slug
        for link in (adjust[0], apply[0]):
            query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
            for key, value in scenario.answers.items():
                assert query[key] == str(value), (scenario.slug, link)
        assert f"/scenarios/{scenario.slug}/poster/" in links
        assert "按我的情况调整" in html and "在线申请" in html and "打印海报" in html


def test_the_adjust_link_opens_the_bundle_page_with_the_answers_checked(client, loaded_catalog):
    html = page(client, "/scenarios/cake-shop/")
    adjust = next(h for h in hrefs(html) if h.startswith("/bundles/restaurant/?"))
    bundle_page = page(client, adjust)
    assert re.search(r'id="menu-pastry" value="pastry" checked', bundle_page)
    assert "专间或专用操作区设置说明" in bundle_page


def test_list_page_links_every_scenario(client, loaded_catalog):
    html = page(client, "/scenarios/")
    links = hrefs(html)
    for scenario in scenarios():
        assert f"/scenarios/{scenario.slug}/" in links
        assert f"/scenarios/{scenario.slug}/poster/" in links
        assert scenario.title in html


def test_home_chips_lead_to_the_scenario_pages(client, loaded_catalog):
    html = page(client, "/")
    links = hrefs(html)
    for scenario in scenarios():
        assert f"/scenarios/{scenario.slug}/" in links
    assert "/scenarios/" in links


def test_unknown_scenario_is_a_friendly_404(client, loaded_catalog):
    for url in ("/scenarios/no-such-thing/", "/scenarios/no-such-thing/poster/"):
        response = client.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert "没有找到这个办事场景" in html
        assert "/scenarios/cake-shop/" in html  # somewhere to go next
        assert '<main id="main"' in html
