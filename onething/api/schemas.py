"""Request and response shapes. They check shape only; rules live in services.

Request bodies (``*In``) refuse keys they do not define: a misspelt key
(``form`` for ``form_data``) is a 400 ``unknown_field`` naming it, not
silently dropped. Ids are 64-bit: a larger number is a 400, never a 500 from
the database driver.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, PlainValidator, WithJsonSchema

#: Largest id a row can have (64-bit signed, as in SQLite and PostgreSQL bigint).
MAX_ID = 2**63 - 1
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
MAX_PAGES_IN_BODY = 50


def _material_pages(value: Any) -> int | list[int]:
    """One upload id, or a list of 1–50 (one error for the material, wherever it lies)."""
    items = value if isinstance(value, list) else [value]
    if not 1 <= len(items) <= MAX_PAGES_IN_BODY or any(
            isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= MAX_ID
            for i in items):
        raise ValueError(f"an upload id (1 to {MAX_ID}) or a list of 1 to "
                         f"{MAX_PAGES_IN_BODY} of them")
    return value


# 多页材料: one upload id, or the ids of a material's pages in order (at most the
# material's max_pages, given by the plan; the list's own bound stops absurd bodies).
MaterialPages = Annotated[int | list[int], PlainValidator(_material_pages), WithJsonSchema({
    "oneOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID},
              {"type": "array", "minItems": 1, "maxItems": MAX_PAGES_IN_BODY,
               "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}]})]


class StrictIn(Schema):
    """A request body: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")


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


class SubmissionIn(StrictIn):
    bundle: str = Field(default="", max_length=100,
                        description="the 一件事 applied for; or give `matter` instead")
    matter: str = Field(default="", max_length=64,
                        description="单独申请: the code of one matter applied for on its own "
                                    "(when the catalogue lets it be); instead of `bundle`")
    answers: dict[str, str] = {}
    form_data: dict[str, Any] = {}
    materials: dict[str, MaterialPages] = Field(
        default={}, description="material key → upload id, or a list of upload ids: the "
                                "material's pages in order, at most its max_pages (see the plan)")
    idempotency_key: str = Field(
        default="", description="or the Idempotency-Key header; at most 100 characters. "
        "The same key with the same payload returns the first application; with a "
        "different payload it is refused with 422 idempotency_key_reused")
    deferred_materials: list[Annotated[str, Field(max_length=64)]] = Field(
        default=[], max_length=50,
        description="容缺受理: keys of materials the plan marks deferrable that the applicant "
                    "will supply after acceptance (not uploaded now)")
    commitments: dict[str, Annotated[str, Field(max_length=64)]] = Field(
        default={}, description="告知承诺: matter code → the sha256 of the commitment text "
                                "(from the plan's commitments) the applicant read and signed; "
                                "every commitment of the plan must be signed on its current "
                                "text (else 400 commitment_required / commitment_mismatch)")


class AnsweredRangeOut(Schema):
    question: str
    option: str
    at_least: float | None = Field(description="inclusive lower bound the answer stands for")
    below: float | None = Field(description="exclusive upper bound the answer stands for")


class PlanFieldOut(Schema):
    key: str
    label: str
    type: str = Field(description="text, textarea, number, date, id_number, uscc, mobile, "
                                  "address or choice")
    required: bool
    used_by: list[str]
    choices: list[str] | None = Field(default=None,
                                      description="choice fields: the only values accepted")
    choice_labels: list[str] | None = Field(
        default=None, description="choice fields: each choice in the response's language "
                                  "(send the value from ``choices``)")
    min: float | None = Field(default=None, description="number fields: inclusive minimum")
    max: float | None = Field(default=None, description="number fields: inclusive maximum")
    decimals: int | None = Field(default=None, description="number fields: most digits after "
                                                           "the point, 0 for whole numbers")
    answered: AnsweredRangeOut | None = Field(
        default=None, description="number fields tied to a situation question: the range the "
                                  "given answer stands for; a value outside it is refused")


PROVISIONAL_HELP = ("true when the date depends on a day of a year whose State Council "
                    "holiday notice is not entered yet: it is estimated from the statutory "
                    "holiday rules (暂定) and may move when the notice is entered")


