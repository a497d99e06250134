"""Labels the domain and the models keep in Chinese, in the language of the page.

``onething/domain`` is plain Python without Django, so its labels
(``STATUS_LABELS``, ``ACTION_LABELS`` …) cannot be marked for translation
there; the models' choices repeat Chinese labels too. The staff screens (the
workbench, the registers pages, the kiosk) translate them here, at the
presentation layer, from the stored value: ``label("case_status", "approved")``
or ``{{ case.status|label:"case_status" }}``.

The UI's source language is Chinese, so each msgid below is the Chinese label
itself, with a context (``pgettext``) because one Chinese word can be a status,
a past event and a button (准予: "Approved" / "Approve"). Written out, not read
from the domain, so that ``makemessages`` finds them; tests/workbench/test_english.py
fails when a domain or model label has no entry here or the Chinese differs.

Django merges every app's catalogue into one, earlier apps first, so a
(context, msgid) the portal translates too shows the portal's English. The
portal (onething/portal/labels.py) shares the contexts of the statuses and the
history ("case status", "application status", "certificate status", "case
event") and their English: one status, one word. Buttons ("case action") and
the staff's view of delivery ("delivery method") are the workbench's own.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from onething.core.labels import SHARED_LABELS

LABELS: dict[str, dict[str, Promise]] = {
    **SHARED_LABELS,
    # onething.domain.cases.ACTION_LABELS as what a reviewer does: buttons, and
    # messages about doing it ("Accept")
    "case_action": {
        "release": pgettext_lazy("case action", "转入部门办理"),
        "cancel": pgettext_lazy("case action", "终止办理"),
        "accept": pgettext_lazy("case action", "受理"),
        "refuse": pgettext_lazy("case action", "不予受理"),
        "request_correction": pgettext_lazy("case action", "一次性告知补正"),
        "resubmit": pgettext_lazy("case action", "提交补正材料"),
        "start_review": pgettext_lazy("case action", "开始审查"),
        "approve": pgettext_lazy("case action", "准予"),
        "auto_approve": pgettext_lazy("case action", "自动审批准予（秒批）"),
        "deny": pgettext_lazy("case action", "不予许可"),
        "withdraw": pgettext_lazy("case action", "撤回申请"),
        "conclude": pgettext_lazy("case action", "办结"),
        "suspend": pgettext_lazy("case action", "启动特别程序（暂停计时）"),
        "resume": pgettext_lazy("case action", "特别程序结束（恢复计时）"),
        "extend": pgettext_lazy("case action", "延长办理期限"),
        "deem_accepted": pgettext_lazy("case action", "逾期未告知，视为受理"),
        "accept_pending": pgettext_lazy("case action", "容缺受理"),
        "supply_materials": pgettext_lazy("case action", "补齐容缺材料"),
        "lapse_pending": pgettext_lazy("case action", "逾期未补齐材料，终止办理"),
        "approve_on_commitment": pgettext_lazy("case action", "告知承诺准予"),
        "confirm_commitment": pgettext_lazy("case action", "事后核查：承诺属实"),
        "revoke_false_commitment": pgettext_lazy("case action", "承诺不实，撤销准予决定"),
    },
    # onething.accounts.models.Role
    "role": {
        "applicant": pgettext_lazy("role", "申请人"),
        "clerk": pgettext_lazy("role", "窗口工作人员"),
        "reviewer": pgettext_lazy("role", "部门审批人员"),
        "assistant": pgettext_lazy("role", "帮办代办员"),
        "manager": pgettext_lazy("role", "政务服务中心管理人员"),
        "admin": pgettext_lazy("role", "系统管理员"),
    },
    # onething.accounts.models.ApplicantKind
    "applicant_kind": {
        "person": pgettext_lazy("applicant kind", "个人"),
        "company": pgettext_lazy("applicant kind", "企业"),
    },
    # onething.applications.models.Channel
    "channel": {
        "portal": pgettext_lazy("channel", "网上办事大厅"),
        "api": pgettext_lazy("channel", "接口"),
        "window": pgettext_lazy("channel", "综合窗口"),
        "kiosk": pgettext_lazy("channel", "自助终端"),
    },
    # onething.applications.models.DeliveryMethod
    "delivery_method": {
        "pickup": pgettext_lazy("delivery method", "窗口领取"),
        "post": pgettext_lazy("delivery method", "邮寄到家"),
        "electronic": pgettext_lazy("delivery method", "电子证照"),
    },
    # onething.domain.registers.DUE_ITEMS (kiosk payments)
    "due_item": {
        "resident-medical": pgettext_lazy("due item", "城乡居民基本医疗保险"),
        "resident-pension": pgettext_lazy("due item", "城乡居民基本养老保险"),
    },
    # onething.domain.registers.REGISTERS: the registers' names
    "register": {
        "criminal-records": pgettext_lazy("register", "犯罪记录库"),
        "contributions": pgettext_lazy("register", "社会保险缴费记录"),
        "contribution-dues": pgettext_lazy("register", "城乡居民社保应缴费用"),
        "residents": pgettext_lazy("register", "户籍人口库"),
        "enterprises": pgettext_lazy("register", "企业登记信息"),
    },
    # onething.audit.services.KINDS: the audit trail's events (the case page's 查阅记录)
    "audit_kind": {
        "auth.login_succeeded": pgettext_lazy("audit kind", "登录成功"),
        "auth.login_failed": pgettext_lazy("audit kind", "登录失败"),
        "identity.level_changed": pgettext_lazy("audit kind", "实名认证等级变更"),
        "token.issued": pgettext_lazy("audit kind", "签发接口令牌"),
        "token.revoked": pgettext_lazy("audit kind", "吊销接口令牌"),
        "case.viewed": pgettext_lazy("audit kind", "查阅办件"),
        "material.viewed": pgettext_lazy("audit kind", "查看材料"),
        "material.downloaded": pgettext_lazy("audit kind", "下载材料"),
        "certificate.downloaded": pgettext_lazy("audit kind", "下载证照"),
        "certificate.revoked": pgettext_lazy("audit kind", "注销证照"),
        "register.imported": pgettext_lazy("audit kind", "导入共享数据"),
        "certificate.shared": pgettext_lazy("audit kind", "分享证照详情"),
        "certificate.share_revoked": pgettext_lazy("audit kind", "撤销证照分享"),
        "staff.created": pgettext_lazy("audit kind", "新增工作人员"),
        "staff.updated": pgettext_lazy("audit kind", "修改工作人员信息"),
        "staff.disabled": pgettext_lazy("audit kind", "停用工作人员账号"),
        "staff.enabled": pgettext_lazy("audit kind", "启用工作人员账号"),
        "staff.password_reset": pgettext_lazy("audit kind", "重置工作人员密码"),
        "staff.password_changed": pgettext_lazy("audit kind", "修改密码"),
        "hall.created": pgettext_lazy("audit kind", "新增办事大厅"),
        "hall.updated": pgettext_lazy("audit kind", "修改办事大厅信息"),
        "category.created": pgettext_lazy("audit kind", "新增取号类别"),
        "category.updated": pgettext_lazy("audit kind", "修改取号类别"),
        "window.created": pgettext_lazy("audit kind", "新增窗口"),
        "window.updated": pgettext_lazy("audit kind", "修改窗口"),
        "window.assigned": pgettext_lazy("audit kind", "安排窗口"),
        "shift.started": pgettext_lazy("audit kind", "窗口上岗"),
        "shift.ended": pgettext_lazy("audit kind", "窗口下岗"),
        "ticket.taken": pgettext_lazy("audit kind", "取号"),
        "ticket.called": pgettext_lazy("audit kind", "叫号"),
        "ticket.recalled": pgettext_lazy("audit kind", "重呼"),
        "ticket.no_show": pgettext_lazy("audit kind", "过号"),
        "ticket.serving": pgettext_lazy("audit kind", "开始办理"),
        "ticket.done": pgettext_lazy("audit kind", "办结"),
        "ticket.linked": pgettext_lazy("audit kind", "号票关联申请"),
        "ticket.transferred": pgettext_lazy("audit kind", "号票转移"),
        "ticket.left": pgettext_lazy("audit kind", "放弃取号"),
        "ticket.history_loaded": pgettext_lazy("audit kind", "载入历史号票"),
        "tidal_plan.accepted": pgettext_lazy("audit kind", "采纳潮汐窗口计划"),
        "tidal_plan.withdrawn": pgettext_lazy("audit kind", "撤销潮汐窗口计划"),
        "peak.created": pgettext_lazy("audit kind", "新增已知高峰"),
        "peak.updated": pgettext_lazy("audit kind", "修改已知高峰"),
    },
}


def label(kind: str, value: object) -> str:
    """The label of ``value`` in the active language; the value itself if unknown."""
    found = LABELS[kind].get(str(value))
    return str(found) if found is not None else str(value)
