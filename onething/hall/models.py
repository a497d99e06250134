"""Halls (办事大厅 / 便民服务中心), their ticket categories, windows and the shifts worked
at them.

A deployment has several halls — the county's 政务服务中心 and township 便民服务中心 —
each with its own public profile (address, map link, weekly opening periods and notes,
phone, bus lines, accessible entrance). One of them is the *main* hall: the portal's
footer shows it and receipts of online applications name it.

``ServiceCategory`` is a hall's queue: a letter (A 综合, B 社保, C 不动产 …) that prefixes
its ticket numbers (the tickets slice numbers A001, A002 … per category per day).
``Window`` is a numbered counter of a hall: its kind (domain.hall.WindowKind), the
department of a specialist window, the categories it serves and the staff assigned to
it. ``WindowShift`` is one member of staff signed in at one window from ``started_at``
until ``ended_at``; the database allows one open shift per window and one per person.

Writes go through ``onething.hall.services`` (checked and audited), reads through
``onething.hall.selectors``. Rows are deactivated, not deleted: tickets, shifts and
receipts refer to them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from onething.domain.appointments import (
    CHANNEL_LABELS as BOOKING_CHANNEL_LABELS,
)
from onething.domain.appointments import (
    STATUS_LABELS as APPOINTMENT_STATUS_LABELS,
)
from onething.domain.appointments import (
    AppointmentPolicy,
    AppointmentStatus,
)
from onething.domain.hall import (
    CATEGORY_LETTERS,
    HALL_KIND_LABELS,
    SERVICE_KIND_LABELS,
    WEEKDAY_LABELS,
    WINDOW_KIND_LABELS,
    HallKind,
    ServiceKind,
    WindowKind,
)
from onething.domain.tickets import (
    CHANNEL_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    PriorityClass,
    TicketStatus,
    ticket_code,
)


class Hall(models.Model):
    name = models.CharField("名称", max_length=100, unique=True)
    # In addresses: the public page's anchor (/halls/#<slug>) and the search index's key.
    slug = models.SlugField("标识", max_length=50, unique=True)
    kind = models.CharField("类型", max_length=20, choices=list(HALL_KIND_LABELS.items()),
                            default=HallKind.COUNTY)
    region = models.ForeignKey("catalog.Region", models.PROTECT, verbose_name="行政区划",
                               related_name="halls")
    is_main = models.BooleanField("主办事大厅", default=False,
                                  help_text="门户页脚和网上申请的回执显示主办事大厅")
    address = models.CharField("地址", max_length=200)
    map_url = models.URLField("地图链接", max_length=500, blank=True)
    phone = models.CharField("咨询电话", max_length=50)
    bus_lines = models.CharField("公交线路", max_length=300, blank=True)
    accessible_entrance = models.TextField("无障碍通道", blank=True)
    hours_note = models.TextField("办公时间说明", blank=True,
                                  help_text="节假日安排、延时服务和预约服务说明等")
    active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    # Appointments (预约; domain.appointments.AppointmentPolicy, docs/hall.md).
    appointment_slot_minutes = models.PositiveSmallIntegerField("预约时段长度（分钟）", default=30)
    appointment_percent = models.PositiveSmallIntegerField(
        "预约名额占比（%）", default=30,
        help_text="各时段办理能力中留给预约的比例；预约服务时段为全部")
    appointment_horizon_days = models.PositiveSmallIntegerField("可预约天数", default=7)
    appointment_cutoff_minutes = models.PositiveSmallIntegerField("最晚提前预约（分钟）",
                                                                  default=60)
    no_show_limit = models.PositiveSmallIntegerField("爽约次数上限", default=3)
    no_show_window_days = models.PositiveSmallIntegerField("爽约统计天数", default=90)
    no_show_pause_days = models.PositiveSmallIntegerField("暂停预约天数", default=30)
    # The starvation bound of the calling order (domain.tickets.OrderPolicy.priority_run):
    # after this many priority tickets in a row, an overdue walk-in goes next.
    priority_run = models.PositiveSmallIntegerField(
        "连续优先叫号上限", default=3,
        help_text="连续叫这么多个绿色通道或预约号后，等候已久的普通号优先")
    # The hall's own service target (服务目标): the figures' "share within target" and the
    # tidal plan's staffing target (domain.hallfigures, domain.tidalplan.StaffingPolicy).
    target_wait_minutes = models.PositiveSmallIntegerField(
        "目标等候时间（分钟）", default=15, help_text="在这个时间内叫号算达标")
    service_level_percent = models.PositiveSmallIntegerField(
        "服务水平目标（%）", default=80, help_text="在目标等候时间内叫号的人所占比例的目标")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "办事大厅"
        ordering = ["-is_main", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_main"], condition=Q(is_main=True),
                                    name="one_main_hall"),
            models.CheckConstraint(condition=Q(is_main=False) | Q(active=True),
                                   name="main_hall_is_active"),
            models.CheckConstraint(condition=Q(priority_run__gte=1, priority_run__lte=20),
                                   name="hall_priority_run_1_to_20"),
            models.CheckConstraint(condition=Q(target_wait_minutes__gte=1,
                                               target_wait_minutes__lte=240),
                                   name="hall_target_wait_1_to_240"),
            models.CheckConstraint(condition=Q(service_level_percent__gte=50,
                                               service_level_percent__lte=99),
                                   name="hall_service_level_50_to_99"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def appointment_policy(self) -> AppointmentPolicy:
        return AppointmentPolicy(
            slot_minutes=self.appointment_slot_minutes,
            appointment_percent=self.appointment_percent,
            horizon_days=self.appointment_horizon_days,
            cutoff_minutes=self.appointment_cutoff_minutes,
            no_show_limit=self.no_show_limit, no_show_window_days=self.no_show_window_days,
            pause_days=self.no_show_pause_days)


class OpeningPeriod(models.Model):
    """One weekday's period of service (domain.hall.Period)."""

    hall = models.ForeignKey(Hall, models.CASCADE, related_name="opening_periods",
                             verbose_name="办事大厅")
    weekday = models.PositiveSmallIntegerField("星期", choices=list(WEEKDAY_LABELS.items()))
    starts = models.TimeField("开始")
    ends = models.TimeField("结束")
    service = models.CharField("服务", max_length=20, choices=list(SERVICE_KIND_LABELS.items()),
                               default=ServiceKind.REGULAR)

    class Meta:
        verbose_name = verbose_name_plural = "办公时间"
        ordering = ["hall", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(condition=Q(starts__lt=F("ends")),
                                   name="opening_period_starts_before_end"),
            models.CheckConstraint(condition=Q(weekday__gte=1, weekday__lte=7),
                                   name="opening_period_weekday"),
            models.UniqueConstraint(fields=["hall", "weekday", "starts"],
                                    name="one_opening_period_per_start"),
        ]

    def __str__(self) -> str:
        day = WEEKDAY_LABELS.get(self.weekday, self.weekday)
        return f"{day} {self.starts:%H:%M}–{self.ends:%H:%M}"