class PlanMatterOut(Schema):
    code: str
    name: str
    kind: str
    department: str
    department_name: str
    promised_days: int = Field(description="working days promised; 0 for an instant matter")
    instant: bool
    promised_limit: str
    statutory_limit: str
    depends_on: list[str]
    stage: int
    issues: str | None
    critical: bool
    start: dt.date | None = Field(default=None, description="with ``start``: the day this "
                                  "matter can start (the plan's start or a prerequisite's due)")
    start_provisional: bool | None = Field(default=None, description=PROVISIONAL_HELP)
    due: dt.date | None = Field(default=None, description="with ``start``: the promised date")
    due_provisional: bool | None = Field(default=None, description=PROVISIONAL_HELP)


class CommitmentTermsOut(Schema):
    matter: str
    matter_name: str
    version: str
    text: str = Field(description="the full text: show it before the applicant signs")
    sha256: str = Field(description="send this as commitments[matter] to sign the text")
    check_within: int = Field(description="working days after the decision for the post-check")


class OutcomeMaterialsOut(Schema):
    separate: int = Field(description="materials summed over the matters, as if each were "
                          "applied for on its own")
    merged: int = Field(description="each material once in the bundle (de-duplicated)")
    after_reuse: int = Field(description="left to hand in once certificates stand in: "
                             "merged − issued_in_plan − reusable")
    issued_in_plan: int = Field(description="materials a matter of this plan issues and "
                                "passes on (the business licence for the food licence)")
    reusable: int = Field(description="materials a certificate replaces: with reuse_basis "
                          "held those the signed-in applicant holds, with catalogue every "
                          "one the catalogue lets an electronic certificate replace")
    reuse_basis: str = Field(description="held | catalogue",
                             json_schema_extra={"enum": ["held", "catalogue"]})


class OutcomeWorkingDaysOut(Schema):
    serial: int = Field(description="the promised limits summed in dependency order, one "
                        "matter after another")
    parallel: int = Field(description="the critical path: the longest chain of dependencies")


class BaselineOut(Schema):
    materials: int | None = Field(description="materials asked for before the reform")
    working_days: int | None = Field(description="working days before the reform")
    calendar_days: float | None = Field(description="calendar days before the reform, where "
                                        "the source counts those")
    published_by: str = Field(description="who published the figure (四川省)")
    published_by_en: str = Field(description="the same in English; empty when not given")
    year: int = Field(description="the year of the figure")
    uncertain: bool = Field(description="the figure is not checked against the original "
                            "text (待核实)")


class PlanOutcomeOut(Schema):
    """Reform outcomes (改革成效), computed from the plan, not typed."""

    materials: OutcomeMaterialsOut
    working_days: OutcomeWorkingDaysOut
    baseline: BaselineOut | None = Field(description="the recorded pre-reform figures (改革前) "
                                         "with their publisher and year; null when none")


class PlanOut(Schema):
    """The plan (see ``onething plan --json``); ``fields`` is what the form asks for."""

    bundle: str
    bundle_name: str
    answers: dict[str, str]
    matters: list[PlanMatterOut]
    stages: list[list[str]]
    fields: list[PlanFieldOut]
    provided_fields: list[dict[str, Any]]
    materials: list[dict[str, Any]] = Field(
        description="what the applicant provides; a material with deferrable: true may be "
                    "declared owed (deferred_materials) and supplied within supply_within "
                    "working days of acceptance (容缺受理)")
    provided_materials: list[dict[str, Any]]
    reused_materials: list[dict[str, Any]]
    waived_materials: list[dict[str, Any]]
    material_count_separate: int
    material_count_merged: int
    materials_reused: int
    serial_days: int
    parallel_days: int
    critical_path: list[str]
    departments: list[str]
    commitments: list[CommitmentTermsOut] = Field(
        description="告知承诺: commitments to sign at submission, one per matter decided on one")
    outcome: PlanOutcomeOut = Field(description="reform outcomes (改革成效) of this plan")
    start: dt.date | None = None
    due: dt.date | None = Field(default=None, description="with ``start``: the day every "
                                "matter is expected to be done")
    provisional: bool | None = Field(default=None, description="``due`` is provisional: "
                                     + PROVISIONAL_HELP)


