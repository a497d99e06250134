"""Pages that show a date depending on an unpublished year mark it 暂定 / provisional.

Time is frozen on Monday 2026-12-28: the restaurant's dates reach into 2027, whose
State Council notice is not out; they come from the provisional schedule.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.domain.cases import Action
from tests.conftest import restaurant_submission
from tests.english import english

pytestmark = pytest.mark.django_db
MONDAY = dt.datetime(2026, 12, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


@time_machine.travel(MONDAY, tick=False)
def test_bundle_page_marks_each_date_reaching_into_2027(client, loaded_catalog):
    html = client.get("/bundles/restaurant/").content.decode()
    dates = [c for c in cells(html) if c.startswith(("2026年", "2027年"))]
    # registration, health certificate; then food licence, fire check, signboard
    assert dates == ["2026年12月29日", "2027年1月5日（暂定）", "2027年1月6日（暂定）",
                     "2026年12月29日", "2027年1月4日（暂定）"]
    assert "预计 <strong>2027年1月6日</strong> 前全部办结" in html
    assert "按法定节假日规则推算，公布后以正式安排为准" in html
    english(client)
    html = client.get("/bundles/restaurant/").content.decode()
    assert "Jan. 6, 2027 (provisional)" in cells(html)
    assert "Dec. 29, 2026" in cells(html)
    assert "estimated from the statutory holiday rules" in html


@time_machine.travel(MONDAY, tick=False)
def test_scenario_page_marks_each_date_reaching_into_2027(client, loaded_catalog):
    from onething.catalog.models import Scenario

    scenario = Scenario.objects.filter(bundle__slug="restaurant").first()
    html = client.get(f"/scenarios/{scenario.slug}/").content.decode()
    dates = [c for c in cells(html) if c.startswith(("2026年", "2027年"))]
    assert dates and all(("（暂定）" in d) == d.startswith("2027年") for d in dates)


@time_machine.travel(MONDAY, tick=False)
def test_application_page_marks_provisional_promised_dates(client, demo):
    application = submit_application(restaurant_submission(demo.applicant),
                                      actor=demo.applicant, applicant=demo.applicant)
    registration = application.cases.get(matter__code="business-registration")
    health = application.cases.get(matter__code="food-worker-health-certificate")
    transition(registration.pk, Action.ACCEPT, actor=demo.samr)
    transition(health.pk, Action.ACCEPT, actor=demo.health)
    health.refresh_from_db()
    assert (health.promised_due_date, health.due_provisional) == (dt.date(2027, 1, 5), True)
    client.force_login(demo.applicant)
    html = client.get(f"/applications/{application.pk}/").content.decode()
    assert "2027年1月5日（暂定）" in html
    assert "2026年12月29日（暂定）" not in html and "2026年12月29日" in html
    assert "节假日安排尚未公布，按法定节假日规则推算" in html
    english(client)
    html = client.get(f"/applications/{application.pk}/").content.decode()
    assert "Jan. 5, 2027 (provisional)" in html
