"""The hall's labels and its opening hours in the language of the page.

``onething.domain.hall`` keeps Chinese labels (no Django there); they are written out
here with a context each so that ``makemessages`` finds them, and
tests/hall/test_english.py fails when the domain gains a label without an entry.
``schedule_lines`` turns a weekly schedule into the lines the portal, the footer and
the workbench show ("周一至周五：09:00–12:00、13:30–17:30").
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext, pgettext_lazy

from onething.catalog.translation import localized
from onething.domain.hall import Period, ServiceKind, day_ranges, schedule_groups

LABELS: dict[str, dict[str, Promise]] = {
    # onething.domain.hall.HALL_KIND_LABELS
    "hall_kind": {
        "county": pgettext_lazy("hall kind", "政务服务中心"),
        "township": pgettext_lazy("hall kind", "便民服务中心"),
        "community": pgettext_lazy("hall kind", "便民服务站"),
    },
    # onething.domain.hall.WINDOW_KIND_LABELS
    "window_kind": {
        "any_matter": pgettext_lazy("window kind", "综合窗口"),
        "specialist": pgettext_lazy("window kind", "专业窗口"),
        "assistance": pgettext_lazy("window kind", "帮办代办窗口"),
        "self_service": pgettext_lazy("window kind", "自助区"),
    },
    # onething.domain.hall.SERVICE_KIND_LABELS
    "service_kind": {
        "regular": pgettext_lazy("service kind", "正常办公"),
        "extended": pgettext_lazy("service kind", "延时服务"),
        "appointment": pgettext_lazy("service kind", "预约服务"),
    },
    # onething.domain.hall.WEEKDAY_LABELS (ISO weekday numbers)
    "weekday": {
        "1": pgettext_lazy("weekday", "周一"),
        "2": pgettext_lazy("weekday", "周二"),
        "3": pgettext_lazy("weekday", "周三"),
        "4": pgettext_lazy("weekday", "周四"),
        "5": pgettext_lazy("weekday", "周五"),
        "6": pgettext_lazy("weekday", "周六"),
        "7": pgettext_lazy("weekday", "周日"),
    },
    # onething.domain.tickets.CHANNEL_LABELS
    "ticket_channel": {
        "kiosk": pgettext_lazy("ticket channel", "自助取号机"),
        "phone": pgettext_lazy("ticket channel", "手机取号"),
        "door": pgettext_lazy("ticket channel", "导办台取号"),
    },
    # onething.domain.tickets.PRIORITY_LABELS
    "ticket_priority": {
        "elderly": pgettext_lazy("ticket priority", "绿色通道（老年人）"),
        "disabled": pgettext_lazy("ticket priority", "绿色通道（残疾人）"),
        "pregnant": pgettext_lazy("ticket priority", "绿色通道（孕妇）"),
        "appointment": pgettext_lazy("ticket priority", "预约"),
        "walk_in": pgettext_lazy("ticket priority", "普通"),
    },
    # onething.domain.tickets.STATUS_LABELS
    "ticket_status": {
        "waiting": pgettext_lazy("ticket status", "等候中"),
        "called": pgettext_lazy("ticket status", "已叫号"),
        "serving": pgettext_lazy("ticket status", "办理中"),
        "done": pgettext_lazy("ticket status", "已办结"),
        "no_show": pgettext_lazy("ticket status", "过号"),
        "transferred": pgettext_lazy("ticket status", "已转移"),
        "left": pgettext_lazy("ticket status", "已离开"),
    },
    # onething.domain.appointments.STATUS_LABELS
    "appointment_status": {
        "booked": pgettext_lazy("appointment status", "已预约"),
        "cancelled": pgettext_lazy("appointment status", "已取消"),
        "checked_in": pgettext_lazy("appointment status", "已签到"),
        "late": pgettext_lazy("appointment status", "迟到，已转为普通号"),
        "no_show": pgettext_lazy("appointment status", "爽约"),
    },
    # onething.domain.appointments.CHANNEL_LABELS
    "appointment_channel": {
        "portal": pgettext_lazy("appointment channel", "网上预约"),
        "api": pgettext_lazy("appointment channel", "接口预约"),
        "window": pgettext_lazy("appointment channel", "窗口预约"),
    },
}


def label(kind: str, value: object) -> str:
    """The label of ``value`` in the active language; the value itself if unknown."""
    found = LABELS[kind].get(str(value))
    return str(found) if found is not None else str(value)


def days_text(days: Iterable[int]) -> str:
    """周一至周五、周日 / Mon to Fri, Sun."""
    parts = []
    for first, last in day_ranges(days):
        if first == last:
            parts.append(label("weekday", first))
        elif last == first + 1:
            parts.append(pgettext("list separator", "、").join(
                [label("weekday", first), label("weekday", last)]))
        else:
            parts.append(gettext("%(first)s至%(last)s") % {"first": label("weekday", first),
                                                           "last": label("weekday", last)})
    return pgettext("list separator", "、").join(parts)


def period_text(period: Period) -> str:
    hours = f"{period.starts:%H:%M}–{period.ends:%H:%M}"
    if period.service == ServiceKind.REGULAR:
        return hours
    return gettext("%(hours)s（%(service)s）") % {"hours": hours,
                                                 "service": label("service_kind", period.service)}


def schedule_lines(periods: Iterable[Period]) -> list[dict[str, str]]:
    """One line per service and group of weekdays with the same hours: ``days`` and
    ``hours`` (extended and appointment hours say so)."""
    return [{"days": days_text(days),
             "hours": pgettext("list separator", "、").join(period_text(p) for p in day)}
            for _service, days, day in schedule_groups(periods)]


def window_label(window, *, with_hall: bool = True) -> str:
    """德城区政务服务中心 3号窗口 社保医保（专业窗口 · 人社）, in the page's language."""
    title = gettext("%(number)s号窗口") % {"number": window.number}
    if with_hall:
        title = gettext("%(hall)s %(window)s") % {"hall": window.hall.name, "window": title}
    if window.name:
        title = f"{title} {window.name}"
    kind = label("window_kind", window.kind)
    if window.department_id:
        kind = gettext("%(kind)s · %(department)s") % {
            "kind": kind, "department": localized(window.department, "short_name")
            or localized(window.department, "name")}
    return gettext("%(window)s（%(kind)s）") % {"window": title, "kind": kind}