class WithdrawIn(StrictIn):
    reason: str = Field(default="", max_length=2000)


class CorrectionItem(StrictIn):
    material: str = Field(max_length=64)
    note: str = Field(default="", max_length=500)


class ActionIn(StrictIn):
    reason: str = Field(default="", max_length=2000)
    items: list[CorrectionItem] = Field(
        default=[], description="request_correction: every item; accept_pending: the "
                                "materials owed (default: those the applicant declared owed)")
    result: dict[str, str] = Field(default={}, description="approve: the decision's result data")
    materials: dict[str, MaterialPages] = Field(
        default={}, description="resubmit, supply_materials: material key → upload id or "
                                "list of upload ids (pages; an owed "
                                "material the applicant holds as a certificate needs none)")
    kind: str = Field(default="", max_length=30,
                      description="suspend: hearing, tender, auction, inspection, testing, "
                                  "quarantine, appraisal, expert_review or public_notice")
    legal_basis: str = Field(default="", max_length=300, description="suspend: legal basis")
    expected_end: dt.date | None = Field(default=None,
                                         description="suspend: expected end, told the applicant")
    days: int | None = Field(default=None, ge=1, le=999, description="extend: days to add")
    approved_by: str = Field(default="", max_length=100,
                             description="extend: the head of the organ who approved it")


class Named(Schema):
    code: str
    name: str


class BundleRef(Schema):
    slug: str
    name: str
    single_matter: str | None = Field(
        default=None, description="单独申请: the matter applied for on its own (the bundle "
        "is then its implicit one-matter bundle, named after the matter)")


class CertificateRef(Schema):
    number: str
    verify_url: str


class PendingItemOut(Schema):
    material: str
    name: str
    note: str = ""


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
    statutory_due_provisional: bool = False
    clock_paused: bool = Field(default=False, description="暂停计时: a correction or a special "
                               "procedure is under way; the due dates move when it ends")
    overdue: bool
    due_soon: bool
    depends_on: list[int]
    pending_materials: list[PendingItemOut] = Field(
        description="容缺受理: materials still owed (declared at submission, fixed at "
                    "acceptance); supply them with the action supply_materials")
    pending_due_date: dt.date | None = Field(
        description="容缺受理: the last day to supply them; after it the case is terminated")
    certificate: CertificateRef | None = Field(
        default=None, description="approved: the issued certificate; GET verify_url with "
                                  "Accept: application/json to verify it")


class MaterialOut(Schema):
    key: str
    name: str
    upload_id: int
    page: int = Field(default=1, description="多页材料: the file's place among its material's")
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


class SuspensionOut(Schema):
    kind: str
    kind_label: str
    reason: str
    legal_basis: str
    started_on: dt.date
    ended_on: dt.date | None
    expected_end: dt.date | None


class ExtensionOut(Schema):
    days: int
    reason: str
    approved_by: str
    granted_on: dt.date


class CommitmentOut(Schema):
    version: str
    sha256: str
    text: str
    signed_at: dt.datetime
    channel: str
    check_due_date: dt.date | None = Field(description="事后核查: due once decided")
    check_result: str = Field(description="'' pending, 'true' or 'false' (承诺不实)")
    checked_at: dt.datetime | None


class CaseDetailOut(CaseOut):
    bundle: BundleRef
    commitment: CommitmentOut | None = Field(
        default=None, description="告知承诺: the commitment signed for this case, as signed")
    applicant: str
    correction_items: list[CorrectionItem]
    result: dict[str, Any]
    received: dict[str, Any]
    form: dict[str, str] = Field(description="the form data this matter uses; ID numbers masked")
    materials: list[MaterialOut]
    actions: list[str] = Field(description="actions the viewer may take now")
    events: list[EventOut]
    suspensions: list[SuspensionOut] = Field(default=[], description="periods that do not "
                                             "count towards the limits (补正, 第四十五条)")
    extensions: list[ExtensionOut] = Field(default=[], description="extensions (延期)")


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
