"""Which steps of an application reach the applicant's phone (短信), and in what words.

Every step is an in-site message (站内消息, the portal's 我的消息). Only a milestone
the applicant must know or act on is also sent by SMS, once per application
milestone rather than once per case step:

- ``received``: the application was filed (收件);
- ``action_needed``: a case asks for a correction (一次性告知补正) or was accepted with
  materials owed (容缺受理) — the applicant must act; one per such step;
- ``refused``: one case was refused, denied, terminated or its approval revoked
  (不予受理 / 不予许可 / 撤销准予) while others go on; one per such step;
- ``decided``: every case of the application has been decided (办理决定已全部作出);
- ``result_ready``: every case is concluded or closed (已办结，结果可领取);
- ``dispatched`` / ``delivered``: the results were posted / handed over (送达);
- ``certificate_revoked``: a certificate of the applicant was revoked (证照注销).

The texts are data (:data:`TEMPLATES`), in Chinese and English, with named
placeholders; :func:`render` fills them. Plain Python: no Django.
"""

from __future__ import annotations

import string
from collections.abc import Collection, Mapping
from enum import StrEnum

from onething.domain.cases import DECIDED, FINAL, Action, CaseStatus


class Milestone(StrEnum):
    RECEIVED = "received"
    ACTION_NEEDED = "action_needed"
    REFUSED = "refused"
    DECIDED = "decided"
    RESULT_READY = "result_ready"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    CERTIFICATE_REVOKED = "certificate_revoked"


# Milestones sent at most once per application; the others once per step (their
# SMS key names the step).
ONCE_PER_APPLICATION = frozenset({Milestone.RECEIVED, Milestone.DECIDED,
                                  Milestone.RESULT_READY, Milestone.DISPATCHED,
                                  Milestone.DELIVERED})

# Case actions that decide a case (the last of them may complete the decisions).
_DECIDING = frozenset({Action.APPROVE, Action.AUTO_APPROVE, Action.APPROVE_ON_COMMITMENT,
                       Action.DENY, Action.REFUSE, Action.LAPSE_PENDING,
                       Action.REVOKE_FALSE_COMMITMENT, Action.CANCEL})
_UNFAVOURABLE = frozenset({Action.DENY, Action.REFUSE, Action.LAPSE_PENDING,
                           Action.REVOKE_FALSE_COMMITMENT})


def milestone_for(action: Action | str, statuses: Collection[CaseStatus | str]
                  ) -> Milestone | None:
    """The SMS milestone a step reaches, or None for an in-site-only step.

    ``action`` is what happened (a case or application action); ``statuses`` are the
    application's case statuses after it.
    """
    try:
        action = Action(action)
    except ValueError:
        return None
    after = [CaseStatus(s) for s in statuses]
    if action is Action.SUBMIT:
        return Milestone.RECEIVED
    if action in {Action.REQUEST_CORRECTION, Action.ACCEPT_PENDING}:
        return Milestone.ACTION_NEEDED
    if action is Action.DISPATCH:
        return Milestone.DISPATCHED
    if action is Action.DELIVERED:
        return Milestone.DELIVERED
    if action is Action.REVOKE_CERTIFICATE:
        return Milestone.CERTIFICATE_REVOKED
    closed = bool(after) and all(s in FINAL for s in after)
    if action is Action.CONCLUDE and closed and CaseStatus.CONCLUDED in after:
        return Milestone.RESULT_READY
    if action in _DECIDING and after and all(s in DECIDED or s in FINAL for s in after):
        if CaseStatus.WITHDRAWN in after:
            return None  # the applicant withdrew: nothing left to announce
        return Milestone.DECIDED
    if action in _UNFAVOURABLE:
        return Milestone.REFUSED
    return None


def sms_key(milestone: Milestone, application_id: int | None, step_key: str) -> str:
    """The delivery's dedupe key: one per application milestone, or per step."""
    if milestone in ONCE_PER_APPLICATION and application_id is not None:
        return f"application:{application_id}:{milestone.value}"
    return step_key


# The texts. Placeholders: {signature} 【centre】, {bundle} the 一件事, {number} the 受理编号,
# {cases} how many matters, {matter} the case's matter, {outcome} what happened to it,
# {detail} extra facts (a parcel's tracking number, a certificate's number), {link} the
# application's page.
TEMPLATES: dict[Milestone, dict[str, str]] = {
    Milestone.RECEIVED: {
        "zh-hans": "{signature}您的“{bundle}”申请已收到，受理编号 {number}，"
                   "共 {cases} 个事项同时办理。办理进度：{link}",
        "en": "{signature}Your application \"{bundle}\" was received, number {number}, "
              "{cases} matters handled together. Progress: {link}",
    },
    Milestone.ACTION_NEEDED: {
        "zh-hans": "{signature}您的申请 {number}：“{matter}”{outcome}，"
                   "请按告知的清单提交材料：{link}",
        "en": "{signature}Your application {number}: \"{matter}\" {outcome}. "
              "Please provide the listed materials: {link}",
    },
    Milestone.REFUSED: {
        "zh-hans": "{signature}您的申请 {number}：“{matter}”{outcome}。理由和救济途径：{link}",
        "en": "{signature}Your application {number}: \"{matter}\" {outcome}. "
              "Reasons and remedies: {link}",
    },
    Milestone.DECIDED: {
        "zh-hans": "{signature}您的“{bundle}”申请 {number} 的全部事项已作出决定。"
                   "查看结果：{link}",
        "en": "{signature}Every matter of your application \"{bundle}\" ({number}) "
              "has been decided. Results: {link}",
    },
    Milestone.RESULT_READY: {
        "zh-hans": "{signature}您的“{bundle}”申请 {number} 已办结，办理结果可领取。"
                   "查看和选择领取方式：{link}",
        "en": "{signature}Your application \"{bundle}\" ({number}) is concluded; the results "
              "are ready. View them and choose how to receive them: {link}",
    },
    Milestone.DISPATCHED: {
        "zh-hans": "{signature}您的申请 {number} 的办理结果已寄出{detail}。详情：{link}",
        "en": "{signature}The results of your application {number} were posted{detail}. "
              "Details: {link}",
    },
    Milestone.DELIVERED: {
        "zh-hans": "{signature}您的申请 {number} 的办理结果已送达。详情：{link}",
        "en": "{signature}The results of your application {number} were delivered. "
              "Details: {link}",
    },
    Milestone.CERTIFICATE_REVOKED: {
        "zh-hans": "{signature}您的“{matter}”{detail}已被注销。详情：{link}",
        "en": "{signature}Your \"{matter}\"{detail} was revoked. Details: {link}",
    },
}

FALLBACK_LANGUAGE = "zh-hans"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def language_of(preference: str) -> str:
    """The template language for a saved preference ("" or unknown: Chinese)."""
    return "en" if preference.lower().startswith("en") else FALLBACK_LANGUAGE


def render(milestone: Milestone, language: str, fields: Mapping[str, object]) -> str:
    """The SMS text of ``milestone`` in ``language``; a missing field renders empty."""
    text = TEMPLATES[milestone].get(language_of(language)) or TEMPLATES[milestone][
        FALLBACK_LANGUAGE]
    return text.format_map({name: str(fields.get(name, "")) for name in placeholders(text)})
