"""Staff workbench: sign-in, the landing page, a department's queue and one case.

Thin views: reads through ``onething.applications.selectors`` (filtered by
viewer), every state change through ``services.transition_case``; a case's
certificate is revoked (注销) through ``certificates.services.revoke_certificate``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from onething.accounts.choices import Role as UserRole
from onething.applications import delivery, procedures, selectors
from onething.applications.delivery import DeliveryMethod
from onething.applications.services import (
    CaseActionDenied,
    SubmissionError,
    transition_case,
)
from onething.audit.services import record_audit
from onething.catalog import selectors as catalog_selectors
from onething.catalog.translation import localized
from onething.certificates import selectors as certificate_selectors
from onething.certificates.keys import SIGNING_UNAVAILABLE, KeyMissing
from onething.certificates.services import CertificateActionDenied, may_revoke
from onething.certificates.services import revoke_certificate as revoke
from onething.domain.cases import (
    FINAL,
    Action,
    CaseStatus,
    IllegalTransition,
    ReasonRequired,
    Role,
    needs_reason,
)
from onething.domain.catalog import LAPSE_RULES, accept_pending_from
from onething.domain.deadlines import SPECIAL_PROCEDURES, SuspensionKind
from onething.domain.validators import mask_id_number
from onething.workbench.access import CENTRE_ROLES, forbidden, staff_required
from onething.workbench.forms import StaffLoginForm
from onething.workbench.labels import label

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
RECENT_APPLICATIONS = 50

# Labels for the result data a decision passes on (see services._result).
RESULT_LABELS = {
    "decision": gettext_lazy("决定"),
    "certificate_name": gettext_lazy("证照名称"),
    "number": gettext_lazy("证照编号"),
    "note": gettext_lazy("审批意见"),
    "verify_url": gettext_lazy("核验地址"),
}
DECISION_LABELS = {"approved": gettext_lazy("准予"), "revoked": gettext_lazy("已撤销")}

# What each action's form asks for, besides the button.
ACTION_HINTS = {
    Action.ACCEPT: gettext_lazy("材料齐全、符合法定形式，受理后开始计算承诺时限。"),
    Action.REFUSE: gettext_lazy("依法不属于本部门职权范围或不予受理的，须书面说明理由。"),
    Action.REQUEST_CORRECTION: gettext_lazy(
        "材料不齐全或不符合法定形式的，一次性告知需要补正的全部内容。"),
    Action.START_REVIEW: gettext_lazy("开始对申请材料进行实质审查。"),
    Action.APPROVE: gettext_lazy("作出准予决定，结果将自动传给需要它的后续事项。"),
    Action.DENY: gettext_lazy("作出不予许可决定，须书面说明理由。"),
    Action.CONCLUDE: gettext_lazy("结果已送达，办结本件。"),
    Action.SUSPEND: gettext_lazy(
        "依法需要听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审或公示的，所需时间不计入办理时限"
        "（《行政许可法》第四十五条），并书面告知申请人所需时间。"),
    Action.RESUME: gettext_lazy("特别程序已结束，恢复计时；办结日期顺延，并告知申请人。"),
    Action.EXTEND: gettext_lazy(
        "在规定期限内不能作出决定的，按本事项的规定延长办理期限（行政许可：经本行政机关负责人"
        "批准，可以延长十日，《行政许可法》第四十二条），并将理由告知申请人。"),
    Action.ACCEPT_PENDING: gettext_lazy(
        "主要材料齐全、符合法定形式，次要材料暂缺的，容缺受理：列明暂缺的材料，申请人在期限内补齐后"
        "再作出决定。"),
    Action.CONFIRM_COMMITMENT: gettext_lazy("事后核查发现场所和材料与承诺一致，准予决定维持。"),
    Action.REVOKE_FALSE_COMMITMENT: gettext_lazy(
        "事后核查发现承诺不实的，撤销准予决定并注销证照，须写明核查发现的问题。"),
}
# Fields of the clock's actions the form posts, besides the reason.
CLOCK_FIELDS = ("kind", "expected_end", "legal_basis", "days", "approved_by")
def _with_page_counts(materials: Any) -> list[Any]:
    """Each provided material with ``pages``: how many files its material has (多页材料)."""
    rows = list(materials)
    counts: dict[str, int] = {}
    for m in rows:
        counts[m.material_key] = counts.get(m.material_key, 0) + 1
    for m in rows:
        m.pages = counts[m.material_key]
    return rows


# What the applicant is told the lapse of owed materials leads to (catalog.LAPSE_RULES).
LAPSE_LABELS = {"terminate": gettext_lazy("逾期未补齐的，终止办理并书面告知申请人"),
                "refer": gettext_lazy("逾期未补齐的，转承办部门依法作出决定")}
assert set(LAPSE_LABELS) == set(LAPSE_RULES)


# -- signing in and out ----------------------------------------------------------


class StaffLoginView(LoginView):
    template_name = "workbench/login.html"
    authentication_form = StaffLoginForm
    next_page = reverse_lazy("workbench:home")
    redirect_authenticated_user = False


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, gettext("您已安全退出工作台。"))
    return redirect("workbench:login")


# -- landing ---------------------------------------------------------------------


@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    """Reviewers go to their queue, clerks to the window, assistants to their window shift;
    the centre sees recent applications."""
    role = request.user.role
    if role == UserRole.REVIEWER:
        return redirect("workbench:queue")
    if role == UserRole.CLERK:
        return redirect("workbench:window")
    if role == UserRole.ASSISTANT:
        return redirect("workbench:shift")
    applications = list(selectors.applications_for(request.user)
                        .select_related("submitted_by")[:RECENT_APPLICATIONS])
    return render(request, "workbench/home.html", {"applications": applications})


# -- the department queue ------------------------------------------------------------

QUEUE_STATUSES = [s for s in CaseStatus if s is not CaseStatus.WAITING]
DUE_CHOICES = {"soon": gettext_lazy("即将到期（2个工作日内）"), "overdue": gettext_lazy("已超期")}


@staff_required(UserRole.REVIEWER)
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in {s.value for s in QUEUE_STATUSES}:
        status = ""
    due = request.GET.get("due", "")
    if due not in DUE_CHOICES:
        due = ""
    cases = selectors.department_queue(request.user, selectors.QueueFilter(status=status, due=due))
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    soon_limit = selectors.due_soon_limit(today)
    rows = [{"case": case, **selectors.due_flags(case, today, soon_limit)}
            for case in page.object_list]
    return render(request, "workbench/queue.html", {
        "page": page,
        "rows": rows,
        "status": status,
        "due": due,
        "statuses": [(s.value, label("case_status", s), s in FINAL) for s in QUEUE_STATUSES],
        "due_choices": DUE_CHOICES.items(),
        "filtered": bool(status or due),
        "department": request.user.department,
    })


# -- one case --------------------------------------------------------------------------


@staff_required()
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _visible_case(request, case_id)
    if request.method == "POST" and request.POST.get("form") in {"dispatch", "delivered"}:
        return _record_delivery(request, case)
    if request.method == "POST":
        return _act(request, case)
    record_audit("case.viewed", actor=request.user, subject=case, case_id=case.pk,
                 details={"application": case.application_id,
                          "tracking_number": case.application.tracking_number})
    return _render_case(request, case)


def _record_delivery(request: HttpRequest, case) -> HttpResponse:
    """登记寄递 / 登记送达 for a posted result (onething.applications.delivery)."""
    posted = request.POST
    errors: dict[str, str] = {}
    try:
        if posted["form"] == "dispatch":
            delivery.record_dispatch(case.application_id, actor=request.user,
                                     carrier=posted.get("carrier", ""),
                                     tracking_number=posted.get("tracking_number", ""))
            done = gettext("已登记寄递（%(number)s）。")
        else:
            delivery.record_delivered(case.application_id, actor=request.user)
            done = gettext("已登记送达（%(number)s）。")
    except delivery.DeliveryError as exc:
        errors = {(k if k in {"carrier", "tracking_number"} else "__all__"): v
                  for k, v in exc.errors.items()}
    except CaseActionDenied as exc:
        errors = {"__all__": str(exc)}
    else:
        messages.success(request, done % {"number": case.application.tracking_number})
        return redirect("workbench:case", case_id=case.pk)
    return _render_case(request, case, delivery_errors=errors, status=400)


@staff_required()
@require_POST
def revoke_certificate(request: HttpRequest, number: str) -> HttpResponse:
    """注销证照 from the case page; the service decides who may (403 for anyone else)."""
    certificate = certificate_selectors.verify_certificate(number).certificate
    if certificate is None:
        raise Http404("没有这份证照 (no such certificate)")
    back = (redirect("workbench:case", case_id=certificate.case_id) if certificate.case_id
            else redirect("certificates:verify", number=certificate.number))
    try:
        revoke(certificate, actor=request.user, reason=request.POST.get("reason", ""))
    except CertificateActionDenied as exc:
        return forbidden(request, str(exc), title=gettext("无权注销证照"))
    except SubmissionError as exc:
        if exc.code == "already_revoked":
            # Someone else was quicker (or a second click): the page shows the revoked state.
            messages.info(request, gettext("证照 %(number)s 已注销，无需再次注销。")
                          % {"number": certificate.number})
            return back
        if certificate.case_id is None:  # no case page to show the form again on
            messages.error(request, pgettext("list separator", "；").join(exc.errors.values()))
            return back
        case = _visible_case(request, certificate.case_id)
        return _render_case(request, case, revoke_errors=exc.errors, status=400)
    messages.success(request, gettext("已注销证照 %(number)s。") % {"number": certificate.number})
    return back


def _certificate_panel(viewer, case) -> dict | None:
    """The case's certificate (number, status, verify link) and whether ``viewer`` may revoke."""
    number = (case.result or {}).get("number", "")
    if case.matter.issues_id is None or not number:
        return None
    found = certificate_selectors.verify_certificate(number)
    certificate = found.certificate
    if certificate is None or certificate.case_id != case.pk:
        return None
    return {"certificate": certificate, "status": found.status,
            "status_label": found.status_label,
            "revoked": certificate.revoked_at is not None,
            "may_revoke": may_revoke(viewer, certificate) and certificate.revoked_at is None}


