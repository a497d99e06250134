"""Approval signs the certificate in its transaction and leaves the PDF to a worker task
(issue 15: approving under 200 ms); a download before the worker renders it once, and
every later download — and the worker — keeps those bytes (stored as issued)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from onething.applications.services import submit_application, transition_case
from onething.certificates import documents, pdf
from onething.certificates.models import Certificate, CertificateDocument
from onething.certificates.selectors import verify_certificate
from onething.certificates.services import revoke_certificate
from onething.certificates.tasks import render_certificate_document
from onething.domain.cases import Action
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
APPROVED_AT = dt.datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)
PUBLIC = "https://zwfw.example.gov.cn"


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def accepted(demo):
    """The restaurant's business registration, accepted and waiting for its decision."""
    with at(APPROVED_AT - dt.timedelta(days=2)):
        application = submit_application(
            restaurant_submission(demo.applicant), actor=demo.applicant, applicant=demo.applicant
        )
        case = application.cases.get(matter__code="business-registration")
        transition_case(case.pk, Action.ACCEPT, actor=demo.samr)
    return case


@pytest.fixture
def renders(monkeypatch):
    """How often the PDF was rendered (documents.issued_pdf looks it up at call time)."""
    calls: list[str] = []
    real = pdf.render_certificate_pdf

    def counting(certificate, verify_url, **kwargs):
        calls.append(certificate.number)
        return real(certificate, verify_url, **kwargs)

    monkeypatch.setattr(pdf, "render_certificate_pdf", counting)
    return calls


def _text(body: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)


def _approve_in_workbench(client, demo, case, callbacks_fixture):
    client.force_login(demo.samr)
    with at(APPROVED_AT), callbacks_fixture(execute=False) as callbacks:
        response = client.post(f"/workbench/cases/{case.pk}/", {"action": "approve"})
    assert response.status_code == 302
    return callbacks


