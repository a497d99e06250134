"""Request and response shapes. They check shape only; rules live in services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    code: str = Field(examples=["invalid_submission"])
    message: str
    errors: dict[str, str] = {}


class BundleOut(Schema):
    slug: str
    name: str
    category: str
    description: str


class UploadOut(Schema):
    id: int
    sha256: str
    size: int
    content_type: str
    name: str


class SubmissionIn(Schema):
    bundle: str = Field(max_length=100)
    answers: dict[str, str] = {}
    form_data: dict[str, Any] = {}
    materials: dict[str, int] = Field(default={}, description="material key → upload id")
    idempotency_key: str = Field(default="", max_length=100,
                                 description="or the Idempotency-Key header")


class WithdrawIn(Schema):
    reason: str = Field(default="", max_length=2000)


class CorrectionItem(Schema):
    material: str = Field(max_length=64)
    note: str = Field(default="", max_length=500)


class ActionIn(Schema):
    reason: str = Field(default="", max_length=2000)
    items: list[CorrectionItem] = Field(default=[], description="request_correction: every item")
    result: dict[str, str] = Field(default={}, description="approve: the decision's result data")
    materials: dict[str, int] = Field(default={}, description="resubmit: material key → upload id")


class Named(Schema):
    code: str
    name: str


class BundleRef(Schema):
    slug: str
    name: str


class CertificateRef(Schema):
    number: str
    verify_url: str


class CaseOut(Schema):
    id: int
    application_id: int
    tracking_number: str | None
    matter: Named
    department: Named
    status: str
    status_label: str
    stage: int
    promised_due_date: dt.date | None
    statutory_due_date: dt.date | None
    due_provisional: bool
    overdue: bool
    due_soon: bool
    depends_on: list[int]
    certificate: CertificateRef | None = Field(
        default=None, description="approved: the issued certificate; GET verify_url with "
                                  "Accept: application/json to verify it")


class MaterialOut(Schema):
    key: str
    name: str
    upload_id: int
    sha256: str
    size: int
    content_type: str


class EventOut(Schema):
    at: dt.datetime
    action: str
    action_label: str
    from_status: str
    to_status: str
    reason: str


class CaseDetailOut(CaseOut):
    bundle: BundleRef
    applicant: str
    correction_items: list[CorrectionItem]
    result: dict[str, Any]
    received: dict[str, Any]
    form: dict[str, str] = Field(description="the form data this matter uses; ID numbers masked")
    materials: list[MaterialOut]
    actions: list[str] = Field(description="actions the viewer may take now")
    events: list[EventOut]


class ApplicationSummaryOut(Schema):
    id: int
    tracking_number: str | None
    status: str
    status_label: str
    bundle: BundleRef
    submitted_at: dt.datetime


class ApplicationOut(ApplicationSummaryOut):
    channel: str
    expected_completion: dt.date | None
    expected_completion_provisional: bool
    cases: list[CaseOut]


class ApplicationPage(Schema):
    items: list[ApplicationSummaryOut]
    next: str | None = Field(description="cursor of the next page, or null")


class CasePage(Schema):
    items: list[CaseOut]
    next: str | None = Field(description="cursor of the next page, or null")