def _visible_case(request: HttpRequest, case_id: int):
    try:
        return selectors.case_for(request.user, case_id)
    except selectors.NotVisible as exc:
        raise Http404("没有这个办件 (no such case)") from exc


def _correction_choices(case) -> list[dict[str, str]]:
    """Every material this case's matter needs, from the plan it was filed under."""
    return [{"key": m["key"], "name": m["name"]}
            for m in case.application.plan.get("materials", [])
            if case.matter.code in m.get("needed_by", [])]


def _pending_choices(case) -> list[dict[str, Any]]:
    """容缺受理: the matter's 容缺 materials this case needs; those the applicant declared
    owed come ticked."""
    rule = accept_pending_from(case.matter.accept_pending)
    if rule is None:
        return []
    declared = {i["material"] for i in case.pending_items or []}
    return [{"key": m["key"], "name": m["name"], "declared": m["key"] in declared}
            for m in _correction_choices(case) if m["key"] in rule.materials]


def _pending_panel(case) -> dict[str, Any]:
    """What the case owes (容缺受理) and by when, and the rule's period and lapse."""
    rule = accept_pending_from(case.matter.accept_pending)
    return {
        "items": case.pending_items or [],
        "due": case.pending_due_date,
        "overdue": (case.pending_due_date is not None
                    and case.pending_due_date < timezone.localdate()),
        "within": rule.within if rule else None,
        "lapse": LAPSE_LABELS.get(case.pending_on_lapse or (rule.on_lapse if rule else ""), ""),
    }


