"""The first public pages: the bundle list and the 审批样板间 page."""

import pytest

from onething.catalog.models import Bundle

pytestmark = pytest.mark.django_db


def test_home_lists_every_bundle(client, loaded_catalog, shipped):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    for bundle in shipped.catalog.bundles.values():
        assert bundle.name in html
        assert f"/bundles/{bundle.slug}/" in html


def test_bundle_page_shows_questions_and_plan(client, loaded_catalog):
    html = client.get("/bundles/restaurant/").content.decode()
    assert "是否已经领取营业执照？" in html
    assert "食品经营许可（新办）" in html
    assert "德城区市场监督管理局" in html
    assert "需要准备的材料" in html
    assert "逐个部门办理" in html and "改革成效" in html
    # Labels are tied to their radio buttons.
    assert 'for="has_business_licence-no"' in html and 'id="has_business_licence-no"' in html


def test_answers_change_the_plan(client, loaded_catalog):
    default = client.get("/bundles/restaurant/").content.decode()
    holding = client.get("/bundles/restaurant/?has_business_licence=yes").content.decode()
    assert "经营主体设立登记（营业执照）</th>" not in holding.replace("<br>", "</th>")
    assert "经营主体设立登记（营业执照）" in default
    small = client.get("/bundles/restaurant/?floor_area=under-50").content.decode()
    assert "消防安全检查（告知承诺）" in default
    assert "消防安全检查（告知承诺）" not in small


def test_bad_answers_show_an_error_summary_not_a_crash(client, loaded_catalog):
    response = client.get("/bundles/restaurant/?menu=pizza")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "pizza" in html


def test_unknown_bundle_is_404(client, loaded_catalog):
    assert client.get("/bundles/no-such-thing/").status_code == 404


def test_admin_speaks_chinese(admin_client, loaded_catalog):
    html = admin_client.get("/admin/catalog/matter/").content.decode()
    assert "食品经营许可（新办）" in html
    assert "事项" in html
    bundle = Bundle.objects.get(slug="restaurant")
    change = admin_client.get(f"/admin/catalog/bundle/{bundle.pk}/change/").content.decode()
    assert "开办餐饮店" in change
    assert "成员事项" in change  # the members inline
