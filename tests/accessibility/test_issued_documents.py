"""Issued documents kept as issued (issue 15): the 收件回执 at submission and the 受理通知书
of an accepted case are stored at their first issue (snapshot + SHA-256) and re-download
byte-identically after the case's dates moved (a special procedure, an extension)."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from onething.accessibility import notices
from onething.applications.documents import digest, unchanged
from onething.applications.models import IssuedDocument
from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def at(day: str, hour: int = 10):
    return time_machine.travel(dt.datetime.fromisoformat(day).replace(hour=hour,
                                                                      tzinfo=SHANGHAI),
                               tick=False)


def pdf_text(body: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_receipt_and_acceptance_notice_download_as_issued(client, demo, halls):
    with at("2026-03-02"):
        application = submit_application(restaurant_submission(demo.applicant),
                                         actor=demo.applicant, applicant=demo.applicant)
        registration = application.cases.get(matter__code="business-registration")
    client.force_login(demo.applicant)
    receipt_url = reverse("accessibility:receipt", args=[application.pk, "large.pdf"])
    braille_url = reverse("accessibility:receipt", args=[application.pk, "braille.txt"])
    acceptance_url = reverse("accessibility:case-notice",
                             args=[application.pk, registration.pk, "acceptance", "large.pdf"])
    with at("2026-03-02", 11):
        assert client.get(acceptance_url).status_code == 404  # not accepted yet
        receipt = client.get(receipt_url).content
        receipt_braille = client.get(braille_url).content
    with at("2026-03-03"):
        transition_case(registration.pk, Action.ACCEPT, actor=demo.samr)
        acceptance = client.get(acceptance_url).content
    registration.refresh_from_db()
    promised = registration.promised_due_date

    # The titles: 收件回执 while nothing is accepted, 受理通知书 for the accepted case.
    stored = {d.kind: d for d in IssuedDocument.objects.filter(application=application)}
    assert set(stored) == {"receipt", "acceptance"}
    assert stored["receipt"].content["record"] == 2 and stored["receipt"].case is None
    assert stored["acceptance"].content["title"] == "受理通知书"
    assert stored["acceptance"].case_id == registration.pk
    assert all(unchanged(d) for d in stored.values())
    assert stored["receipt"].sha256 == digest(stored["receipt"].content)
    # Stored at submission (10:00), not at the first download (11:00).
    assert stored["receipt"].issued_at == dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
    assert "收件回执" in pdf_text(receipt) and "待受理" in pdf_text(receipt)
    text = pdf_text(acceptance)
    assert "受理通知书" in text and "受理日期：2026年3月3日" in text
    assert f"承诺办结日期：{notices.format_date(promised)}" in text
    assert "德城区政务服务中心" in text  # the hall to turn to, with its address and phone
    assert f"progress/?number={application.tracking_number}" in text.replace("\n", "")

    # Dates move: a special procedure (检验) of six days stops the clock.
    with at("2026-03-03", 11):
        transition_case(registration.pk, Action.START_REVIEW, actor=demo.samr)
        transition_case(registration.pk, Action.SUSPEND, actor=demo.samr, kind="inspection",
                        reason="现场检验")
    with at("2026-03-10"):
        transition_case(registration.pk, Action.RESUME, actor=demo.samr)
    registration.refresh_from_db()
    assert registration.promised_due_date != promised  # the test has teeth
    with at("2026-04-01"):
        assert client.get(receipt_url).content == receipt
        assert client.get(braille_url).content == receipt_braille
        assert client.get(acceptance_url).content == acceptance
    assert IssuedDocument.objects.filter(application=application).count() == 2


def test_someone_else_cannot_download_an_issued_document(client, demo):
    with at("2026-03-02"):
        application = submit_application(restaurant_submission(demo.applicant),
                                         actor=demo.applicant, applicant=demo.applicant)
    client.force_login(demo.applicant2)
    response = client.get(reverse("accessibility:receipt",
                                  args=[application.pk, "large.pdf"]))
    assert response.status_code == 404
    # Only the receipt stored at submission; nothing issued to a stranger.
    assert list(IssuedDocument.objects.values_list("kind", flat=True)) == ["receipt"]
