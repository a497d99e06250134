"""改革成效 on the bundle and scenario pages: computed figures and the recorded baseline,
one partial for both pages, in Chinese and English."""

from __future__ import annotations

import re

import pytest

from tests.english import english

pytestmark = pytest.mark.django_db


def outcome_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    [section] = re.findall(
        r'<section aria-labelledby="outcome-heading".*?</section>', html, flags=re.S
    )
    return re.sub(r"\s+", " ", section)


def test_restaurant_page_shows_the_computed_figures_and_the_sichuan_baseline(
    client, loaded_catalog
):
    section = outcome_of(client, "/bundles/restaurant/")
    assert '<h2 id="outcome-heading">改革成效</h2>' in section
    assert "各事项分别办理</dt><dd>材料 18 份</dd>" in section
    assert "一次申请，合并去重</dt><dd>材料 14 份</dd>" in section
    assert "电子证照复用后</dt><dd>材料 12 份" in section
    assert "先办事项出具的证照直接使用 1 份" in section
    assert "电子证照最多可代替 1 份（登录后按您已有的证照计算）" in section
    assert "逐个部门办理</dt><dd>14 个工作日" in section
    assert "并联办理</dt><dd>6 个工作日<small>按最长的先后链条计算，少 8 个工作日" in section
    assert (
        "<strong>改革前：</strong>材料35份、48个工作日（四川省，2024）"
        '<span class="muted">（此数据尚未经官方确认）</span>'
    ) in section
    # The maintainers' note and the citation stay in the catalogue.
    assert "新华社" not in section and "shared/reference" not in section
    assert "待核实。" not in section


def test_the_same_figures_in_english(client, loaded_catalog):
    english(client)
    section = outcome_of(client, "/bundles/restaurant/")
    assert '<h2 id="outcome-heading">Reform outcomes</h2>' in section
    assert "Each matter applied for separately</dt><dd>18 materials</dd>" in section
    assert "One application, duplicates merged</dt><dd>14 materials</dd>" in section
    assert "After reusing electronic certificates</dt><dd>12 materials" in section
    assert "One department after another</dt><dd>14 working days" in section
    assert (
        "<strong>Before the reform: </strong>35 materials, 48 working days "
        "(Sichuan Province, 2024)"
        '<span class="muted"> (figures not yet officially confirmed)</span>'
    ) in section
    assert not re.search(r"[\u4e00-\u9fff]", section)


def test_a_calendar_day_baseline_and_a_bundle_without_one(client, loaded_catalog):
    opening = outcome_of(client, "/bundles/enterprise-opening/")
    assert "<strong>改革前：</strong>22.9天（全国，2017）" in opening
    change = outcome_of(client, "/bundles/enterprise-change/")
    assert "<strong>改革前：</strong>6个工作日（上海市，2024）" in change
    newborn = outcome_of(client, "/bundles/newborn/")
    assert "逐个部门办理</dt><dd>15 个工作日" in newborn
    assert "改革前" not in newborn


def test_a_signed_in_applicant_sees_the_count_for_the_certificates_they_hold(
    client, demo, loaded_catalog
):
    client.force_login(demo.applicant2)  # holds no certificate yet
    section = outcome_of(client, "/bundles/restaurant/?has_business_licence=yes")
    assert "电子证照复用后</dt><dd>材料 11 份" in section
    assert "已有电子证照，免提交 0 份" in section
    assert "最多可代替" not in section


def test_scenario_and_bundle_pages_render_the_same_partial(client, loaded_catalog):
    scenario = outcome_of(client, "/scenarios/small-restaurant/")
    from onething.catalog.selectors import scenarios

    answers = next(s for s in scenarios() if s.slug == "small-restaurant").answers
    query = "&".join(f"{k}={v}" for k, v in answers.items())
    assert scenario == outcome_of(client, f"/bundles/restaurant/?{query}")
    assert "改革前：</strong>材料35份" in scenario