def _act(request: HttpRequest, case) -> HttpResponse:
    posted = request.POST
    try:
        action = Action(posted.get("action", ""))
    except ValueError:
        action = None
    allowed = (procedures.available_actions(case, Role.REVIEWER)
               if request.user.role == UserRole.REVIEWER else [])
    if action is None or action not in allowed:
        messages.error(request, gettext("该操作当前不可用，页面已刷新为办件的最新状态。"))
        return redirect("workbench:case", case_id=case.pk)

    reason = posted.get("reason", "").strip()
    errors: dict[str, str] = {}
    kwargs: dict = {}
    if needs_reason(action) and not reason:
        errors["reason"] = (gettext("请填写“%(action)s”的理由。")
                            % {"action": label("case_action", action)})
    if action is Action.REQUEST_CORRECTION:
        chosen = set(posted.getlist("items"))
        items = [{"material": m["key"], "note": posted.get(f"note-{m['key']}", "").strip()}
                 for m in _correction_choices(case) if m["key"] in chosen]
        if not items:
            errors["correction_items"] = gettext("请至少勾选一项需要补正的材料（一次性告知全部）。")
        kwargs["items"] = items
    if action is Action.APPROVE:
        kwargs["result"] = {key: posted.get(f"result-{key}", "").strip()[:200]
                            for key in ("number", "note", "valid_until")
                            if posted.get(f"result-{key}", "").strip()}
    if action in {Action.SUSPEND, Action.EXTEND}:
        kwargs.update(_clock_fields(action, posted, errors))
    if action is Action.ACCEPT_PENDING:  # 容缺受理: the materials owed, each with a note
        chosen = set(posted.getlist("pending"))
        kwargs["items"] = [{"material": m["key"],
                            "note": posted.get(f"pending-note-{m['key']}", "").strip()}
                           for m in _pending_choices(case) if m["key"] in chosen]
        if not kwargs["items"]:
            errors["pending_items"] = gettext("请勾选暂缺的材料。")

    if not errors:
        try:
            transition_case(case.pk, action, actor=request.user, reason=reason, **kwargs)
        except ReasonRequired as exc:
            errors["reason"] = str(exc)
        except SubmissionError as exc:
            field = "pending_items" if action is Action.ACCEPT_PENDING else "correction_items"
            errors.update({(field if k.split(".")[0] == "items" else
                            k if k in CLOCK_FIELDS or k == "reason" else "__all__"): v
                           for k, v in exc.errors.items()})
        except (IllegalTransition, CaseActionDenied) as exc:
            errors["__all__"] = str(exc)
        except KeyMissing as exc:  # this node lacks the deployment's signing key
            logger.error("certificate signing failed on this node: %s", exc)
            errors["__all__"] = SIGNING_UNAVAILABLE
            response = _render_case(request, case, failed=action, errors=errors, status=503)
            response["Retry-After"] = "60"
            return response
        else:
            messages.success(request, gettext("已%(action)s：%(matter)s（%(number)s）。") % {
                "action": label("case_action", action), "matter": case.matter.name,
                "number": case.application.tracking_number})
            return redirect("workbench:case", case_id=case.pk)
    return _render_case(request, case, failed=action, errors=errors, status=400)


