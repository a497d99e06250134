"""The case lifecycle (办件流程) as one transition table.

A case is the part of an application that one department handles for one
matter. Its states follow 《行政许可法》: 收件 (submitted) → 受理 (accepted) or
不予受理 (refused); 一次性告知补正 (correction requested) while the file is
incomplete; 审查 (in review); 决定 准予 / 不予 (approved / denied); 办结
(concluded). A case whose prerequisites are not yet approved waits; if a
prerequisite fails it is cancelled. The applicant may withdraw before a
decision. The clock (onething.domain.deadlines) adds a status of its own —
特别程序 (suspended) while a period that does not count runs (第四十五条) —
an extension (延期, 第四十二条) that keeps the status, and deemed acceptance
(视为受理, 第三十二条) by the system.

Two procedures of the reform have their own states: 容缺受理 (accepted while
a secondary material is still owed: no decision until it is supplied, and
the case is terminated when the deadline passes) and 告知承诺 (approved at
once on the applicant's signed commitment, then checked afterwards: the
post-check confirms the decision or, for a false commitment, revokes it).
See docs/applications.md.

Nothing here touches a database: ``next_status`` answers what an action does
or raises :class:`IllegalTransition`; the service layer applies it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class CaseStatus(StrEnum):
    WAITING = "waiting"  # 等待前置事项
    SUBMITTED = "submitted"  # 已收件，待受理
    CORRECTION_REQUESTED = "correction_requested"  # 一次性告知补正
    ACCEPTED = "accepted"  # 已受理
    IN_REVIEW = "in_review"  # 审查中
    # 特别程序: a period that does not count (听证、检验、检测、检疫、鉴定、专家评审、公示 …,
    # 《行政许可法》第四十五条) is under way; the clock stands still until resumed.
    SUSPENDED = "suspended"
    APPROVED = "approved"  # 准予
    DENIED = "denied"  # 不予许可
    REFUSED = "refused"  # 不予受理
    WITHDRAWN = "withdrawn"  # 申请人撤回
    CANCELLED = "cancelled"  # 终止: a prerequisite failed, the application was withdrawn,
    # or owed materials (容缺) were not supplied in time
    CONCLUDED = "concluded"  # 办结
    # 容缺受理 / 告知承诺 (see the module docstring):
    ACCEPTED_PENDING = "accepted_pending"  # 容缺受理：已受理，待补齐材料
    APPROVED_ON_COMMITMENT = "approved_on_commitment"  # 告知承诺准予，待事后核查
    REVOKED = "revoked"  # 撤销准予决定（承诺不实）


class Action(StrEnum):
    """Every kind of event in an application's history (办理记录).

    Most are transitions of a case and appear in :data:`TRANSITIONS`; the rest
    are recorded facts that change no case status (:data:`RECORDED_ONLY`).
    """

    RELEASE = "release"  # prerequisites approved: goes to the department
    CANCEL = "cancel"  # a prerequisite failed or the application was withdrawn
    ACCEPT = "accept"
    REFUSE = "refuse"
    REQUEST_CORRECTION = "request_correction"
    RESUBMIT = "resubmit"
    START_REVIEW = "start_review"
    APPROVE = "approve"
    AUTO_APPROVE = "auto_approve"  # 秒批: every automatic check passed
    DENY = "deny"
    WITHDRAW = "withdraw"
    CONCLUDE = "conclude"
    # The clock (办理时限): non-counting periods, extensions, deemed acceptance.
    SUSPEND = "suspend"  # 特别程序: 听证、检验、检测 … (第四十五条)
    RESUME = "resume"  # the period ended: the clock runs again
    EXTEND = "extend"  # 延期 (第四十二条): status unchanged, both limits extended
    DEEM_ACCEPTED = "deem_accepted"  # 逾期未告知，视为受理 (第三十二条), by the system
    # 容缺受理: accept with materials owed, the applicant supplies them, or the deadline lapses
    ACCEPT_PENDING = "accept_pending"
    SUPPLY_MATERIALS = "supply_materials"
    LAPSE_PENDING = "lapse_pending"  # 逾期未补齐，终止办理 (the catalogue rule "terminate")
    # 告知承诺: decided on the signed commitment; the post-check confirms or revokes
    APPROVE_ON_COMMITMENT = "approve_on_commitment"
    CONFIRM_COMMITMENT = "confirm_commitment"
    REVOKE_FALSE_COMMITMENT = "revoke_false_commitment"
    # Recorded facts, not transitions:
    SUBMIT = "submit"  # the application and each of its cases were filed
    AUTO_REFER = "auto_refer"  # 秒批 rule not met: left for a reviewer, with every reason
    REVOKE_CERTIFICATE = "revoke_certificate"  # 注销证照
    CHOOSE_DELIVERY = "choose_delivery"  # 送达: the applicant chose how to receive results
    DISPATCH = "dispatch"
    DELIVERED = "delivered"
    RESCHEDULE = "reschedule"  # due dates recomputed after the holiday data changed
    PENDING_OVERDUE = "pending_overdue"  # 容缺材料逾期未补齐, rule "refer": the reviewer decides


class Role(StrEnum):
    """Who may take an action on a case."""

    SYSTEM = "system"
    APPLICANT = "applicant"
    REVIEWER = "reviewer"  # of the case's department


STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.WAITING: "等待前置事项",
    CaseStatus.SUBMITTED: "待受理",
    CaseStatus.CORRECTION_REQUESTED: "待补正",
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.IN_REVIEW: "审查中",
    CaseStatus.SUSPENDED: "特别程序（暂停计时）",
    CaseStatus.APPROVED: "准予",
    CaseStatus.DENIED: "不予许可",
    CaseStatus.REFUSED: "不予受理",
    CaseStatus.WITHDRAWN: "已撤回",
    CaseStatus.CANCELLED: "已终止",
    CaseStatus.CONCLUDED: "已办结",
    CaseStatus.ACCEPTED_PENDING: "容缺受理，待补齐材料",
    CaseStatus.APPROVED_ON_COMMITMENT: "告知承诺准予，待核查",
    CaseStatus.REVOKED: "已撤销准予",
}

ACTION_LABELS: dict[Action, str] = {
    Action.RELEASE: "转入部门办理",
    Action.CANCEL: "终止办理",
    Action.ACCEPT: "受理",
    Action.REFUSE: "不予受理",
    Action.REQUEST_CORRECTION: "一次性告知补正",
    Action.RESUBMIT: "提交补正材料",
    Action.START_REVIEW: "开始审查",
    Action.APPROVE: "准予",
    Action.AUTO_APPROVE: "自动审批准予（秒批）",
    Action.DENY: "不予许可",
    Action.WITHDRAW: "撤回申请",
    Action.CONCLUDE: "办结",
    Action.SUSPEND: "启动特别程序（暂停计时）",
    Action.RESUME: "特别程序结束（恢复计时）",
    Action.EXTEND: "延长办理期限",
    Action.DEEM_ACCEPTED: "逾期未告知，视为受理",
    Action.SUBMIT: "提交申请",
    Action.AUTO_REFER: "自动审批未通过，转人工办理",
    Action.REVOKE_CERTIFICATE: "注销证照",
    Action.CHOOSE_DELIVERY: "选择领取方式",
    Action.DISPATCH: "结果已寄出",
    Action.DELIVERED: "结果已送达",
    Action.RESCHEDULE: "办结日期按节假日安排调整",
    Action.ACCEPT_PENDING: "容缺受理",
    Action.SUPPLY_MATERIALS: "补齐容缺材料",
    Action.LAPSE_PENDING: "逾期未补齐材料，终止办理",
    Action.PENDING_OVERDUE: "容缺材料逾期未补齐，转承办部门处理",
    Action.APPROVE_ON_COMMITMENT: "告知承诺准予",
    Action.CONFIRM_COMMITMENT: "事后核查：承诺属实",
    Action.REVOKE_FALSE_COMMITMENT: "承诺不实，撤销准予决定",
}


@dataclass(frozen=True)
class Rule:
    to: CaseStatus | None  # None: decided by ``resubmit_target``
    role: Role
    needs_reason: bool = False


S, A, R = CaseStatus, Action, Role

# (from, action) -> rule. The one place that says what may happen to a case.
TRANSITIONS: dict[tuple[CaseStatus, Action], Rule] = {
    (S.WAITING, A.RELEASE): Rule(S.SUBMITTED, R.SYSTEM),
    (S.WAITING, A.CANCEL): Rule(S.CANCELLED, R.SYSTEM, needs_reason=True),
    (S.WAITING, A.WITHDRAW): Rule(S.WITHDRAWN, R.APPLICANT),
    (S.SUBMITTED, A.ACCEPT): Rule(S.ACCEPTED, R.REVIEWER),
    (S.SUBMITTED, A.REFUSE): Rule(S.REFUSED, R.REVIEWER, needs_reason=True),
    (S.SUBMITTED, A.REQUEST_CORRECTION): Rule(S.CORRECTION_REQUESTED, R.REVIEWER,
                                              needs_reason=True),
    (S.SUBMITTED, A.WITHDRAW): Rule(S.WITHDRAWN, R.APPLICANT),
    # 秒批: the system accepts and approves at once when the matter's rule passes.
    (S.SUBMITTED, A.AUTO_APPROVE): Rule(S.APPROVED, R.SYSTEM),
    (S.CORRECTION_REQUESTED, A.RESUBMIT): Rule(None, R.APPLICANT),
    (S.CORRECTION_REQUESTED, A.WITHDRAW): Rule(S.WITHDRAWN, R.APPLICANT),
    (S.ACCEPTED, A.START_REVIEW): Rule(S.IN_REVIEW, R.REVIEWER),
    (S.ACCEPTED, A.REQUEST_CORRECTION): Rule(S.CORRECTION_REQUESTED, R.REVIEWER,
                                             needs_reason=True),
    (S.ACCEPTED, A.APPROVE): Rule(S.APPROVED, R.REVIEWER),
    (S.ACCEPTED, A.DENY): Rule(S.DENIED, R.REVIEWER, needs_reason=True),
    (S.ACCEPTED, A.WITHDRAW): Rule(S.WITHDRAWN, R.APPLICANT),
    (S.IN_REVIEW, A.REQUEST_CORRECTION): Rule(S.CORRECTION_REQUESTED, R.REVIEWER,
                                              needs_reason=True),
    (S.IN_REVIEW, A.APPROVE): Rule(S.APPROVED, R.REVIEWER),
    (S.IN_REVIEW, A.DENY): Rule(S.DENIED, R.REVIEWER, needs_reason=True),
    (S.IN_REVIEW, A.WITHDRAW): Rule(S.WITHDRAWN, R.APPLICANT),
    (S.APPROVED, A.CONCLUDE): Rule(S.CONCLUDED, R.REVIEWER),
    (S.DENIED, A.CONCLUDE): Rule(S.CONCLUDED, R.REVIEWER),
    # The clock (onething.domain.deadlines). A non-counting period is a status of its
    # own, so that nothing but resuming (or withdrawing) can happen while it runs.
    (S.ACCEPTED, A.SUSPEND): Rule(S.SUSPENDED, R.REVIEWER, needs_reason=True),
    (S.IN_REVIEW, A.SUSPEND): Rule(S.SUSPENDED, R.REVIEWER, needs_reason=True),
    (S.SUSPENDED, A.RESUME): Rule(S.IN_REVIEW, R.REVIEWER),
    (S.SUSPENDED, A.WITHDRAW): Rule(S.WITHDRAWN, R.APPLICANT),
    # 延期 keeps the status; whether a reason is needed is the matter's rule (catalogue).
    (S.ACCEPTED, A.EXTEND): Rule(S.ACCEPTED, R.REVIEWER),
    (S.IN_REVIEW, A.EXTEND): Rule(S.IN_REVIEW, R.REVIEWER),
    # 视为受理: the acceptance limit passed with the application untouched.
    (S.SUBMITTED, A.DEEM_ACCEPTED): Rule(S.ACCEPTED, R.SYSTEM),
    # 容缺受理: accepted with secondary materials owed. No approval from here: the
    # decision waits until the applicant supplies them (back to accepted); past the
    # deadline the system terminates the case (or, by the matter's rule, leaves it
    # to the reviewer, who may deny).
    (S.SUBMITTED, A.ACCEPT_PENDING): Rule(S.ACCEPTED_PENDING, R.REVIEWER),
    (S.ACCEPTED_PENDING, A.SUPPLY_MATERIALS): Rule(S.ACCEPTED, R.APPLICANT),
    (S.ACCEPTED_PENDING, A.DENY): Rule(S.DENIED, R.REVIEWER, needs_reason=True),
    (S.ACCEPTED_PENDING, A.WITHDRAW): Rule(S.WITHDRAWN, R.APPLICANT),
    (S.ACCEPTED_PENDING, A.LAPSE_PENDING): Rule(S.CANCELLED, R.SYSTEM, needs_reason=True),
    # 告知承诺: the system approves on the signed commitment when the case reaches its
    # department; the department's post-check (事后核查) confirms it, or finds the
    # commitment false and revokes the decision (and its certificate).
    (S.SUBMITTED, A.APPROVE_ON_COMMITMENT): Rule(S.APPROVED_ON_COMMITMENT, R.SYSTEM),
    (S.APPROVED_ON_COMMITMENT, A.CONFIRM_COMMITMENT): Rule(S.APPROVED, R.REVIEWER),
    (S.APPROVED_ON_COMMITMENT, A.REVOKE_FALSE_COMMITMENT): Rule(S.REVOKED, R.REVIEWER,
                                                                needs_reason=True),
}

# Actions on a case (the API's and workbench's case actions); all but extend change
# its status.
TRANSITION_ACTIONS = frozenset(a for (_, a) in TRANSITIONS)
# Event kinds that are recorded but move no case.
RECORDED_ONLY = frozenset(Action) - TRANSITION_ACTIONS

FINAL = frozenset({S.REFUSED, S.WITHDRAWN, S.CANCELLED, S.CONCLUDED, S.REVOKED})
DECIDED = frozenset({S.APPROVED, S.DENIED, S.REFUSED, S.CONCLUDED, S.APPROVED_ON_COMMITMENT})
# A prerequisite "delivers" when approved (and stays so when concluded after approval).
SUCCESSFUL = frozenset({S.APPROVED, S.APPROVED_ON_COMMITMENT})
# The applicant may still withdraw in these states.
WITHDRAWABLE = frozenset(s for (s, a) in TRANSITIONS if a is A.WITHDRAW)
# The clock of the promised limit runs in these states.
CLOCK_RUNNING = frozenset({S.ACCEPTED, S.IN_REVIEW})
# The clock stands still (暂停计时) in these states once the case has been accepted.
CLOCK_PAUSED = frozenset({S.SUSPENDED, S.CORRECTION_REQUESTED, S.ACCEPTED_PENDING})


class IllegalTransition(ValueError):
    def __init__(self, status: CaseStatus, action: Action, why: str = "") -> None:
        self.status = status
        self.action = action
        label = STATUS_LABELS.get(status, status)
        what = ACTION_LABELS.get(action, action)
        super().__init__(why or f"办件当前为“{label}”，不能“{what}” "
                         f"(cannot {action.value} a case that is {status.value})")


class ReasonRequired(ValueError):
    def __init__(self, action: Action) -> None:
        super().__init__(f"“{ACTION_LABELS[action]}”必须写明理由 "
                         f"({action.value} needs a written reason)")


# Why a pair outside the table is refused, where "cannot X a case that is Y" says too little.
REFUSAL_REASONS: dict[tuple[CaseStatus, Action], str] = {
    (S.ACCEPTED_PENDING, A.APPROVE): (
        "尚有容缺材料未补齐，申请人补齐后才能作出准予决定 "
        "(secondary materials are still owed: approve once the applicant has supplied them)"),
    (S.ACCEPTED_PENDING, A.START_REVIEW): (
        "容缺受理的办件可直接审查，补齐材料后再作决定 "
        "(review the file as it is; decide once the owed materials are supplied)"),
    (S.APPROVED_ON_COMMITMENT, A.CONCLUDE): (
        "告知承诺准予的办件须先完成事后核查，才能办结 "
        "(record the post-check of the commitment before concluding)"),
}


def resubmit_target(accepted: bool) -> CaseStatus:
    """After a correction the file goes back to whoever asked for it: intake
    (受理前补正, 《行政许可法》第三十二条) or the reviewer (审查中补正)."""
    return S.IN_REVIEW if accepted else S.SUBMITTED


def next_status(status: CaseStatus | str, action: Action | str, *, role: Role | str,
                reason: str = "", accepted: bool = False) -> CaseStatus:
    """The status ``action`` leads to, or raise IllegalTransition / ReasonRequired."""
    status, action, role = CaseStatus(status), Action(action), Role(role)
    rule = TRANSITIONS.get((status, action))
    if rule is None:
        raise IllegalTransition(status, action, REFUSAL_REASONS.get((status, action), ""))
    if rule.role is not role:
        raise IllegalTransition(
            status, action,
            f"“{ACTION_LABELS[action]}”只能由{_ROLE_LABELS[rule.role]}操作 "
            f"({action.value} is for the {rule.role.value})",
        )
    if rule.needs_reason and not reason.strip():
        raise ReasonRequired(action)
    return rule.to if rule.to is not None else resubmit_target(accepted)


_ROLE_LABELS = {R.SYSTEM: "系统", R.APPLICANT: "申请人", R.REVIEWER: "承办部门"}


def legal_actions(status: CaseStatus | str, role: Role | str) -> list[Action]:
    """Actions ``role`` may take now, in table order (for buttons)."""
    status, role = CaseStatus(status), Role(role)
    return [action for (s, action), rule in TRANSITIONS.items()
            if s is status and rule.role is role]


def offered_actions(status: CaseStatus | str, role: Role | str, *, takes_pending: bool,
                    declared_owed: bool) -> list[Action]:
    """:func:`legal_actions` narrowed by the case's matter and file (for buttons and the API):
    容缺受理 only where the matter names 容缺 materials (``takes_pending``), and plain
    acceptance not for a case filed with materials declared owed (``declared_owed``)."""
    actions = legal_actions(status, role)
    if not takes_pending:
        actions = [a for a in actions if a is not A.ACCEPT_PENDING]
    if declared_owed:
        actions = [a for a in actions if a is not A.ACCEPT]
    return actions


def needs_reason(action: Action | str) -> bool:
    action = Action(action)
    return any(rule.needs_reason for (_, a), rule in TRANSITIONS.items() if a is action)


class ApplicationStatus(StrEnum):
    IN_PROGRESS = "in_progress"  # 办理中
    CORRECTION_NEEDED = "correction_needed"  # 待补正
    COMPLETED = "completed"  # 已办结
    WITHDRAWN = "withdrawn"  # 已撤回


APPLICATION_STATUS_LABELS = {
    ApplicationStatus.IN_PROGRESS: "办理中",
    ApplicationStatus.CORRECTION_NEEDED: "待补正",
    ApplicationStatus.COMPLETED: "已办结",
    ApplicationStatus.WITHDRAWN: "已撤回",
}


def derive_application_status(statuses: Iterable[CaseStatus | str]) -> ApplicationStatus:
    """An application's status follows from its cases."""
    statuses = [CaseStatus(s) for s in statuses]
    if not statuses:
        return ApplicationStatus.IN_PROGRESS
    if any(s is S.WITHDRAWN for s in statuses) and all(
            s in {S.WITHDRAWN, S.CANCELLED} for s in statuses):
        return ApplicationStatus.WITHDRAWN
    if any(s is S.CORRECTION_REQUESTED for s in statuses):
        return ApplicationStatus.CORRECTION_NEEDED
    if all(s in FINAL or s in DECIDED for s in statuses):
        return ApplicationStatus.COMPLETED
    return ApplicationStatus.IN_PROGRESS