class ServiceCategory(models.Model):
    """取号类别: a hall's queue, whose tickets are numbered with its letter (A012)."""

    hall = models.ForeignKey(Hall, models.PROTECT, related_name="categories",
                             verbose_name="办事大厅")
    letter = models.CharField("取号字母", max_length=1)
    name = models.CharField("名称", max_length=50)
    description = models.CharField("说明", max_length=200, blank=True)
    # A category for one department's matters (不动产登记 → 自然资源), or none (综合).
    department = models.ForeignKey("catalog.Department", models.PROTECT, null=True,
                                   blank=True, related_name="hall_categories",
                                   verbose_name="对应部门")
    active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    # The planned time a window spends on one person: appointment capacities derive from it.
    handling_minutes = models.PositiveSmallIntegerField("平均办理时长（分钟）", default=15)
    bookable = models.BooleanField("可网上预约", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "取号类别"
        ordering = ["hall", "order", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "letter"], name="one_category_per_letter"),
            models.UniqueConstraint(fields=["hall", "name"], name="one_category_per_name"),
            models.CheckConstraint(condition=Q(letter__in=CATEGORY_LETTERS),
                                   name="category_letter_a_to_z"),
        ]

    def __str__(self) -> str:
        return f"{self.letter} {self.name}"


class Window(models.Model):
    """窗口: a numbered counter of a hall."""

    hall = models.ForeignKey(Hall, models.PROTECT, related_name="windows",
                             verbose_name="办事大厅")
    number = models.PositiveSmallIntegerField("窗口号")
    name = models.CharField("名称", max_length=50, blank=True,
                            help_text="如“社保医保”；不填则只显示窗口号")
    kind = models.CharField("类型", max_length=20, choices=list(WINDOW_KIND_LABELS.items()),
                            default=WindowKind.ANY_MATTER)
    department = models.ForeignKey("catalog.Department", models.PROTECT, null=True,
                                   blank=True, related_name="windows",
                                   verbose_name="所属部门（专业窗口）")
    # The same hall's categories only (checked by services.save_window).
    categories = models.ManyToManyField(ServiceCategory, blank=True, related_name="windows",
                                        verbose_name="服务的取号类别")
    # Who may sign in here for a shift (besides managers); see services.start_shift.
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                   related_name="assigned_windows", verbose_name="安排的工作人员")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "窗口"
        ordering = ["hall", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="one_window_per_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="window_number_positive"),
            # A specialist window belongs to a department; the others to none.
            models.CheckConstraint(
                condition=(Q(kind=WindowKind.SPECIALIST, department__isnull=False)
                           | (~Q(kind=WindowKind.SPECIALIST) & Q(department__isnull=True))),
                name="specialist_window_has_department"),
        ]

    def __str__(self) -> str:
        return f"{self.hall} {self.number}号窗口"


