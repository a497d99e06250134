"""The workbench's receipt and case page, and the kiosk's registration progress, mark a
date that depends on an unpublished year 暂定 / provisional. Time is frozen on Monday
2026-12-28: dates past the year end come from the provisional schedule of 2027."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.domain.cases import Action
from tests.conftest import restaurant_submission
from tests.english import english

pytestmark = pytest.mark.django_db
MONDAY = dt.datetime(2026, 12, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def row_dates(html: str) -> dict[str, str]:
    """Receipt rows: matter name → the due-date cell."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    out = {}
    for row in rows:
        texts = [re.sub(r"<[^>]+>", "", c).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        if texts and texts[-1][:4] in ("2026", "2027", "Dec.", "Jan."):
            out[texts[0]] = texts[-1]
    return out


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def accepted(monday, demo):
    """A restaurant application of 2026-12-28; registration and health check accepted."""
    application = submit_application(restaurant_submission(demo.applicant),
                                      actor=demo.applicant, applicant=demo.applicant)
    for code, reviewer in (("business-registration", demo.samr),
                           ("food-worker-health-certificate", demo.health)):
        transition(application.cases.get(matter__code=code).pk, Action.ACCEPT, actor=reviewer)
    return application


def test_receipt_marks_confirmed_and_planned_dates_that_are_provisional(client, demo,
                                                                        accepted):
    client.force_login(demo.clerk)
    html = client.get(reverse("workbench:receipt", args=[accepted.pk])).content.decode()
    dates = row_dates(html)
    # The 收件回执 says what it said at submission: every date the plan's estimate, even
    # for the cases accepted since (their promised dates are on the 受理通知书).
    assert dates == {
        "经营主体设立登记（营业执照）": "2026年12月29日（预计）",
        "食品从业人员预防性健康检查（健康证明）": "2027年1月5日（暂定）（预计）",
        "食品经营许可（新办）": "2027年1月6日（暂定）（预计）",
        "公众聚集场所投入使用、营业前消防安全检查（告知承诺）": "2026年12月29日（预计）",
        "户外招牌设施设置": "2027年1月4日（暂定）（预计）",
    }
    assert "2027年1月6日（暂定）" in html  # expected completion
    english(client)
    html = client.get(reverse("workbench:receipt", args=[accepted.pk])).content.decode()
    assert "Jan. 6, 2027 (provisional)" in html


def test_case_page_marks_both_due_dates(client, demo, accepted):
    case = accepted.cases.get(matter__code="food-worker-health-certificate")
    case.refresh_from_db()
    assert case.due_provisional and case.statutory_due_date.year == 2027
    client.force_login(demo.health)
    html = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    # The workbench writes dates as the portal does (DATE_FORMAT).
    assert "2027年1月5日（暂定）" in html
    due = case.statutory_due_date
    assert f"{due.year}年{due.month}月{due.day}日（暂定）" in html
    registration = accepted.cases.get(matter__code="business-registration")
    client.force_login(demo.samr)
    html = client.get(reverse("workbench:case", args=[registration.pk])).content.decode()
    assert "2026年12月29日" in html and "2026年12月29日（暂定）" not in html


def test_kiosk_registration_progress_marks_a_provisional_date(client, demo, accepted,
                                                              settings):
    from tests.kiosk.test_kiosk import sign_in

    settings.ONETHING_REAL_ESTATE_DEPARTMENT = "dc-health"  # any department will do
    sign_in(client, demo.applicant)
    html = client.get(reverse("kiosk:real-estate")).content.decode()
    assert "2027年1月5日（暂定）" in html
