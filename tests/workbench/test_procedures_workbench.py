"""容缺受理 and the post-check of a 告知承诺 on the workbench case page, in both languages."""

from __future__ import annotations

import pytest

from onething.accounts.models import User
from onething.applications.models import Commitment
from onething.applications.services import submit_application, transition_case
from onething.certificates.models import Certificate
from onething.domain.cases import Action, CaseStatus
from tests.applications.test_procedures import performance_submission
from tests.english import catalogue_data, english
from tests.workbench.test_english import assert_english
from tests.workbench.test_workbench import buttons, case_of, case_url, submit

pytestmark = pytest.mark.django_db

PERFORMANCE = "commercial-performance-approval"
PERMIT = "large-event-permit"


@pytest.fixture
def performance(demo):
    return submit_application(performance_submission(demo.applicant2), actor=demo.applicant2,
                              applicant=demo.applicant2)


def test_accepting_with_materials_to_follow(client, demo, performance):
    culture = User.objects.get(username="reviewer-dc-culture-tourism")
    case = case_of(performance, PERFORMANCE)
    client.force_login(culture)
    page = client.get(case_url(case))
    html = page.content.decode()
    # Filed with the permit owed: no plain acceptance, 容缺受理 with it ticked.
    assert buttons(page) == ["不予受理", "一次性告知补正", "容缺受理"]
    assert f'name="pending" value="{PERMIT}" id="pending-{PERMIT}" checked' in html
    assert "申请人提交时申请容缺受理，以下材料暂缺。" in html
    assert "暂缺的材料（申请人须在受理后 5 个工作日内补齐）" in html

    refused = client.post(case_url(case), {"action": "accept_pending"})
    assert refused.status_code == 400
    assert "请勾选暂缺的材料。" in refused.content.decode()
    response = client.post(case_url(case), {"action": "accept_pending", "pending": [PERMIT],
                                            f"pending-note-{PERMIT}": "演出前补交"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED_PENDING
    assert case.pending_items[0]["note"] == "演出前补交"
    page = client.get(case_url(case))
    html = page.content.decode()
    assert buttons(page) == ["不予许可"]  # no approval while the permit is owed
    due = case.pending_due_date
    assert f"补齐期限：{due.year}年{due.month}月{due.day}日" in html
    assert "（逾期未补齐的，终止办理并书面告知申请人）" in html
    # A stale form that still offers approval is refused without a change.
    stale = client.post(case_url(case), {"action": "approve"}, follow=True)
    assert "该操作当前不可用，页面已刷新为办件的最新状态。" in stale.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED_PENDING

    english(client)
    page = client.get(case_url(case))
    people = {demo.applicant2.representative_name}
    html = assert_english(page, catalogue_data(performance) | people | {"演出前补交"})
    assert buttons(page) == ["Deny"]
    assert "Materials to follow" in html and "To be supplied by " in html


def test_the_post_check_on_the_case_page(client, demo):
    application = submit(demo)
    registration = case_of(application, "business-registration")
    transition_case(registration.pk, Action.ACCEPT, actor=demo.samr)
    transition_case(registration.pk, Action.APPROVE, actor=demo.samr)
    fire = case_of(application, "fire-safety-check-commitment")
    assert fire.status == CaseStatus.APPROVED_ON_COMMITMENT
    client.force_login(demo.fire)
    page = client.get(case_url(fire))
    html = page.content.decode()
    assert buttons(page) == ["事后核查：承诺属实", "承诺不实，撤销准予决定", "注销证照"]
    signed = Commitment.objects.get(case=fire)
    assert "告知承诺书" in html and signed.sha256 in html
    check = signed.check_due_date
    assert f"{check.year}年{check.month}月{check.day}日" in html and "待核查" in html

    missing = client.post(case_url(fire), {"action": "revoke_false_commitment", "reason": ""})
    assert missing.status_code == 400
    assert "请填写“承诺不实，撤销准予决定”的理由。" in missing.content.decode()
    response = client.post(case_url(fire), {"action": "revoke_false_commitment",
                                            "reason": "疏散通道堵塞，与承诺不符"})
    assert response.status_code == 302
    fire.refresh_from_db()
    assert fire.status == CaseStatus.REVOKED
    certificate = Certificate.objects.get(case=fire)
    assert certificate.revoked_at is not None
    assert certificate.revoke_reason == "告知承诺不实，撤销准予决定：疏散通道堵塞，与承诺不符"
    html = client.get(case_url(fire)).content.decode()
    assert "承诺不实" in html and "疏散通道堵塞，与承诺不符" in html

    english(client)
    page = client.get(case_url(fire))
    # Reasons are records, kept as written (the revocation reason names the procedure).
    reasons = {"告知承诺不实，撤销准予决定：疏散通道堵塞，与承诺不符", "疏散通道堵塞，与承诺不符"}
    html = assert_english(page, catalogue_data(application) | reasons)
    assert "Commitment false" in html and "Approval revoked" in html