class WindowShift(models.Model):
    """A member of staff signed in at a window (值班): open while ``ended_at`` is empty."""

    window = models.ForeignKey(Window, models.PROTECT, related_name="shifts",
                               verbose_name="窗口")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT,
                             related_name="window_shifts", verbose_name="工作人员")
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name="结束人")
    end_reason = models.CharField("结束原因", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "窗口值班"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["window"], condition=Q(ended_at__isnull=True),
                                    name="one_open_shift_per_window"),
            models.UniqueConstraint(fields=["user"], condition=Q(ended_at__isnull=True),
                                    name="one_open_shift_per_user"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True)
                                   | Q(ended_at__gte=F("started_at")),
                                   name="shift_ends_after_start"),
        ]
        indexes = [models.Index(fields=["user", "started_at"], name="shift_by_user")]

    def __str__(self) -> str:
        return f"{self.window} {self.user} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class TicketCounter(models.Model):
    """The last ticket number given in a category on a day (取号计数). Taking a ticket
    increments it with one atomic upsert inside the ticket's transaction: the row stays
    locked until the ticket is saved, so numbers are distinct and gap-free."""

    category = models.ForeignKey(ServiceCategory, models.CASCADE, related_name="+",
                                 verbose_name="取号类别")
    day = models.DateField("日期")
    last = models.PositiveIntegerField("最后号码", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "取号计数"
        constraints = [models.UniqueConstraint(fields=["category", "day"],
                                               name="one_counter_per_category_day")]

    def __str__(self) -> str:
        return f"{self.category} {self.day} {self.last}"


class Ticket(models.Model):
    """号票: a queue number per category per day (A012), from taking to done.

    A transfer (转移) ends this row as ``transferred`` and starts a new waiting one with
    the same code and the original ``taken_at`` (``transferred_from`` points back), so
    each window's part stays on record.
    """

    hall = models.ForeignKey(Hall, models.PROTECT, related_name="tickets",
                             verbose_name="办事大厅")
    category = models.ForeignKey(ServiceCategory, models.PROTECT, related_name="tickets",
                                 verbose_name="取号类别")
    day = models.DateField("日期")
    letter = models.CharField("字母", max_length=1)
    number = models.PositiveIntegerField("号码")
    taken_at = models.DateTimeField("取号时间")
    channel = models.CharField("取号渠道", max_length=10,
                               choices=list(CHANNEL_LABELS.items()))
    priority = models.CharField("类别", max_length=12, choices=list(PRIORITY_LABELS.items()),
                                default=PriorityClass.WALK_IN)
    status = models.CharField("状态", max_length=12, choices=list(STATUS_LABELS.items()),
                              default=TicketStatus.WAITING)
    # Transferred to one window (转到指定窗口): only that window calls it.
    for_window = models.ForeignKey(Window, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name="指定窗口")
    window = models.ForeignKey(Window, models.PROTECT, null=True, blank=True,
                               related_name="tickets", verbose_name="叫号窗口")
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                  blank=True, related_name="+", verbose_name="叫号人")
    called_at = models.DateTimeField("首次叫号时间", null=True, blank=True)
    last_called_at = models.DateTimeField("最近叫号时间", null=True, blank=True)
    calls = models.PositiveSmallIntegerField("叫号次数", default=0)
    served_started_at = models.DateTimeField("开始办理", null=True, blank=True)
    served_ended_at = models.DateTimeField("结束办理", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    application = models.ForeignKey("applications.Application", models.SET_NULL, null=True,
                                    blank=True, related_name="tickets",
                                    verbose_name="关联申请")
    # Only the masked name is kept (张*), for the call screen.
    holder_name = models.CharField("持票人（脱敏）", max_length=20, blank=True)
    mobile = models.CharField("手机号（短信提醒）", max_length=11, blank=True)
    # A ticket taken on the phone while signed in: only its holder sees it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                             related_name="tickets", verbose_name="取号用户")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  blank=True, related_name="+", verbose_name="出票人")
    # The secret in the ticket's own address (a phone ticket without an account, a QR code).
    token = models.CharField(max_length=32, unique=True)
    transferred_from = models.OneToOneField("self", models.PROTECT, null=True, blank=True,
                                            related_name="transferred_to",
                                            verbose_name="转自")

    class Meta:
        verbose_name = verbose_name_plural = "号票"
        ordering = ["day", "letter", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "day", "letter", "number"],
                                    condition=Q(transferred_from__isnull=True),
                                    name="one_ticket_per_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="ticket_number_positive"),
        ]
        indexes = [
            models.Index(fields=["hall", "day", "status", "taken_at"], name="ticket_queue"),
            models.Index(fields=["hall", "last_called_at"], name="ticket_calls"),
            # A category's queue today (people ahead, the SMS "3 ahead", handling times,
            # the desk's counts): without it those reads walk the category's whole
            # history through the foreign-key index (bench/tickets.py, docs/benchmarks.md).
            models.Index(fields=["category", "day", "status", "taken_at"],
                         name="ticket_category_queue"),
            # The last calls in a window's categories today (the walk-in bound's streak),
            # read newest first: a few index entries instead of sorting the day's calls.
            models.Index(fields=["hall", "day", "called_at", "id"], name="ticket_day_calls"),
            # The ticket at a window (one at a time): a handful of rows, not its history.
            models.Index(fields=["window"], condition=Q(status__in=["called", "serving"]),
                         name="ticket_at_window"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return ticket_code(self.letter, self.number)


class AppointmentSlot(models.Model):
    """The lock row of one slot of one category (预约时段): booking locks it
    (``SELECT … FOR UPDATE``) before counting the slot's bookings, so two people booking
    the last place at once are served one after the other and exactly one gets it."""

    category = models.ForeignKey(ServiceCategory, models.CASCADE, related_name="+",
                                 verbose_name="取号类别")
    starts = models.DateTimeField("开始时间")

    class Meta:
        verbose_name = verbose_name_plural = "预约时段"
        constraints = [models.UniqueConstraint(fields=["category", "starts"],
                                               name="one_slot_per_category_start")]

    def __str__(self) -> str:
        return f"{self.category} {self.starts:%Y-%m-%d %H:%M}"


class Appointment(models.Model):
    """预约: a person's booking of a slot in a category of a hall, from booking to the
    ticket it became at check-in (or cancellation, or a no-show)."""

    hall = models.ForeignKey(Hall, models.PROTECT, related_name="appointments",
                             verbose_name="办事大厅")
    category = models.ForeignKey(ServiceCategory, models.PROTECT, related_name="appointments",
                                 verbose_name="取号类别")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT,
                               related_name="appointments", verbose_name="预约人")
    day = models.DateField("日期")
    slot_starts = models.DateTimeField("时段开始")
    slot_ends = models.DateTimeField("时段结束")
    status = models.CharField("状态", max_length=12,
                              choices=list(APPOINTMENT_STATUS_LABELS.items()),
                              default=AppointmentStatus.BOOKED)
    channel = models.CharField("预约渠道", max_length=10,
                               choices=list(BOOKING_CHANNEL_LABELS.items()))
    code = models.CharField("预约码", max_length=6, unique=True)
    booked_at = models.DateTimeField("预约时间")
    # The member of staff who booked at a window (channel = window).
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  blank=True, related_name="+", verbose_name="代约人")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True,
                                    help_text="取消、签到或记为爽约的时间")
    ticket = models.OneToOneField(Ticket, models.PROTECT, null=True, blank=True,
                                  related_name="appointment", verbose_name="签到号票")

    class Meta:
        verbose_name = verbose_name_plural = "预约"
        ordering = ["slot_starts", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(slot_starts__lt=F("slot_ends")),
                                   name="appointment_slot_starts_before_end"),
            # One active booking per person, category and day (also checked by the rules).
            models.UniqueConstraint(fields=["person", "category", "day"],
                                    condition=Q(status=AppointmentStatus.BOOKED),
                                    name="one_booking_per_person_category_day"),
        ]
        indexes = [
            models.Index(fields=["category", "slot_starts", "status"], name="appointment_slot"),
            models.Index(fields=["status", "slot_starts"], name="appointment_due"),
            models.Index(fields=["person", "status", "day"], name="appointment_person"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.category} {self.slot_starts:%Y-%m-%d %H:%M}"
class DemandPeak(models.Model):
    """A known peak of a hall's demand (已知高峰): a factor on its categories' arrivals in
    some months or between two dates, e.g. 入学 ×3.5 on 教育入学 in July–August or
    年底社保缴费 ×1.6 on 社保医保 in December (domain.forecast.PeakPeriod). No
    categories: every category of the hall. A centre edits them; the tidal plan reads them."""

    hall = models.ForeignKey(Hall, models.CASCADE, related_name="peaks",
                             verbose_name="办事大厅")
    name = models.CharField("名称", max_length=30, help_text="如“入学”“年底社保缴费”")
    factor = models.DecimalField("高峰系数", max_digits=4, decimal_places=2,
                                 help_text="平日人数的倍数，如 3.5")
    months = models.CharField("月份", max_length=40, blank=True,
                              help_text="逗号分隔的月份，如“7,8”")
    starts = models.DateField("开始日期", null=True, blank=True)
    ends = models.DateField("结束日期", null=True, blank=True)
    categories = models.ManyToManyField(ServiceCategory, blank=True, related_name="peaks",
                                        verbose_name="适用的取号类别",
                                        help_text="不选则适用于全部类别")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "已知高峰"
        ordering = ["hall", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(factor__gt=0), name="peak_factor_positive"),
            models.CheckConstraint(condition=Q(starts__isnull=True) | Q(ends__isnull=True)
                                   | Q(starts__lte=F("ends")), name="peak_starts_before_end"),
        ]

    def __str__(self) -> str:
        return f"{self.hall} {self.name} ×{self.factor}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        parts = [m.strip() for m in self.months.replace("，", ",").split(",") if m.strip()]
        if not all(m.isdigit() and 1 <= int(m) <= 12 for m in parts):
            raise ValidationError({"months": "月份应为1至12，用逗号分隔 (months: 1–12, "
                                             "separated by commas)"})
        if not parts and not (self.starts and self.ends):
            raise ValidationError("请填写月份或起止日期 (give months or a date range)")


