"""Delivery of results (送达 / 送证上门): how the applicant receives what was decided.

The applicant chooses pick-up at the window (窗口领取), post to an address
(邮寄到家) or an electronic certificate (电子证照), at application time or
later while nothing has been sent. For post, centre clerks or a reviewer of a
department handling a case of the application record the carrier and the
tracking number once a result exists, then the delivery. Each step appends
an application-level Event and tells the applicant, in one transaction.

* ``check_delivery`` — pure: the clean choice and every problem, by field.
* ``choose_delivery`` / ``record_dispatch`` / ``record_delivered`` — writes.
* ``delivery_for`` — the read, filtered by the viewer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from onething.accounts.models import Role as UserRole
from onething.accounts.models import User
from onething.applications import selectors
from onething.applications.models import (
    Application,
    DeliveryMethod,
    Event,
    ResultDelivery,
)
from onething.core.errors import CaseActionDenied, SubmissionError
from onething.domain.cases import CaseStatus
from onething.domain.validators import ValidationProblem, mask_mobile, validate_mobile
from onething.notifications.messages import part
from onething.notifications.services import notify

# Actions of the application-level events written here (labels: models.DELIVERY_ACTION_LABELS).
CHOOSE, DISPATCH, DELIVERED = "choose_delivery", "dispatch", "delivered"
# A result exists to be sent once a case is approved (and stays so when concluded); a
# permit granted on a commitment (告知承诺) is sent at once, before its post-check.
RESULT_STATUSES = {CaseStatus.APPROVED.value, CaseStatus.CONCLUDED.value,
                   CaseStatus.APPROVED_ON_COMMITMENT.value}
# Cases that will never have a result: when every case of an application is one of these
# (the applicant withdrew it, or it was cancelled), there is nothing to deliver.
NO_RESULT_STATUSES = {CaseStatus.WITHDRAWN.value, CaseStatus.CANCELLED.value}
# Centre staff who may record dispatch for any application (综合窗口).
DISPATCH_ROLES = {UserRole.CLERK, UserRole.MANAGER}

ADDRESS_MAX, RECIPIENT_MAX, CARRIER_MAX, TRACKING_MAX = 300, 100, 100, 50


class DeliveryError(SubmissionError):
    """A delivery step that is wrong or not possible now, by field."""


# -- pure checks ---------------------------------------------------------------------


def check_delivery(method: str, *, address: str = "", recipient: str = "",
                   mobile: str = "") -> tuple[dict[str, str], dict[str, str]]:
    """Return (clean choice, errors by field). Post needs an address, a
    recipient and a valid mainland mobile (validators.validate_mobile)."""
    method = (method or "").strip()
    errors: dict[str, str] = {}
    if method not in DeliveryMethod.values:
        errors["method"] = "请选择领取方式：窗口领取、邮寄到家或电子证照 (choose a method)"
        return {}, errors
    clean = {"method": method, "address": "", "recipient": "", "mobile": ""}
    if method != DeliveryMethod.POST:
        return clean, errors
    address, recipient = " ".join((address or "").split()), " ".join((recipient or "").split())
    if not address:
        errors["address"] = "请填写收件地址 (address required)"
    elif len(address) > ADDRESS_MAX:
        errors["address"] = f"收件地址不超过{ADDRESS_MAX}字 (too long)"
    if not recipient:
        errors["recipient"] = "请填写收件人姓名 (recipient required)"
    elif len(recipient) > RECIPIENT_MAX:
        errors["recipient"] = f"收件人姓名不超过{RECIPIENT_MAX}字 (too long)"
    if not (mobile or "").strip():
        errors["mobile"] = "请填写收件人手机号码 (mobile required)"
    else:
        try:
            clean["mobile"] = validate_mobile(mobile)
        except ValidationProblem as exc:
            errors["mobile"] = f"收件人手机号码：{exc.message}"
    clean.update(address=address, recipient=recipient)
    return clean, errors


def mask_address(value: str) -> str:
    """Keep the first part (province, city, district) and hide the rest."""
    value = value or ""
    if not value:
        return ""
    keep = min(6, max(1, len(value) // 2))
    return value[:keep] + "****"


def mask_name(value: str) -> str:
    return (value[:1] + "*" * max(1, len(value) - 1)) if value else ""


def summary(delivery: ResultDelivery) -> dict[str, Any]:
    """What may be shown or logged: never the whole address or mobile."""
    return {
        "method": delivery.method,
        "method_label": DeliveryMethod(delivery.method).label,
        "recipient": mask_name(delivery.recipient),
        "mobile": mask_mobile(delivery.mobile) if delivery.mobile else "",
        "address": mask_address(delivery.address),
        "carrier": delivery.carrier,
        "tracking_number": delivery.tracking_number,
        "dispatched_at": delivery.dispatched_at,
        "delivered_at": delivery.delivered_at,
        "can_change": delivery.dispatched_at is None and expects_result(delivery.application),
    }


# -- reads ---------------------------------------------------------------------------


def delivery_for(viewer: User, application_id: int) -> ResultDelivery:
    """The delivery of a visible application (NotVisible otherwise); an
    application with no choice recorded is picked up at the window."""
    application = selectors.applications_for(viewer).filter(pk=application_id).first()
    if application is None:
        raise selectors.NotVisible(application_id)
    found = ResultDelivery.objects.filter(application=application).first()
    return found or ResultDelivery(application=application, method=DeliveryMethod.PICKUP)


def may_dispatch(actor: User, application: Application) -> bool:
    if actor.role in DISPATCH_ROLES:
        return True
    return (actor.role == UserRole.REVIEWER and actor.department_id is not None
            and application.cases.filter(department_id=actor.department_id).exists())


def expects_result(application: Application) -> bool:
    """Whether a result may still come (or has come): not when every case was
    withdrawn or cancelled."""
    return application.cases.exclude(status__in=NO_RESULT_STATUSES).exists()


def has_result(application: Application) -> bool:
    return application.cases.filter(status__in=RESULT_STATUSES).exists()


# -- writes --------------------------------------------------------------------------


def _locked(application_id: int) -> tuple[Application, ResultDelivery]:
    application = Application.objects.select_for_update().get(pk=application_id)
    delivery, _ = ResultDelivery.objects.select_for_update().get_or_create(
        application=application, defaults={"method": DeliveryMethod.PICKUP})
    return application, delivery


def _record(application: Application, actor: User, action: str, data: dict[str, Any],
            parts: list[list[Any]]) -> Event:
    event = Event.objects.create(application=application, actor=actor, action=action,
                                 data=data)
    notify(user=application.applicant, application=application,
           dedupe_key=f"delivery:{event.pk}",
           # what the applicant did themselves is not sent back to their phone
           happened=action if actor.pk != application.applicant_id else "",
           detail=f"（{data['carrier']}，运单号 {data['tracking_number']}）"
           if action == DISPATCH else "",
           parts=[part("application_prefix", number=application.tracking_number), *parts])
    return event


def choose_delivery(application_id: int, *, actor: User, method: str, address: str = "",
                    recipient: str = "", mobile: str = "") -> ResultDelivery:
    """The applicant chooses how to receive the results (送达方式), until sent.

    《行政许可法》第四十四条 (送达); 国办发〔2024〕3号 "送证上门". Post needs an
    address, a recipient and a valid mobile.
    """
    clean, errors = check_delivery(method, address=address, recipient=recipient,
                                   mobile=mobile)
    if errors:
        raise DeliveryError(errors, "invalid_delivery")
    with transaction.atomic():
        application, delivery = _locked(application_id)
        if actor.pk != application.applicant_id:
            raise CaseActionDenied("只有申请人本人可以选择领取方式 (only the applicant chooses)")
        if delivery.dispatched_at is not None:
            raise DeliveryError({"method": "结果已寄出，不能再更改领取方式 (already dispatched)"},
                                "already_dispatched")
        if not expects_result(application):
            raise DeliveryError({"method": "申请已撤回，没有需要领取的结果 "
                                           "(withdrawn: there is no result to deliver)"},
                                "nothing_to_deliver")
        for name, value in clean.items():
            setattr(delivery, name, value)
        delivery.save()
        shown = summary(delivery)
        data = {"method": delivery.method}
        if delivery.method == DeliveryMethod.POST:
            data.update(address=shown["address"], recipient=shown["recipient"],
                        mobile=shown["mobile"])
        parts = [part("delivery_chosen", delivery_method=delivery.method)]
        if delivery.method == DeliveryMethod.POST:
            parts.append(part("delivery_post_to", address=shown["address"],
                              recipient=shown["recipient"]))
        _record(application, actor, CHOOSE, data, [*parts, part("full_stop")])
    return delivery


def record_dispatch(application_id: int, *, actor: User, carrier: str,
                    tracking_number: str) -> ResultDelivery:
    """Record that the results were posted (寄出), with carrier and tracking number.

    Only for post, once at least one case has a result, by a centre clerk or
    a reviewer of a department handling a case of the application. Recording
    again (a mistyped number) is allowed until delivered.
    """
    carrier = " ".join((carrier or "").split())
    tracking_number = "".join((tracking_number or "").split()).upper()
    errors: dict[str, str] = {}
    if not carrier:
        errors["carrier"] = "请填写寄递公司 (carrier required)"
    elif len(carrier) > CARRIER_MAX:
        errors["carrier"] = f"寄递公司不超过{CARRIER_MAX}字 (too long)"
    if not tracking_number:
        errors["tracking_number"] = "请填写运单号 (tracking number required)"
    elif len(tracking_number) > TRACKING_MAX or not tracking_number.isascii() \
            or not tracking_number.replace("-", "").isalnum():
        errors["tracking_number"] = "运单号只能包含字母和数字 (letters and digits only)"
    with transaction.atomic():
        application, delivery = _locked(application_id)
        if not may_dispatch(actor, application):
            raise CaseActionDenied("您无权登记这份申请的寄递 (you may not record dispatch)")
        if delivery.method != DeliveryMethod.POST:
            raise DeliveryError({"method": "申请人没有选择邮寄 (delivery is not by post)"},
                                "not_post")
        if delivery.delivered_at is not None:
            raise DeliveryError({"tracking_number": "已送达，不能再登记寄递 (already delivered)"},
                                "already_delivered")
        if not has_result(application):
            raise DeliveryError({"application": "还没有准予的事项，没有可寄送的结果 "
                                                "(nothing approved yet)"}, "no_result")
        if errors:
            raise DeliveryError(errors, "invalid_dispatch")
        delivery.carrier, delivery.tracking_number = carrier, tracking_number
        delivery.dispatched_at = timezone.now()
        delivery.save()
        _record(application, actor, DISPATCH,
                {"method": delivery.method, "carrier": carrier,
                 "tracking_number": tracking_number, "address": mask_address(delivery.address)},
                [part("dispatched", carrier=carrier, tracking=tracking_number)])
    return delivery


def record_delivered(application_id: int, *, actor: User) -> ResultDelivery:
    """Record that the posted results arrived (已送达): staff who may dispatch,
    or the applicant confirming receipt."""
    with transaction.atomic():
        application, delivery = _locked(application_id)
        if actor.pk != application.applicant_id and not may_dispatch(actor, application):
            raise CaseActionDenied("您无权登记这份申请的送达 (you may not record delivery)")
        if delivery.method != DeliveryMethod.POST or delivery.dispatched_at is None:
            raise DeliveryError({"tracking_number": "结果尚未寄出 (not dispatched yet)"},
                                "not_dispatched")
        if delivery.delivered_at is not None:
            raise DeliveryError({"tracking_number": "已登记送达 (already delivered)"},
                                "already_delivered")
        delivery.delivered_at = timezone.now()
        delivery.save()
        _record(application, actor, DELIVERED,
                {"method": delivery.method, "carrier": delivery.carrier,
                 "tracking_number": delivery.tracking_number},
                [part("delivered", tracking=delivery.tracking_number)])
    return delivery


def form_values(data: Mapping[str, Any], prefix: str = "delivery-") -> dict[str, str]:
    """The delivery fields of a posted form (portal), as keyword arguments."""
    return {name: str(data.get(f"{prefix}{name}", "") or "")
            for name in ("method", "address", "recipient", "mobile")}
