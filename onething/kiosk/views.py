"""The 24-hour self-service kiosk (24小时自助终端) at /kiosk/.

Three numbered steps on every screen: ① identify with the resident ID card
(or its number) and an SMS code, ② choose a task, ③ done and printed. Every
finished task signs the resident out; so does a minute without a touch.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from typing import TYPE_CHECKING

import segno
from django.conf import settings
from django.contrib.auth import login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from onething.accounts.identity import verify_in_person
from onething.accounts.ratelimit import client_address
from onething.accounts.services import AccountError, request_kiosk_code, verify_kiosk_code
from onething.applications import selectors as application_selectors
from onething.applications.choices import Channel
from onething.applications.services import Submission, SubmissionError, submit_application
from onething.audit.receivers import login_failed
from onething.catalog import selectors as catalog_selectors
from onething.certificates import selectors as certificate_selectors
from onething.certificates.views import public_verify_url
from onething.core.preferences import ELDER_COOKIE
from onething.domain.identity import WAIVER_LEVEL
from onething.domain.validators import mask_id_number, validate_id_number
from onething.kiosk import session
from onething.kiosk.readers import id_card_reader
from onething.payments.services import paid_payment, pay_due, payment_method
from onething.registers.selectors import due_for, dues_for
from onething.workbench.labels import label

if TYPE_CHECKING:
    from onething.accounts.models import User
    from onething.payments.models import Payment

BACKEND = "django.contrib.auth.backends.ModelBackend"

# Certificates the kiosk issues on the spot (秒批 bundles), with what to ask.
INSTANT_TASKS = {
    "no-criminal-record": {"title": gettext_lazy("开具无犯罪记录证明"),
                           "ask": ["certificate_purpose"]},
    "social-insurance-record": {"title": gettext_lazy("打印社保参保证明"), "ask": []},
}
# 无犯罪记录证明: from the fourth in a year a purpose proof is needed (window or online).
YEARLY_LIMIT = {"no-criminal-record": ("times_this_year", "over-3", 3)}


def _context(request: HttpRequest, step: int, **extra: object) -> dict[str, object]:
    return {"step": step, "idle_seconds": session.idle_seconds(), **extra}


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """The welcome screen; coming back here ends any kiosk session."""
    if request.session.get(session.KIOSK) or request.session.get(session.PENDING):
        session.end(request)
    notice = ""
    if request.GET.get("timeout"):
        seconds = session.idle_seconds()
        notice = ngettext("因 %(seconds)d 秒无操作，已自动退出，您的信息已清除。",
                          "因 %(seconds)d 秒无操作，已自动退出，您的信息已清除。",
                          seconds) % {"seconds": seconds}
    elif request.GET.get("done"):
        notice = gettext("办理完成，已安全退出。请取走您的身份证和打印件。")
    response = render(request, "kiosk/start.html", _context(request, 0, notice=notice))
    if notice:  # the next resident starts in Chinese, standard size
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        response.delete_cookie(ELDER_COOKIE)
    return response


def _send_code(request: HttpRequest, id_number: str) -> HttpResponse | dict[str, str]:
    """Text a code to the mobile on file; errors as a dict.

    Whether the ID number has an account is never shown: an unknown number also goes on
    to the code screen, where no code will ever verify."""
    try:
        outcome = request_kiosk_code(id_number, client=client_address(request))
    except AccountError as exc:
        return {"id_number": str(exc)}
    request.session[session.PENDING] = validate_id_number(id_number)
    request.session[session.PENDING_AT] = session.clock()
    if outcome.fresh:
        request.session.pop(session.RESEND_AT, None)
    else:
        request.session[session.RESEND_AT] = session.clock() + outcome.resend_after
    return redirect("kiosk:code")


# Never inside a request-wide transaction (ATOMIC_REQUESTS): counted requests must commit.
@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def identify(request: HttpRequest) -> HttpResponse:
    """Step ①: the resident ID number, typed or read from the card."""
    reader = id_card_reader()
    errors: dict[str, str] = {}
    value = ""
    if request.method == "POST":
        if request.POST.get("source") == "card":
            card = reader.read(request) if reader.available else None
            if card is None:
                errors["id_number"] = gettext("未读到身份证，请把身份证平放在读卡区，"
                                              "或直接输入号码")
            else:
                value = card.id_number
                # Remembered for the code step: only a read card raises the account to L3.
                request.session[session.CARD] = {"id_number": card.id_number,
                                                 "name": card.name}
        else:
            request.session.pop(session.CARD, None)  # a typed number is not a card read
            value = (request.POST.get("id_number") or "").strip()
            if not value:
                errors["id_number"] = gettext("请输入居民身份证号码")
        if not errors:
            outcome = _send_code(request, value)
            if isinstance(outcome, HttpResponse):
                return outcome
            errors = outcome
    return render(request, "kiosk/identify.html",
                  _context(request, 1, reader=reader, errors=errors, value=value),
                  status=400 if errors else 200)


@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    """Step ①, second half: the SMS code sent to the mobile on file."""
    id_number = request.session.get(session.PENDING)
    if not id_number or not isinstance(id_number, str) or not session.pending_fresh(request):
        session.end(request)
        return redirect("kiosk:identify")
    errors: dict[str, str] = {}
    if request.method == "POST":
        entered = (request.POST.get("code") or "").strip()
        if not entered:
            errors["code"] = gettext("请输入短信验证码")
        else:
            try:
                verified = verify_kiosk_code(id_number, entered,
                                             client=client_address(request))
            except AccountError as exc:
                login_failed(request, identifier=id_number, reason=exc.code)
                errors["code"] = str(exc)
            else:
                card = request.session.get(session.CARD)
                login(request, verified, backend=BACKEND)
                session.start(request)
                if card:
                    outcome = verify_in_person(verified, actor=None, evidence="kiosk-card-reader",
                                               card_id_number=card.get("id_number", ""),
                                               card_name=card.get("name", ""))
                    if outcome.matched:
                        request.session[session.CARD_READ] = verified.pk
                return redirect("kiosk:menu")
    resend_at = request.session.get(session.RESEND_AT)
    resend_after = math.ceil(float(resend_at) - session.clock()) if resend_at else 0
    return render(request, "kiosk/code.html",
                  _context(request, 1, errors=errors, resend_after=max(resend_after, 0)),
                  status=400 if errors else 200)


@session.kiosk_login_required
def menu(request: HttpRequest) -> HttpResponse:
    """Step ②: what the resident can do here."""
    return render(request, "kiosk/menu.html", _context(request, 2, tasks=INSTANT_TASKS))


def _issued_this_year(user: User, slug: str) -> int:
    year = timezone.localdate().year
    return certificate_selectors.issued_to_holder_since(
        user, bundle_slug=slug,
        since=dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone()))


def _answers_for(user: User, slug: str) -> dict[str, str]:
    limit = YEARLY_LIMIT.get(slug)
    if limit and _issued_this_year(user, slug) >= limit[2]:
        return {limit[0]: limit[1]}
    return {}


def _kiosk_key(sent: str) -> str:
    """The form's request key as the kiosk generated it, or a new one when the
    posted key is not a plain token of at most 64 characters (never cut to fit)."""
    if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", sent):
        return sent
    return uuid.uuid4().hex


@session.kiosk_login_required
@require_http_methods(["GET", "POST"])
def instant(request: HttpRequest, slug: str) -> HttpResponse:
    """A certificate decided in seconds (秒批) and printed here."""
    task = INSTANT_TASKS.get(slug)
    if task is None:
        raise Http404("自助终端不办理该事项 (not offered at the kiosk)")
    user = request.user
    answers = _answers_for(user, slug)
    # Form and ID copy are waived only for an identity verified in person (L3).
    in_person = user.assurance_level >= WAIVER_LEVEL
    plan = catalog_selectors.plan_bundle(slug, answers, verified=in_person)
    catalog = catalog_selectors.catalog_for_bundles([slug])
    ask = [catalog.fields[key] for key in task["ask"] if key in catalog.fields]
    errors: dict[str, str] = {}
    values = {f.key: (request.POST.get(f.key) or "").strip() for f in ask}
    context = _context(request, 2, task=task, slug=slug, plan=plan, ask=ask, values=values,
                       errors=errors, key=_kiosk_key(request.POST.get("key", "")),
                       card_read=request.session.get(session.CARD_READ) == user.pk,
                       in_person=in_person, reader_available=id_card_reader().available)
    if plan.materials:
        # Something must be uploaded (e.g. the purpose proof): not at the kiosk.
        return render(request, "kiosk/instant_elsewhere.html", context)
    if request.method == "POST":
        for f in ask:
            if not values[f.key]:
                errors[f.key] = gettext("请选择%(label)s") % {"label": f.label}
        if not errors:
            try:
                application = submit_application(
                    Submission(bundle=slug, answers=answers, form_data=values, materials={},
                               idempotency_key=f"kiosk:{context['key']}"),
                    actor=user, applicant=user, channel=Channel.KIOSK)
            except SubmissionError as exc:
                errors.update({k.split(".")[-1]: v for k, v in exc.errors.items()})
            else:
                return _finish_instant(request, application, task)
        return render(request, "kiosk/instant.html", context, status=400)
    return render(request, "kiosk/instant.html", context)


def _finish_instant(request: HttpRequest, application: object, task: dict) -> HttpResponse:
    user = request.user
    case = application_selectors.cases_for(user).filter(application=application).first()
    certificate = certificate_selectors.issued_for_case(user, case)
    context = _context(request, 3, task=task, application=application, case=case,
                       certificate=certificate)
    if certificate is not None:
        url = public_verify_url(request, certificate.number)
        qr = segno.make(url, error="m").svg_inline(scale=5, title=gettext("扫码核验证明真伪"))
        context.update(verify_url=url, qr_svg=mark_safe(qr),  # segno writes the whole SVG
                       details=certificate.data.get("details", {}))
    session.end(request)  # the task is finished: sign out before showing the result
    return render(request, "kiosk/instant_done.html", context)


# How the configured backend takes the money, in the page's language (a deployment's own
# backend names its method in Chinese; English pages show it as the backend says it).
METHODS = {"sandbox": gettext_lazy("沙箱支付（模拟，不扣款）")}


def _method_context() -> dict[str, object]:
    method = payment_method()
    return {"method": METHODS.get(method.name) or gettext(method.method),
            "sandbox": method.sandbox}


def _pay_page(request: HttpRequest, status: int = 200, **extra: object) -> HttpResponse:
    return render(request, "kiosk/pay.html",
                  _context(request, 2, rows=_due_rows(request.user), **_method_context(),
                           **extra), status=status)


@session.kiosk_login_required
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest) -> HttpResponse:
    """缴纳城乡居民社保费: the dues the tax register lists for this resident.

    Choosing a due shows what will be charged — item, year, amount, payer, method — and
    only the second tap, 确认支付, charges it (the form carries ``confirm``)."""
    user = request.user
    if request.method == "POST":
        due = due_for(user.id_number, request.POST.get("due") or 0)
        if due is None:
            raise Http404("没有这笔应缴费用 (no such due)")
        key = _kiosk_key(request.POST.get("key", ""))
        if request.POST.get("confirm") != "yes":
            paid = paid_payment(due)
            if paid is not None:
                return _pay_page(request)  # the list says it is paid
            return render(request, "kiosk/pay_confirm.html",
                          _context(request, 2, due=due, key=key, payer=user,
                                   payer_id=mask_id_number(user.id_number),
                                   **_method_context()))
        try:
            payment = pay_due(due, payer=user, idempotency_key=key)
        except SubmissionError as exc:
            return _pay_page(request, status=400,
                             error=pgettext("list separator", "；").join(exc.errors.values()))
        if payment.succeeded:
            context = _context(request, 3, payment=payment, due=due, payer=user,
                               payer_id=mask_id_number(user.id_number), **_method_context())
            session.end(request)
            return render(request, "kiosk/pay_done.html", context)
        return _pay_page(request, status=402,
                         error=gettext("缴费未成功：%(reason)s，可以重试")
                         % {"reason": payment.message})
    return _pay_page(request)


def _due_rows(user: User) -> list[dict[str, object]]:
    rows = []
    for due in dues_for(user.id_number):
        paid: Payment | None = paid_payment(due)
        rows.append({"due": due, "paid": paid, "key": uuid.uuid4().hex})
    return rows


@session.kiosk_login_required
def real_estate(request: HttpRequest) -> HttpResponse:
    """不动产登记进度: this resident's registrations and where they stand."""
    department = settings.ONETHING_REAL_ESTATE_DEPARTMENT
    cases = (application_selectors.cases_for(request.user)
             .filter(application__applicant=request.user, department__code=department)
             .order_by("-application__submitted_at", "position"))
    rows = [{"case": c, "status": label("case_status", c.status)} for c in cases]
    return render(request, "kiosk/real_estate.html", _context(request, 3, rows=rows))


@require_POST
def finish(request: HttpRequest) -> HttpResponse:
    """“完成，退出”: end the session whatever state it is in."""
    session.end(request)
    return redirect("/kiosk/?done=1")
