"""告知承诺 and 容缺受理 on the portal: signing when applying, seeing and supplying what is owed."""

import re

import pytest

from onething.accounts.models import User
from onething.applications.models import Application, Commitment
from onething.applications.services import transition_case
from onething.catalog.selectors import plan_bundle
from onething.domain.cases import Action, CaseStatus
from tests.english import catalogue_data
from tests.portal.test_citizen import pdf, restaurant_post
from tests.portal.test_english import SWITCH, chrome_left_in_chinese, in_english

pytestmark = pytest.mark.django_db

FIRE = "fire-safety-check-commitment"
PERFORMANCE = "commercial-performance-approval"
PERMIT = "large-event-permit"


def test_the_apply_form_shows_the_whole_commitment_and_a_box_to_sign_it(client, demo):
    client.force_login(demo.applicant)
    page = client.get("/bundles/restaurant/apply/").content.decode()
    [terms] = plan_bundle("restaurant", {}).commitments
    assert f'name="commitment-{FIRE}" value="{terms.sha256}"' in page
    assert "三、不实承诺的法律责任。" in page and "（2026-01 版）" in page
    assert "我已阅读上述承诺书，承诺所述内容真实，愿意承担不实承诺的法律责任" in page
    assert ('aria-describedby="commitment-fire-safety-check-commitment-text '
            'commitment-fire-safety-check-commitment-hint"') in page
    inspection = client.get("/bundles/restaurant/apply/?fire_route=inspection").content.decode()
    assert "commitment-" not in inspection


def test_signing_on_the_portal_records_the_commitment(client, demo):
    client.force_login(demo.applicant)
    response = client.post("/bundles/restaurant/apply/", restaurant_post(demo.applicant))
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get()
    signed = Commitment.objects.get(case__application=application)
    assert (signed.channel, signed.signed_by, signed.version) == ("portal", demo.applicant,
                                                                  "2026-01")
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert "告知承诺书（2026-01 版，" in page and signed.sha256 in page


def test_an_unticked_or_stale_commitment_is_refused_on_the_form(client, demo):
    client.force_login(demo.applicant)
    unsigned = client.post("/bundles/restaurant/apply/",
                           restaurant_post(demo.applicant, **{f"commitment-{FIRE}": None}))
    assert unsigned.status_code == 400
    html = unsigned.content.decode()
    assert (f'<a href="#commitment-{FIRE}">请阅读并签署“公众聚集场所投入使用、营业前消防安全检查'
            "（告知承诺）”的告知承诺书 (read and sign the commitment: required)</a>") in html
    assert f'id="commitment-{FIRE}-error"' in html
    stale = client.post("/bundles/restaurant/apply/",
                        restaurant_post(demo.applicant, key="key-2",
                                        **{f"commitment-{FIRE}": "a" * 64}))
    assert stale.status_code == 400
    assert "与现行文本（2026-01 版）不一致，请重新阅读并签署" in stale.content.decode()
    assert Application.objects.count() == 0


def performance_post(user, key="perf-1", **overrides):
    answers = {"attendance": "1000-plus"}
    plan = plan_bundle("performance", answers)
    values = {"number": "1500", "date": "2026-04-25", "mobile": "13800000002"}
    data = {f.key: values.get(f.type, "夏夜音乐会") for f in plan.fields}
    data.pop("uscc"), data.pop("company_name")
    data.update({f"answer-{k}": v for k, v in answers.items()})
    data["idempotency_key"] = key
    for m in plan.materials:
        if m.key != PERMIT:
            data[f"material-{m.key}"] = pdf(f"{m.key}.pdf")
    data[f"defer-{PERMIT}"] = "1"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_owed_materials_declared_seen_and_supplied_on_the_portal(client, demo):
    culture = User.objects.get(username="reviewer-dc-culture-tourism")
    client.force_login(demo.applicant2)
    form = client.get("/bundles/performance/apply/?attendance=1000-plus").content.decode()
    assert f'name="defer-{PERMIT}"' in form
    assert "暂缺“大型群众性活动安全许可决定书”，申请容缺受理" in form
    assert "部门受理后 5 个工作日内补交，补齐后才作出决定。" in form
    assert 'name="defer-performance-application"' not in form

    response = client.post("/bundles/performance/apply/", performance_post(demo.applicant2))
    assert response.status_code == 302, response.content.decode()[:3000]
    application = Application.objects.get()
    case = application.cases.get(matter__code=PERFORMANCE)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert "容缺受理：尚缺 1 份材料" in page
    assert "您申请了容缺受理，部门受理时确定补齐期限。" in page
    assert "portal/supply" not in page and f"/cases/{case.pk}/supply/" not in page

    transition_case(case.pk, Action.ACCEPT_PENDING, actor=culture)
    case.refresh_from_db()
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert f'action="/applications/{application.pk}/cases/{case.pk}/supply/"' in page
    assert f'name="material-{PERMIT}"' in page
    due = case.pending_due_date
    assert re.search(rf"请于 <strong>{due.year}年0?{due.month}月0?{due.day}日</strong> 前补齐",
                     page)

    # English: the owed block is translated; the names are catalogue data.
    english = in_english(client).get(f"/applications/{application.pk}/").content.decode()
    assert "Accepted with materials to follow: 1 material still owed" in english
    data = [*catalogue_data(application), "现行盲文"]  # as test_english does
    # The company's name first: catalogue words (德城区) would cut it apart.
    left = chrome_left_in_chinese(english.replace(demo.applicant2.display_name, ""), SWITCH,
                                  *data)
    assert left == [], left
    client.cookies.pop("django_language", None)

    # Nothing chosen: refused, with the field marked.
    empty = client.post(f"/applications/{application.pk}/cases/{case.pk}/supply/", {})
    assert empty.status_code == 400
    assert "请选择“大型群众性活动安全许可决定书”的文件" in empty.content.decode()
    done = client.post(f"/applications/{application.pk}/cases/{case.pk}/supply/",
                       {f"material-{PERMIT}": pdf("permit.pdf")})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.pending_items == []


def test_someone_elses_case_cannot_be_supplied(client, demo):
    culture = User.objects.get(username="reviewer-dc-culture-tourism")
    client.force_login(demo.applicant2)
    client.post("/bundles/performance/apply/", performance_post(demo.applicant2))
    application = Application.objects.get()
    case = application.cases.get(matter__code=PERFORMANCE)
    transition_case(case.pk, Action.ACCEPT_PENDING, actor=culture)
    client.force_login(demo.applicant)
    response = client.post(f"/applications/{application.pk}/cases/{case.pk}/supply/",
                           {f"material-{PERMIT}": pdf("permit.pdf")})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED_PENDING