def _clock_fields(action: Action, posted, errors: dict[str, str]) -> dict:
    """The kind and expected end of a special procedure, or the days and approver of an
    extension, as the form posted them (shape only: the rules are the services')."""
    if action is Action.SUSPEND:
        fields: dict = {"kind": posted.get("kind", "").strip(),
                        "legal_basis": posted.get("legal_basis", "").strip()[:300]}
        if not fields["kind"]:
            errors["kind"] = gettext("请选择特别程序的类型。")
        end = posted.get("expected_end", "").strip()
        if end:
            try:
                fields["expected_end"] = dt.date.fromisoformat(end)
            except ValueError:
                errors["expected_end"] = gettext("预计结束日期应为 YYYY-MM-DD。")
        return fields
    days = posted.get("days", "").strip()
    if not days.isdigit() or not 0 < int(days) < 1000:
        errors["days"] = gettext("请填写延长的天数（正整数）。")
    return {"days": int(days) if days.isdigit() and len(days) < 4 else 0,
            "approved_by": posted.get("approved_by", "").strip()[:100]}


def _render_case(request: HttpRequest, case, *, failed: Action | None = None,
                 errors: dict[str, str] | None = None, status: int = 200,
                 delivery_errors: dict[str, str] | None = None,
                 revoke_errors: dict[str, str] | None = None) -> HttpResponse:
    viewer = request.user
    application = selectors.application_for(viewer, case.application_id)
    sending = delivery.delivery_for(viewer, application.pk)
    may_send = (sending.method == DeliveryMethod.POST and sending.delivered_at is None
                and delivery.may_dispatch(viewer, application)
                and delivery.has_result(application))
    plan = application.plan
    field_rows = []
    for field in plan.get("fields", []):
        value = application.form_data.get(field["key"], "")
        if value and field.get("type") == "id_number":
            value = mask_id_number(value)
        field_rows.append({"label": field["label"], "value": value})
    matter_names = {m["code"]: m["name"] for m in plan.get("matters", [])}
    received = [{"matter": matter_names.get(code, code), "rows": _result_rows(result)}
                for code, result in (case.received or {}).items()]
    material_names = {m["key"]: m["name"] for m in plan.get("materials", [])}
    events = [{"event": e, "label": label("case_event", e.action),
               "items": [{"name": material_names.get(i.get("material"), i.get("material")),
                          "note": i.get("note", "")} for i in e.data.get("items", [])]
               if e.action == Action.REQUEST_CORRECTION else []}
              for e in application.events.all()]
    requested = [{"name": material_names.get(i.get("material"), i.get("material")),
                  "note": i.get("note", "")} for i in case.correction_items or []]
    posted = request.POST if failed else None
    chosen = set(posted.getlist("items")) if posted else set()
    corrections = [{**m, "checked": m["key"] in chosen,
                    "note": posted.get(f"note-{m['key']}", "") if posted else ""}
                   for m in _correction_choices(case)]
    actions = []
    if viewer.role == UserRole.REVIEWER:
        for action in procedures.available_actions(case, Role.REVIEWER):
            mine = failed is action
            actions.append({
                "value": action.value,
                "label": label("case_action", action),
                "hint": ACTION_HINTS.get(action, ""),
                "needs_reason": needs_reason(action),
                "errors": (errors or {}) if mine else {},
                "error_list": list((errors or {}).items()) if mine else [],
                "reason": posted.get("reason", "") if mine and posted else "",
                "result_number": posted.get("result-number", "") if mine and posted else "",
                "result_note": posted.get("result-note", "") if mine and posted else "",
                "result_valid_until": (posted.get("result-valid_until", "")
                                       if mine and posted else ""),
                **{f"posted_{name}": posted.get(name, "") if mine and posted else ""
                   for name in CLOCK_FIELDS},
                "danger": action in {Action.REFUSE, Action.DENY,
                                     Action.REVOKE_FALSE_COMMITMENT},
                "optional_reason": action is Action.CONFIRM_COMMITMENT,
            })
    return render(request, "workbench/case.html", {
        "case": case,
        "application": application,
        "applicant": application.applicant,
        "field_rows": field_rows,
        "materials": _with_page_counts(selectors.materials_for_case(viewer, case)),
        "received": received,
        "events": events,
        "requested": requested,
        "result_rows": _result_rows(case.result),
        "actions": actions,
        "corrections": corrections,
        "pending_choices": [{**m, "checked": (m["key"] in set(posted.getlist("pending"))
                                              if posted else m["declared"]),
                             "note": posted.get(f"pending-note-{m['key']}", "") if posted else ""}
                            for m in _pending_choices(case)],
        "pending": _pending_panel(case),
        "commitment": selectors.commitments_by_case(application).get(case.pk),
        "issues_certificate": case.matter.issues_id is not None,
        # 有效期以登记为准: the reviewer enters the date the register records
        "asks_valid_until": (case.matter.issues_id is not None
                             and (case.matter.issues.validity or {}).get("kind") == "register"),
        "prerequisites": list(case.prerequisites.all()),
        "flags": selectors.due_flags(case),
        "clock": _clock_panel(case),
        "is_reviewer": viewer.role == UserRole.REVIEWER,
        "is_centre": viewer.role in CENTRE_ROLES,
        "delivery": delivery.summary(sending),
        "can_dispatch": may_send,
        "delivery_errors": delivery_errors or {},
        "dispatch_values": request.POST if delivery_errors else {},
        "certificate": _certificate_panel(viewer, case),
        "revoke_errors": revoke_errors or {},
        "revoke_reason": request.POST.get("reason", "") if revoke_errors else "",
        "access_log": _access_rows(viewer, case, material_names),
        "may_see_access_log": selectors.may_see_access_log(viewer, case),
    }, status=status)


