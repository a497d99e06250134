"""Labels of the shared vocabularies (statuses, history events), in the page's language.

``onething/domain`` is plain Python without Django, so its Chinese labels
cannot be marked for translation there. The portal and the staff screens show
the same statuses and events, so they are translated once, here, by stored
value, with a context each (one Chinese word can be a status, a past event
and a button: 准予 is "Approved" here and "Approve" on a workbench button).
``onething/portal/labels.py`` and ``onething/workbench/labels.py`` add what
only they show.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

SHARED_LABELS: dict[str, dict[str, Promise]] = {
    # onething.domain.cases.STATUS_LABELS
    "case_status": {
        "waiting": pgettext_lazy("case status", "等待前置事项"),
        "submitted": pgettext_lazy("case status", "待受理"),
        "correction_requested": pgettext_lazy("case status", "待补正"),
        "accepted": pgettext_lazy("case status", "已受理"),
        "in_review": pgettext_lazy("case status", "审查中"),
        "suspended": pgettext_lazy("case status", "特别程序（暂停计时）"),
        "approved": pgettext_lazy("case status", "准予"),
        "denied": pgettext_lazy("case status", "不予许可"),
        "refused": pgettext_lazy("case status", "不予受理"),
        "withdrawn": pgettext_lazy("case status", "已撤回"),
        "cancelled": pgettext_lazy("case status", "已终止"),
        "concluded": pgettext_lazy("case status", "已办结"),
        "accepted_pending": pgettext_lazy("case status", "容缺受理，待补齐材料"),
        "approved_on_commitment": pgettext_lazy("case status", "告知承诺准予，待核查"),
        "revoked": pgettext_lazy("case status", "已撤销准予"),
    },
    # onething.domain.cases.ACTION_LABELS and applications.models.Event.action_label
    # as things that happened: the history of a case ("Accepted")
    "case_event": {
        "release": pgettext_lazy("case event", "转入部门办理"),
        "cancel": pgettext_lazy("case event", "终止办理"),
        "accept": pgettext_lazy("case event", "受理"),
        "refuse": pgettext_lazy("case event", "不予受理"),
        "request_correction": pgettext_lazy("case event", "一次性告知补正"),
        "resubmit": pgettext_lazy("case event", "提交补正材料"),
        "start_review": pgettext_lazy("case event", "开始审查"),
        "approve": pgettext_lazy("case event", "准予"),
        "auto_approve": pgettext_lazy("case event", "自动审批准予（秒批）"),
        "deny": pgettext_lazy("case event", "不予许可"),
        "withdraw": pgettext_lazy("case event", "撤回申请"),
        "conclude": pgettext_lazy("case event", "办结"),
        "submit": pgettext_lazy("case event", "提交申请"),
        "auto_refer": pgettext_lazy("case event", "自动审批未通过，转人工办理"),
        "revoke_certificate": pgettext_lazy("case event", "注销证照"),
        "choose_delivery": pgettext_lazy("case event", "选择领取方式"),
        "dispatch": pgettext_lazy("case event", "结果已寄出"),
        "delivered": pgettext_lazy("case event", "结果已送达"),
        "suspend": pgettext_lazy("case event", "启动特别程序（暂停计时）"),
        "resume": pgettext_lazy("case event", "特别程序结束（恢复计时）"),
        "extend": pgettext_lazy("case event", "延长办理期限"),
        "deem_accepted": pgettext_lazy("case event", "逾期未告知，视为受理"),
        "reschedule": pgettext_lazy("case event", "办结日期按节假日安排调整"),
        "accept_pending": pgettext_lazy("case event", "容缺受理"),
        "supply_materials": pgettext_lazy("case event", "补齐容缺材料"),
        "lapse_pending": pgettext_lazy("case event", "逾期未补齐材料，终止办理"),
        "pending_overdue": pgettext_lazy("case event", "容缺材料逾期未补齐，转承办部门处理"),
        "approve_on_commitment": pgettext_lazy("case event", "告知承诺准予"),
        "confirm_commitment": pgettext_lazy("case event", "事后核查：承诺属实"),
        "revoke_false_commitment": pgettext_lazy("case event", "承诺不实，撤销准予决定"),
    },
    # onething.domain.deadlines.SUSPENSION_LABELS: periods that do not count
    "suspension_kind": {
        "correction": pgettext_lazy("suspension kind", "补正"),
        "hearing": pgettext_lazy("suspension kind", "听证"),
        "tender": pgettext_lazy("suspension kind", "招标"),
        "auction": pgettext_lazy("suspension kind", "拍卖"),
        "inspection": pgettext_lazy("suspension kind", "检验"),
        "testing": pgettext_lazy("suspension kind", "检测"),
        "quarantine": pgettext_lazy("suspension kind", "检疫"),
        "appraisal": pgettext_lazy("suspension kind", "鉴定"),
        "expert_review": pgettext_lazy("suspension kind", "专家评审"),
        "public_notice": pgettext_lazy("suspension kind", "公示"),
        "pending_materials": pgettext_lazy("suspension kind", "容缺材料补齐"),
    },
    # onething.domain.cases.APPLICATION_STATUS_LABELS
    "application_status": {
        "in_progress": pgettext_lazy("application status", "办理中"),
        "correction_needed": pgettext_lazy("application status", "待补正"),
        "completed": pgettext_lazy("application status", "已办结"),
        "withdrawn": pgettext_lazy("application status", "已撤回"),
    },
    # onething.domain.identity.LEVEL_LABELS (实名认证等级)
    "assurance_level": {
        "1": pgettext_lazy("assurance level", "未认证"),
        "2": pgettext_lazy("assurance level", "已认证"),
        "3": pgettext_lazy("assurance level", "已现场核验"),
    },
    # onething.domain.identity.EVIDENCE_LABELS
    "assurance_evidence": {
        "self-declared": pgettext_lazy("assurance evidence", "手机号码验证（本人填报）"),
        "identity-source": pgettext_lazy("assurance evidence",
                                         "姓名与身份证号码经实名数据源核验"),
        "kiosk-card-reader": pgettext_lazy("assurance evidence", "自助终端读取身份证"),
        "window-original": pgettext_lazy("assurance evidence", "窗口工作人员查验身份证原件"),
        "clerk-correction": pgettext_lazy("assurance evidence", "窗口工作人员更正身份信息"),
        "demoted": pgettext_lazy("assurance evidence",
                                 "身份证号码已由本人到窗口另行核验，本账户实名认证已撤销"),
    },
    # onething.certificates.selectors.STATUS_LABELS
    "certificate_status": {
        "valid": pgettext_lazy("certificate status", "有效"),
        "revoked": pgettext_lazy("certificate status", "已注销"),
        "expired": pgettext_lazy("certificate status", "已过期"),
        "unknown": pgettext_lazy("certificate status", "无法核验"),
    },
    # onething.applications.models.DeliveryMethod
    "delivery_method": {
        "pickup": pgettext_lazy("chosen delivery method", "窗口领取"),
        "post": pgettext_lazy("chosen delivery method", "邮寄到家"),
        "electronic": pgettext_lazy("chosen delivery method", "电子证照"),
    },
}
