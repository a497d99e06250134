"""The REST API, /api/v1: thin endpoints over services and selectors.

Authentication is ``Authorization: Bearer <token>`` (``onething token issue
USERNAME``); the catalogue endpoints are public. A token has scopes (see
:func:`required_scope`), expires (401 ``token_expired``) and can be revoked (401
``token_revoked``). Errors always have the
shape of :class:`onething.api.schemas.ErrorOut` (see ``errors.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from ninja import File, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile
from ninja.security import HttpBearer
from pydantic import Field

from onething.accounts.choices import Role, TokenScope
from onething.accounts.services import TokenRejected, authenticate_token
from onething.api import errors, language, paging, parsing, presenters
from onething.api.appointments import router as appointment_router
from onething.api.errors import ApiError
from onething.api.parsing import InputRejected, StrictParser
from onething.api.schemas import (
    ActionIn,
    ApplicationOut,
    ApplicationPage,
    BundleOut,
    CaseDetailOut,
    CasePage,
    ErrorOut,
    ObjectId,
    PlanOut,
    StrictIn,
    SubmissionIn,
    UploadOut,
    WithdrawIn,
)
from onething.applications import delivery, selectors, services
from onething.applications.choices import Channel
from onething.audit.services import record_audit
from onething.catalog import selectors as catalog_selectors
from onething.certificates import selectors as certificate_selectors
from onething.certificates.selectors import held_by_applicant, holdings_known
from onething.domain.cases import TRANSITION_ACTIONS, CaseStatus
from onething.search import selectors as search_selectors

if TYPE_CHECKING:
    from onething.accounts.choices import User


def required_scope(request: HttpRequest, user: User) -> str:
    """The token scope a request needs: ``read`` to read (GET), ``submit`` for an
    applicant's writes (applications, uploads, withdrawal, delivery choice, resubmission),
    ``staff`` for a staff member's writes (case actions, dispatch)."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return TokenScope.READ
    return TokenScope.STAFF if user.is_staff_member else TokenScope.SUBMIT


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        try:
            api_token = authenticate_token(token)
        except TokenRejected as exc:
            raise ApiError(401, exc.code, str(exc)) from exc
        needed = required_scope(request, api_token.user)
        if needed not in api_token.scope_set:
            raise ApiError(403, "insufficient_scope",
                           f"接口令牌没有 {needed} 权限范围 (the token lacks the '{needed}' scope)")
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class OnethingAPI(NinjaAPI):
    """The API whose OpenAPI document names the language parameters (language.py)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return language.document(super().get_openapi_schema(*args, **kwargs))


api = OnethingAPI(
    title="onething API",
    version="1",
    description="高效办成一件事：一次申请，各部门并联办理 (apply once, handled in parallel).\n\n"
                "**Language.** " + language.LANGUAGE_HELP,
    urls_namespace="api",
    auth=BearerToken(),
    # Swagger UI is served from ninja's own static files ("ninja" is an installed app).
    docs_url="/docs",
    parser=StrictParser(),
)
errors.install(api)
# Appointments (预约): onething/api/appointments.py
api.add_router("", appointment_router)

# Plans are for real dates; far-off ones would overflow the date arithmetic.
EARLIEST_START, LATEST_START = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          422: ErrorOut}


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, return-value]


# -- catalogue (public) ------------------------------------------------------------


@api.get("/bundles", response=list[BundleOut], auth=None, tags=["catalogue"])
def list_bundles(request: HttpRequest):
    """Every bundle; ``name`` and ``description`` in the request's language."""
    return [presenters.bundle(b) for b in catalog_selectors.bundles()]


def _optional_user(request: HttpRequest) -> User | None:
    """The caller of a public endpoint: nobody without an ``Authorization`` header.
    A header that is sent must carry a valid token (else 401): a mistyped token
    silently planned as anonymous would ask for materials the applicant holds."""
    if not request.headers.get("Authorization"):
        return None
    user = BearerToken()(request)
    if user is None:
        raise AuthenticationError()
    return user