class TidalPlan(models.Model):
    """An accepted tidal-window plan (潮汐窗口计划) of a hall for one day: while it is in
    force (not withdrawn) its assignments decide which categories the chosen windows
    serve in the given hours. Accepting again replaces it (the old one is withdrawn)."""

    hall = models.ForeignKey(Hall, models.PROTECT, related_name="tidal_plans",
                             verbose_name="办事大厅")
    day = models.DateField("日期")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name="采纳人")
    accepted_at = models.DateTimeField("采纳时间")
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     blank=True, related_name="+", verbose_name="撤销人")
    # What the manager saw when accepting: hours, reasons, accuracy (DayPlan.to_dict()).
    summary = models.JSONField("计划内容", default=dict)

    class Meta:
        verbose_name = verbose_name_plural = "潮汐窗口计划"
        ordering = ["-day", "-accepted_at"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "day"], condition=Q(withdrawn_at__isnull=True),
                                    name="one_tidal_plan_in_force_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.hall} {self.day} 潮汐窗口计划"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


class TidalAssignment(models.Model):
    """From ``starts`` to ``ends`` the window serves these categories instead of its own."""

    plan = models.ForeignKey(TidalPlan, models.CASCADE, related_name="assignments",
                             verbose_name="潮汐窗口计划")
    window = models.ForeignKey(Window, models.PROTECT, related_name="tidal_assignments",
                               verbose_name="窗口")
    starts = models.DateTimeField("开始")
    ends = models.DateTimeField("结束")
    categories = models.ManyToManyField(ServiceCategory, related_name="+",
                                        verbose_name="这段时间服务的取号类别")
    reason = models.CharField("原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "潮汐窗口安排"
        ordering = ["plan", "window", "starts"]
        constraints = [
            models.CheckConstraint(condition=Q(starts__lt=F("ends")),
                                   name="tidal_assignment_starts_before_end"),
        ]
        indexes = [models.Index(fields=["window", "starts"], name="tidal_by_window")]

    def __str__(self) -> str:
        return f"{self.window} {self.starts:%H:%M}–{self.ends:%H:%M}"
