"""The workbench's clock actions: a special procedure (暂停计时) and an extension (延期)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from onething.applications.models import Case, CaseExtension, CaseSuspension
from onething.applications.services import transition_case
from onething.domain.cases import Action
from tests.workbench.test_workbench import buttons, case_of, case_url, submit

pytestmark = pytest.mark.django_db


def at(day: str):
    return time_machine.travel(dt.datetime.fromisoformat(day).replace(
        hour=10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


@pytest.fixture
def licence(demo):
    """食品经营许可, accepted 2025-09-30 and in review."""
    with at("2025-09-30"):
        application = submit(demo)
        registration = case_of(application, "business-registration")
        for action in (Action.ACCEPT, Action.APPROVE):
            transition_case(registration.pk, action, actor=demo.samr)
        case = case_of(application, "food-business-licence")
        for action in (Action.ACCEPT, Action.START_REVIEW):
            transition_case(case.pk, action, actor=demo.samr)
    return case


def test_a_special_procedure_stops_the_clock_and_resuming_moves_the_dates(client, demo,
                                                                          licence):
    client.force_login(demo.samr)
    with at("2025-10-13"):
        page = client.get(case_url(licence))
        assert {"启动特别程序（暂停计时）", "延长办理期限"} <= set(buttons(page))
        missing = client.post(case_url(licence), {"action": "suspend", "reason": "公示"})
        assert missing.status_code == 400
        assert "请选择特别程序的类型" in missing.content.decode()
        done = client.post(case_url(licence), {
            "action": "suspend", "kind": "public_notice", "reason": "依法公示",
            "expected_end": "2025-10-20"})
        assert done.status_code == 302
        page = client.get(case_url(licence)).content.decode()
    assert "暂停计时" in page and "（恢复计时后顺延）" in page
    assert "公示：2025年10月13日 起，暂停计时" in page
    assert buttons(client.get(case_url(licence))) == ["特别程序结束（恢复计时）"]
    with at("2025-10-20"):
        assert client.post(case_url(licence), {"action": "resume"}).status_code == 302
    case = Case.objects.get(pk=licence.pk)
    assert (case.status, case.promised_due_date, case.statutory_due_date) == (
        "in_review", dt.date(2025, 10, 21), dt.date(2025, 10, 28))
    page = client.get(case_url(licence)).content.decode()
    assert "公示：2025年10月13日 至 2025年10月20日" in page and "（恢复计时后顺延）" not in page
    assert CaseSuspension.objects.get(case=case).expected_end == dt.date(2025, 10, 20)


def test_an_extension_needs_the_heads_name_and_stays_within_ten_days(client, demo, licence):
    client.force_login(demo.samr)
    with at("2025-10-20"):
        refused = client.post(case_url(licence), {"action": "extend", "days": "5",
                                                  "reason": "需现场核查"})
        assert refused.status_code == 400
        assert "请填写批准人" in refused.content.decode()
        too_many = client.post(case_url(licence), {"action": "extend", "days": "11",
                                                   "reason": "需现场核查",
                                                   "approved_by": "王局长"})
        assert "累计不得超过10日" in too_many.content.decode()
        not_a_number = client.post(case_url(licence), {"action": "extend", "days": "十",
                                                       "reason": "x", "approved_by": "王局长"})
        assert "请填写延长的天数" in not_a_number.content.decode()
        assert not CaseExtension.objects.exists()
        done = client.post(case_url(licence), {"action": "extend", "days": "10",
                                               "reason": "需现场核查", "approved_by": "王局长"})
        assert done.status_code == 302
    case = Case.objects.get(pk=licence.pk)
    assert (case.promised_due_date, case.statutory_due_date) == (dt.date(2025, 10, 28),
                                                                  dt.date(2025, 11, 4))
    page = client.get(case_url(licence)).content.decode()
    assert "2025年10月20日 延期 10 日，经 王局长 批准" in page