def test_approval_signs_at_once_and_the_worker_renders_the_pdf(
    accepted, demo, client, settings, renders, django_capture_on_commit_callbacks
):
    settings.ONETHING_PUBLIC_URL = PUBLIC
    callbacks = _approve_in_workbench(client, demo, accepted, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get(case=accepted)
    assert re.fullmatch(r"BL-20260305-[2-9A-HJKMNP-Z]{8}", certificate.number)
    assert certificate.issued_at == APPROVED_AT
    # Signed in the approval's transaction: it verifies before any worker ran.
    verification = verify_certificate(certificate.number, today=dt.date(2026, 3, 5))
    assert verification.status == "valid"
    assert verification.certificate.pk == certificate.pk
    assert renders == []  # nothing rendered on the request path
    assert CertificateDocument.objects.count() == 0

    with at(APPROVED_AT + dt.timedelta(seconds=3)):
        for callback in callbacks:  # the worker (ImmediateBackend runs the task at once)
            callback()
    # The registration's licence and the fire-safety commitment's permit decided by the
    # system on release (告知承诺): two certificates, each rendered once.
    fire = Certificate.objects.get(
        case__application=accepted.application, case__matter__code="fire-safety-check-commitment"
    )
    assert sorted(renders) == sorted([certificate.number, fire.number])
    document = CertificateDocument.objects.get(certificate=certificate)
    body = documents.pdf_bytes(document)
    assert document.verify_url == f"{PUBLIC}/verify/{certificate.number}/"
    assert document.rendered_by == "task"
    assert document.rendered_at == APPROVED_AT + dt.timedelta(seconds=3)
    assert document.sha256 == hashlib.sha256(body).hexdigest()
    text = _text(body).replace("\n", "")
    assert f"{PUBLIC}/verify/{certificate.number}/" in text
    assert "营业执照" in text and certificate.number in text

    # The holder's download is the stored file, byte for byte; no new rendering.
    client.force_login(demo.applicant)
    response = client.get(f"/certificates/{certificate.number}.pdf")
    assert response.status_code == 200
    assert response.content == body
    assert len(renders) == 2


def test_a_download_before_the_worker_renders_once_and_the_worker_keeps_it(
    accepted, demo, client, settings, renders, django_capture_on_commit_callbacks
):
    callbacks = _approve_in_workbench(client, demo, accepted, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get(case=accepted)
    path = f"/certificates/{certificate.number}.pdf"
    client.force_login(demo.applicant)
    with at(APPROVED_AT + dt.timedelta(seconds=1)):
        first = client.get(path)
    assert first.status_code == 200
    assert renders == [certificate.number]
    document = CertificateDocument.objects.get(certificate=certificate)
    assert document.rendered_by == "download"
    assert document.verify_url == f"http://testserver/verify/{certificate.number}/"
    assert document.rendered_at == APPROVED_AT + dt.timedelta(seconds=1)
    issued_hash = hashlib.sha256(first.content).hexdigest()
    assert document.sha256 == issued_hash

    settings.ONETHING_PUBLIC_URL = PUBLIC  # the worker would print another address
    with at(APPROVED_AT + dt.timedelta(seconds=5)):
        for callback in callbacks:
            callback()
    assert render_certificate_document.call(certificate.pk) == issued_hash  # runs again
    kept = CertificateDocument.objects.get(certificate=certificate)
    assert (kept.sha256, kept.rendered_by, kept.rendered_at, kept.verify_url) == (
        issued_hash,
        "download",
        APPROVED_AT + dt.timedelta(seconds=1),
        f"http://testserver/verify/{certificate.number}/",
    )
    assert renders.count(certificate.number) == 1  # only the fire permit was rendered
    again = client.get(path)
    assert again.content == first.content
    assert hashlib.sha256(again.content).hexdigest() == issued_hash


def test_without_a_public_address_the_worker_leaves_it_to_the_download(
    accepted, demo, client, settings, renders, django_capture_on_commit_callbacks
):
    settings.ONETHING_PUBLIC_URL = ""
    callbacks = _approve_in_workbench(client, demo, accepted, django_capture_on_commit_callbacks)
    for callback in callbacks:
        callback()
    certificate = Certificate.objects.get(case=accepted)
    assert render_certificate_document.call(certificate.pk) == ""
    assert renders == []
    assert CertificateDocument.objects.count() == 0
    client.force_login(demo.applicant)
    body = client.get(f"/certificates/{certificate.number}.pdf").content
    assert renders == [certificate.number]
    assert documents.pdf_bytes(CertificateDocument.objects.get(certificate=certificate)) == body
    assert render_certificate_document.call(10**9) == ""  # no such certificate: nothing


def test_the_same_certificate_and_address_render_the_same_bytes(accepted, demo):
    with at(APPROVED_AT):
        transition_case(accepted.pk, Action.APPROVE, actor=demo.samr)
    certificate = Certificate.objects.get(case=accepted)
    url = f"{PUBLIC}/verify/{certificate.number}/"
    with at(APPROVED_AT + dt.timedelta(days=1)):
        first = pdf.render_certificate_pdf(certificate, url)
    with at(APPROVED_AT + dt.timedelta(days=30)):
        second = pdf.render_certificate_pdf(certificate, url)
    assert first == second  # dated with the issue time, not the time of rendering
    assert b"D:20260305020000Z" in first  # 10:00 in Shanghai


def test_a_revoked_certificate_downloads_marked_and_the_stored_pdf_is_kept(
    accepted, demo, client, settings
):
    settings.ONETHING_PUBLIC_URL = PUBLIC
    with at(APPROVED_AT):
        transition_case(accepted.pk, Action.APPROVE, actor=demo.samr)
    certificate = Certificate.objects.get(case=accepted)
    stored = render_certificate_document.call(certificate.pk)
    with at(APPROVED_AT + dt.timedelta(days=10)):
        revoke_certificate(certificate, actor=demo.samr, reason="以欺骗手段取得")
    client.force_login(demo.applicant)
    body = client.get(f"/certificates/{certificate.number}.pdf").content
    assert "已注销（2026年3月15日）" in _text(body)
    assert hashlib.sha256(body).hexdigest() != stored
    document = CertificateDocument.objects.get(certificate=certificate)
    assert document.sha256 == stored  # as issued: no revocation mark stored
    assert "已注销" not in _text(documents.pdf_bytes(document))


def test_a_render_that_stored_first_wins(accepted, demo, monkeypatch):
    """Worker and download racing: the second to store gets the first one's bytes."""
    with at(APPROVED_AT):
        transition_case(accepted.pk, Action.APPROVE, actor=demo.samr)
    certificate = Certificate.objects.get(case=accepted)
    winner = documents.issued_pdf(
        certificate, f"{PUBLIC}/verify/{certificate.number}/", rendered_by="task"
    )
    monkeypatch.setattr(documents, "stored_document", lambda c: None)  # did not see it yet
    loser = documents.issued_pdf(
        certificate, "http://other.example/verify/x/", rendered_by="download"
    )
    assert (loser.sha256, loser.rendered_by, loser.verify_url) == (
        winner.sha256,
        "task",
        f"{PUBLIC}/verify/{certificate.number}/",
    )
    assert CertificateDocument.objects.count() == 1


def test_releasing_dependents_reads_their_prerequisites_in_one_query(accepted, demo):
    """No query per released dependent (the registration releases three)."""
    with CaptureQueriesContext(connection) as queries, at(APPROVED_AT):
        transition_case(accepted.pk, Action.APPROVE, actor=demo.samr)
    released = accepted.dependents.exclude(status="waiting").count()
    assert released == 3
    # Reads of cases' prerequisites (joined on the link's to_case_id); the dependents'
    # own reads join on from_case_id.
    join = '("applications_case"."id" = "applications_case_prerequisites"."to_case_id")'
    prerequisite_reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and join in q["sql"]
    ]
    assert len(prerequisite_reads) == 1  # was one per released dependent (3)