@api.get("/bundles/{slug}/plan",
         response={200: PlanOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
         auth=None, tags=["catalogue"],
         # Public, and better with a token: either security requirement is met.
         openapi_extra={"security": [{"BearerToken": []}, {}]})
def plan(request: HttpRequest, response: HttpResponse, slug: str,
         answer: Query[list[str]] = None,  # type: ignore[assignment]
         answers: str = "", start: dt.date | None = None):
    """The plan for a bundle: matters, one merged form, one merged material list, stages.

    Answers either as repeated ``answer=question=option`` or as a JSON object in
    ``answers``; with ``start`` the plan carries due dates: each matter's ``start`` and
    ``due``, and the plan's ``due``. A date that depends on a year whose holiday notice is
    not entered yet is estimated from the statutory holiday rules and flagged: the
    matter's ``start_provisional`` / ``due_provisional``, the plan's ``provisional``
    (暂定). Such dates may move when the notice is entered.

    Authentication is optional. Without a token the plan is the same for everyone.
    With an applicant's token (``Authorization: Bearer <token>``) the plan uses the
    electronic certificates that applicant holds (免提交): a material a valid
    certificate stands in for leaves ``materials`` and is listed in
    ``reused_materials``, each with ``reused: true``, the certificate's
    ``certificate_number`` and its ``verify_url``; ``materials_reused`` counts them.

    Each field of ``fields`` says what it accepts: a choice field its ``choices``;
    a number field ``min``, ``max`` and ``decimals`` and, when a situation question
    is tied to it (the floor area and the area question), the range the given answer
    stands for in ``answered``. A submission outside these is refused.
    A staff token plans as anonymous; an invalid or revoked token is a 401.

    ``outcome`` is the reform outcome (改革成效) computed from this plan: materials
    counted separately, merged and after certificate reuse; working days serial and
    parallel; and the bundle's recorded pre-reform ``baseline`` (or null).
    """
    # The same URL answers differently per token: no cache may hand one caller's plan
    # to another.
    patch_vary_headers(response, ["Authorization"])
    viewer = _optional_user(request)
    if catalog_selectors.bundle_by_slug(slug) is None:
        raise ApiError(404, "not_found", f"没有名为 {slug} 的一件事 (unknown bundle)")
    if start is not None and not EARLIEST_START <= start <= LATEST_START:
        raise ApiError(400, "invalid_request", "开始日期超出范围 (start date out of range)",
                       {"start": f"between {EARLIEST_START} and {LATEST_START}"})
    given: dict[str, str] = {}
    if answers:
        try:
            decoded = parsing.loads(answers)
        except InputRejected:
            raise
        except ValueError as exc:
            raise ApiError(400, "malformed_json", "answers 不是有效的 JSON (malformed JSON)",
                           {"answers": "malformed JSON"}) from exc
        if not isinstance(decoded, dict):
            raise ApiError(400, "invalid_answers", "answers 应为 JSON 对象 (must be an object)",
                           {"answers": "must be a JSON object"})
        given.update({str(k): str(v) for k, v in decoded.items()})
    for item in answer or []:
        question, sep, option = item.partition("=")
        if not sep or not question:
            raise ApiError(400, "invalid_answers", "answer 应为 问题=选项 (answer=question=option)",
                           {"answer": item[:100]})
        given[question] = option
    held = held_by_applicant(viewer) if viewer is not None else {}
    result = catalog_selectors.plan_bundle(slug, given, start=start, provisional=True,
                                           held=held.keys())
    outcome = catalog_selectors.reform_outcome(result, applicant_known=holdings_known(viewer))
    return presenters.plan(result, held, outcome)


class SearchHitOut(Schema):
    kind: str  # bundle | scenario | matter | hall
    key: str
    title: str
    url: str | None  # a matter leads to its bundle's page
    bundle: str | None
    score: float
    highlights: list[list[int]]  # [start, end) character spans of the title
    title_html: str  # the title, escaped, with <mark> around matched words
    matched: str | None  # the synonym or member matter that matched, if not the title


@api.get("/search", response=list[SearchHitOut], auth=None, tags=["catalogue"])
def search(request: HttpRequest, q: str = "", limit: int = 10):
    """Bundles, scenarios and matters for words, pinyin (shuidian) or initials (sdqw),
    best first: the same items as ``onething search --json``. Nothing found is []."""
    limit = max(1, min(limit, 50))
    return [hit.to_dict() for hit in search_selectors.search(q[:200], limit)]


@api.get("/certificates/{number}", response={200: dict[str, Any], 404: dict[str, Any]},
         auth=None, tags=["certificates"])
def verify_certificate(request: HttpRequest, number: str):
    """核验: the same answer as ``/verify/<number>/`` as JSON for anyone: status and the
    public data (a business's certificate with its certified ``fields``, each with its
    ``label``; a person's masked, without details). 404 when no such number."""
    result = certificate_selectors.verify_certificate(number)
    body = result.as_dict(details=False)
    return (404 if result.reason == "not_found" else 200), body


# -- uploads -------------------------------------------------------------------------


@api.post("/uploads", response={201: UploadOut, 400: ErrorOut, 401: ErrorOut, 413: ErrorOut},
          tags=["applications"])
def upload(request: HttpRequest, file: File[UploadedFile]):
    """Upload one file (PDF, JPEG or PNG, judged by content) for use as a material."""
    stored = services.store_upload(file, owner=_user(request), name=file.name or "")
    return Status(201, presenters.upload(stored))


# -- applications ----------------------------------------------------------------------


@api.post("/applications", response={201: ApplicationOut, **ERRORS}, tags=["applications"])
def submit(request: HttpRequest, payload: SubmissionIn):
    """Apply once. A retry with the same idempotency key returns the same application."""
    user = _user(request)
    header_key = request.headers.get("Idempotency-Key", "").strip()
    key = payload.idempotency_key.strip()
    if max(len(header_key), len(key)) > services.MAX_IDEMPOTENCY_KEY:
        raise ApiError(400, "idempotency_key_too_long",
                       "幂等键最多 100 个字符 (idempotency key longer than 100 characters)",
                       {"idempotency_key": "at most 100 characters"})
    if header_key and key and header_key != key:
        raise ApiError(400, "invalid_request",
                       "Idempotency-Key 与 idempotency_key 不一致 (conflicting idempotency keys)",
                       {"idempotency_key": "differs from the Idempotency-Key header"})
    slug = payload.bundle
    if not slug and not payload.matter:
        raise ApiError(400, "invalid_request", "请给出 bundle 或 matter (bundle or matter is "
                       "required)", {"bundle": "required (or matter)"})
    if payload.matter:  # 单独申请: through the matter's implicit one-matter bundle
        single = catalog_selectors.single_matter_bundle(payload.matter)
        if payload.bundle:
            raise ApiError(400, "invalid_request",
                           "bundle 与 matter 只能给出一个 (give either bundle or matter)",
                           {"matter": "give either bundle or matter"})
        if single is None:
            raise ApiError(404, "not_found", f"没有可以单独申请的事项 {payload.matter} "
                           "(unknown matter, or not applicable on its own)",
                           {"matter": "unknown matter or not applicable on its own"})
        slug = single.slug
    if catalog_selectors.bundle_by_slug(slug) is None:
        raise ApiError(404, "not_found", f"没有名为 {slug} 的一件事 (unknown bundle)",
                       {"bundle": "unknown bundle"})
    submission = services.Submission(
        bundle=slug, answers=payload.answers, form_data=payload.form_data,
        materials=payload.materials, idempotency_key=key or header_key,
        deferred_materials=tuple(payload.deferred_materials),
        commitments=payload.commitments)
    created = services.submit_application(submission, actor=user, applicant=user,
                                          channel=Channel.API)
    return Status(201, presenters.application(
        selectors.application_for(user, created.pk, with_events=False)))


@api.get("/applications", response={200: ApplicationPage, 401: ErrorOut, 400: ErrorOut},
         tags=["applications"])
def list_applications(request: HttpRequest, cursor: str = ""):
    """The viewer's applications, newest first, 50 a page."""
    rows, nxt = paging.page_by_newest(selectors.applications_for(_user(request)), cursor)
    return {"items": [presenters.application_summary(a) for a in rows], "next": nxt}


@api.get("/applications/{application_id}", response={200: ApplicationOut, **ERRORS},
         tags=["applications"])
def get_application(request: HttpRequest, application_id: ObjectId):
    return presenters.application(
        selectors.application_for(_user(request), application_id, with_events=False))


@api.post("/applications/{application_id}/withdraw", response={200: ApplicationOut, **ERRORS},
          tags=["applications"])
def withdraw(request: HttpRequest, application_id: ObjectId, payload: WithdrawIn | None = None):
    """The applicant withdraws every case not yet decided."""
    user = _user(request)
    selectors.application_for(user, application_id, with_events=False)  # 404 unless visible
    services.withdraw_application(application_id, actor=user,
                                  reason=payload.reason if payload else "")
    return presenters.application(selectors.application_for(user, application_id,
                                                            with_events=False))


# -- cases ---------------------------------------------------------------------------------


@api.get("/queue", response={200: CasePage, **ERRORS}, tags=["cases"])
def queue(request: HttpRequest, status: str = "", due: str = "", cursor: str = ""):
    """The reviewer's department queue, earliest promised due date first, 50 a page."""
    user = _user(request)
    if user.role != Role.REVIEWER:
        raise ApiError(403, "forbidden", "只有部门审批人员有办件队列 (reviewers only)")
    field_errors = {}
    if status and status not in {s.value for s in CaseStatus}:
        field_errors["status"] = "unknown status"
    if due not in {"", "soon", "overdue"}:
        field_errors["due"] = "one of: soon, overdue"
    if field_errors:
        raise ApiError(400, "invalid_request", "查询条件无效 (invalid filter)", field_errors)
    qs = selectors.department_queue(user, selectors.QueueFilter(status=status, due=due))
    rows, nxt = paging.page_by_due_date(qs.prefetch_related("prerequisites"), cursor)
    soon_limit = selectors.due_soon_limit()
    return {"items": [presenters.case(c, soon_limit) for c in rows], "next": nxt}


@api.get("/cases/{case_id}", response={200: CaseDetailOut, **ERRORS}, tags=["cases"])
def get_case(request: HttpRequest, case_id: ObjectId):
    user = _user(request)
    case = selectors.case_for(user, case_id)
    if user.role != Role.APPLICANT:  # staff reading a citizen's case: on the record
        record_audit("case.viewed", actor=user, subject=case, case_id=case.pk,
                     details={"application": case.application_id, "channel": "api"})
    return presenters.case_detail(case, user)


@api.post("/cases/{case_id}/actions/{action}", response={200: CaseDetailOut, **ERRORS},
          tags=["cases"])
def act(request: HttpRequest, case_id: ObjectId, action: str, payload: ActionIn | None = None):
    """Take an action on a case: accept, refuse, request_correction (with every item),
    resubmit (applicant, with the corrected materials), start_review, approve
    (optional result), deny, withdraw, conclude; suspend (a special procedure: ``kind``,
    optional ``expected_end`` and ``legal_basis``) and resume; extend (``days``, and
    ``approved_by`` when the head of the organ approves). Refusal, correction, denial
    and suspension need a reason, an extension as its matter's rule says.

    容缺受理: accept_pending (reviewer; ``items``: the materials owed), supply_materials
    (applicant; ``materials`` for every owed item, except one held as a certificate).
    Approval while materials are owed is a 409. 告知承诺: the case is approved on the
    commitment by the system; the reviewer records the post-check with
    confirm_commitment, or revoke_false_commitment (reason required), which revokes
    the decision and its certificate."""
    user = _user(request)
    selectors.ensure_case_visible(user, case_id)  # 404 unless visible
    chosen = next((a for a in TRANSITION_ACTIONS if a.value == action), None)
    if chosen is None:  # not an action on a case (history-only kinds such as submit neither)
        raise ApiError(404, "not_found", f"没有动作 {action[:50]} (unknown action)")
    body = payload or ActionIn()
    services.transition_case(
        case_id, chosen, actor=user, reason=body.reason,
        items=[item.model_dump() for item in body.items] or None,
        result=body.result or None, materials=body.materials or None,
        kind=body.kind, legal_basis=body.legal_basis, expected_end=body.expected_end,
        days=body.days, approved_by=body.approved_by)
    return presenters.case_detail(selectors.case_for(user, case_id), user)


# -- delivery of results (送证上门) ----------------------------------------------------


class DeliveryIn(StrictIn):
    """``method``: pickup | post | electronic; post needs address, recipient, mobile."""

    method: str = Field(max_length=20)
    address: str = Field(default="", max_length=300)
    recipient: str = Field(default="", max_length=100)
    mobile: str = Field(default="", max_length=20)


class DispatchIn(StrictIn):
    carrier: str = Field(max_length=100)
    tracking_number: str = Field(max_length=50)


class DeliveryOut(Schema):
    method: str
    method_label: str
    recipient: str  # masked
    mobile: str  # masked
    address: str  # masked
    carrier: str
    tracking_number: str
    dispatched_at: dt.datetime | None
    delivered_at: dt.datetime | None
    can_change: bool


_DELIVERY_CONFLICTS = {"already_dispatched", "already_delivered", "not_post", "no_result",
                       "not_dispatched"}


def _delivery_step(step, *args, **kwargs):
    try:
        return step(*args, **kwargs)
    except delivery.DeliveryError as exc:
        if exc.code in _DELIVERY_CONFLICTS:
            raise ApiError(409, exc.code, str(exc), exc.errors) from exc
        raise


@api.get("/applications/{application_id}/delivery", response={200: DeliveryOut, **ERRORS},
         tags=["applications"])
def get_delivery(request: HttpRequest, application_id: ObjectId):
    """How the results reach the applicant; address and mobile are masked."""
    return presenters.delivery(delivery.delivery_for(_user(request), application_id))


@api.post("/applications/{application_id}/delivery", response={200: DeliveryOut, **ERRORS},
          tags=["applications"])
def choose_delivery(request: HttpRequest, application_id: ObjectId, payload: DeliveryIn):
    """The applicant chooses pick-up, post (with address) or electronic, until dispatched."""
    user = _user(request)
    delivery.delivery_for(user, application_id)  # 404 unless visible
    _delivery_step(delivery.choose_delivery, application_id, actor=user,
                   method=payload.method, address=payload.address,
                   recipient=payload.recipient, mobile=payload.mobile)
    return presenters.delivery(delivery.delivery_for(user, application_id))


@api.post("/applications/{application_id}/delivery/dispatch",
          response={200: DeliveryOut, **ERRORS}, tags=["applications"])
def dispatch_delivery(request: HttpRequest, application_id: ObjectId, payload: DispatchIn):
    """Staff record the carrier and tracking number of a posted result."""
    user = _user(request)
    delivery.delivery_for(user, application_id)  # 404 unless visible
    _delivery_step(delivery.record_dispatch, application_id, actor=user,
                   carrier=payload.carrier, tracking_number=payload.tracking_number)
    return presenters.delivery(delivery.delivery_for(user, application_id))


@api.post("/applications/{application_id}/delivery/delivered",
          response={200: DeliveryOut, **ERRORS}, tags=["applications"])
def delivered(request: HttpRequest, application_id: ObjectId):
    """Staff, or the applicant confirming receipt, record that the result arrived."""
    user = _user(request)
    delivery.delivery_for(user, application_id)  # 404 unless visible
    _delivery_step(delivery.record_delivered, application_id, actor=user)
    return presenters.delivery(delivery.delivery_for(user, application_id))