def _clock_panel(case) -> dict:
    """The case's non-counting periods and extensions (办理时限), and the kinds a
    reviewer may open."""
    suspensions, extensions = selectors.clock_rows(case)
    return {
        "suspensions": suspensions,
        "extensions": extensions,
        "kinds": [{"value": k.value, "label": label("suspension_kind", k.value)}
                  for k in SuspensionKind if k in SPECIAL_PROCEDURES],
    }


def _access_rows(viewer, case, material_names: dict[str, str]) -> list[dict]:
    """查阅记录: who viewed the case or viewed/downloaded which material, and when."""
    return [{"entry": entry,
             "who": entry.actor.display_name if entry.actor else entry.actor_label,
             "what": label("audit_kind", entry.kind),
             "material": material_names.get(entry.details.get("material", ""),
                                            entry.details.get("material", ""))}
            for entry in selectors.access_log(viewer, case)]


# Internal codes kept in the result for the machines; staff read the name beside them.
HIDDEN_RESULT_KEYS = {"certificate_type"}


def _result_rows(result: dict | None) -> list[tuple[str, str]]:
    """The result's entries with their labels: a datum the result carries (the USCC the
    register assigned) by its field label; the certificate type by its name only."""
    fields = catalog_selectors.field_definitions(list(result or {}))

    def name(key: str) -> str:
        if key in RESULT_LABELS:
            return str(RESULT_LABELS[key])
        return localized(fields[key], "label") if key in fields else key

    return [(name(k), DECISION_LABELS.get(v, v) if k == "decision"
             else localized(v) if k == "certificate_name" else v)
            for k, v in (result or {}).items() if k not in HIDDEN_RESULT_KEYS]
