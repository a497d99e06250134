"""The case clock through the API: suspend (暂停计时), resume, extend (延期)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action
from tests.api.test_api import API, act, assert_error, bearer
from tests.conftest import restaurant_submission

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]


def at(day: str):
    return time_machine.travel(dt.datetime.fromisoformat(day).replace(
        hour=10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


def test_suspend_resume_and_extend(client, demo):
    with at("2025-09-30"):
        application = submit_application(restaurant_submission(demo.applicant),
                                         actor=demo.applicant, applicant=demo.applicant)
        registration = application.cases.get(matter__code="business-registration")
        transition_case(registration.pk, Action.ACCEPT, actor=demo.samr)
        transition_case(registration.pk, Action.APPROVE, actor=demo.samr)
        case_id = application.cases.get(matter__code="food-business-licence").pk
        transition_case(case_id, Action.ACCEPT, actor=demo.samr)
    samr = bearer(demo.samr)
    with at("2025-10-13"):
        assert_error(act(client, samr, case_id, "suspend", reason="送检"), 400,
                     "suspension_kind_required")
        response = act(client, samr, case_id, "suspend", reason="送检", kind="testing",
                       expected_end="2025-10-17")
        assert response.status_code == 200, response.content
        body = response.json()
    assert body["status"] == "suspended" and body["clock_paused"] is True
    assert body["actions"] == ["resume"]
    assert body["suspensions"] == [{"kind": "testing", "kind_label": "检测", "reason": "送检",
                                    "legal_basis": "《中华人民共和国行政许可法》第四十五条",
                                    "started_on": "2025-10-13", "ended_on": None,
                                    "expected_end": "2025-10-17"}]
    applicant_view = client.get(f"{API}/cases/{case_id}", **bearer(demo.applicant)).json()
    assert applicant_view["clock_paused"] is True and applicant_view["actions"] == ["withdraw"]
    with at("2025-10-17"):
        body = act(client, samr, case_id, "resume").json()
    # 10-14 … 10-17 (4 working days) did not count.
    assert (body["status"], body["clock_paused"]) == ("in_review", False)
    assert (body["promised_due_date"], body["statutory_due_date"]) == ("2025-10-20",
                                                                       "2025-10-27")
    with at("2025-10-20"):
        refused = act(client, samr, case_id, "extend", days=3, reason="专家意见未返回")
        assert assert_error(refused, 400, "extension_refused")["errors"]["approved_by"]
        body = act(client, samr, case_id, "extend", days=3, reason="专家意见未返回",
                   approved_by="王局长").json()
    assert (body["promised_due_date"], body["statutory_due_date"]) == ("2025-10-23",
                                                                       "2025-10-30")
    assert body["extensions"] == [{"days": 3, "reason": "专家意见未返回",
                                   "approved_by": "王局长", "granted_on": "2025-10-20"}]
    assert [e["action"] for e in body["events"]][-3:] == ["suspend", "resume", "extend"]
