"""Applications (申请), cases (办件) and their append-only history (Event).

One Application per submission of one bundle; one Case per applicable
matter, handled by that matter's department. A case changes state only
through ``services.transition_case``; every change appends an Event in the
same transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from onething.applications.choices import Channel
from onething.domain.cases import (
    ACTION_LABELS,
    APPLICATION_STATUS_LABELS,
    CLOCK_PAUSED,
    STATUS_LABELS,
    Action,
    ApplicationStatus,
    CaseStatus,
)
from onething.domain.deadlines import SUSPENSION_LABELS, SuspensionKind
from onething.domain.validators import replace_unsafe

# A queue is worked by promised due date; cases not yet accepted (no date) come first.
UNDATED = dt.date(1, 1, 1)
QUEUE_ORDER = Coalesce(F("promised_due_date"), Value(UNDATED))
# Statuses in a department's open queue: not waiting for a prerequisite, not final.
QUEUE_OPEN_STATUSES = ["accepted", "accepted_pending", "approved", "approved_on_commitment",
                       "correction_requested", "denied", "in_review", "submitted", "suspended"]


class DisplaySafeDecoder(json.JSONDecoder):
    """Reads stored JSON with control characters and lone surrogates replaced (U+FFFD).

    The boundary refuses them now; a row stored before must not make every
    page that shows it fail (a lone surrogate cannot be encoded as UTF-8).
    """

    def decode(self, s: str, *args: Any, **kwargs: Any) -> Any:
        return replace_unsafe(super().decode(s, *args, **kwargs))


class Upload(models.Model):
    """A checked file, stored outside the web root under its SHA-256."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="uploads",
                              verbose_name="上传人")
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField("大小（字节）")
    content_type = models.CharField("文件类型", max_length=50)
    original_name = models.CharField("原文件名（仅显示）", max_length=200, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "上传文件"

    def __str__(self) -> str:
        return f"{self.original_name or self.sha256[:12]} ({self.content_type})"


class Application(models.Model):
    tracking_number = models.CharField("受理编号", max_length=32, unique=True, null=True,
                                       blank=True)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT,
                                  related_name="applications", verbose_name="申请人")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT,
                                     related_name="submitted_applications", verbose_name="提交人")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    bundle = models.ForeignKey("catalog.Bundle", models.PROTECT, related_name="applications",
                               verbose_name="一件事")
    answers = models.JSONField("情形", default=dict, decoder=DisplaySafeDecoder)
    form_data = models.JSONField("表单数据", default=dict, decoder=DisplaySafeDecoder)
    plan = models.JSONField("提交时的办理方案", default=dict, decoder=DisplaySafeDecoder)
    idempotency_key = models.CharField("幂等键", max_length=100, blank=True)
    # SHA-256 of the canonical payload sent with the key: the same key with another
    # payload is refused (idempotency_key_reused) instead of answered with this application.
    idempotency_fingerprint = models.CharField("幂等请求指纹", max_length=64, blank=True)
    status = models.CharField("状态", max_length=20, default=ApplicationStatus.IN_PROGRESS,
                              choices=[(s.value, label)
                                       for s, label in APPLICATION_STATUS_LABELS.items()])
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "申请"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["applicant", "idempotency_key"],
                                    condition=~models.Q(idempotency_key=""),
                                    name="one_application_per_idempotency_key"),
        ]
        indexes = [models.Index(fields=["applicant", "-submitted_at"])]

    def __str__(self) -> str:
        return self.tracking_number or f"#{self.pk}"

    @property
    def status_label(self) -> str:
        return APPLICATION_STATUS_LABELS[ApplicationStatus(self.status)]


class Case(models.Model):
    application = models.ForeignKey(Application, models.CASCADE, related_name="cases",
                                     verbose_name="申请")
    matter = models.ForeignKey("catalog.Matter", models.PROTECT, related_name="cases",
                               verbose_name="事项")
    department = models.ForeignKey("catalog.Department", models.PROTECT, related_name="cases",
                                   verbose_name="承办部门")
    status = models.CharField("状态", max_length=30,
                              choices=[(s.value, label) for s, label in STATUS_LABELS.items()])
    stage = models.PositiveSmallIntegerField("批次", default=0)
    position = models.PositiveSmallIntegerField("顺序", default=0)
    prerequisites = models.ManyToManyField("self", symmetrical=False, blank=True,
                                           related_name="dependents", verbose_name="前置办件")
    promised_unit = models.CharField("承诺时限单位", max_length=20)
    promised_days = models.PositiveIntegerField("承诺时限")
    statutory_unit = models.CharField("法定时限单位", max_length=20)
    statutory_days = models.PositiveIntegerField("法定时限")
    # When the department received the file (收件): at submission, at release, or when
    # corrected materials came back before acceptance — the start of the acceptance
    # limit (受理期限) and the acceptance date of a deemed acceptance (视为受理).
    received_at = models.DateTimeField("收件时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    promised_due_date = models.DateField("承诺办结日期", null=True, blank=True)
    statutory_due_date = models.DateField("法定办结日期", null=True, blank=True)
    # Each date is provisional (暂定) when it depends on a year whose holidays are unknown.
    due_provisional = models.BooleanField("承诺办结日期为暂定", default=False)
    statutory_due_provisional = models.BooleanField("法定办结日期为暂定", default=False)
    correction_items = models.JSONField("补正事项", default=list, blank=True,
                                        decoder=DisplaySafeDecoder)
    result = models.JSONField("办理结果", default=dict, blank=True, decoder=DisplaySafeDecoder)
    received = models.JSONField("收到的前置结果", default=dict, blank=True,
                                decoder=DisplaySafeDecoder)
    # 容缺受理: the materials still owed ([{"material", "name", "note"}]) — declared by the
    # applicant at submission, fixed by the reviewer at acceptance — the date by which
    # they must be supplied, and what happens after it (catalog.LAPSE_RULES).
    pending_items = models.JSONField("容缺材料", default=list, blank=True,
                                     decoder=DisplaySafeDecoder)
    pending_due_date = models.DateField("容缺材料补齐期限", null=True, blank=True)
    pending_on_lapse = models.CharField("逾期未补齐的处理", max_length=20, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "办件"
        ordering = ["application", "stage", "position"]
        indexes = [
            models.Index(fields=["department", "status", "promised_due_date", "id"],
                         name="case_queue"),
            models.Index(fields=["department", "-id"], name="case_department_recent"),
            # The open queue, in the order reviewers work it (see selectors.department_queue).
            models.Index(F("department"), QUEUE_ORDER, F("id"),
                         condition=Q(status__in=QUEUE_OPEN_STATUSES), name="case_open_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.matter.name}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[CaseStatus(self.status)]

    @property
    def clock_paused(self) -> bool:
        """The clock stands still (暂停计时): an accepted case in a non-counting period."""
        return self.accepted_at is not None and self.status in {s.value for s in CLOCK_PAUSED}


class CaseSuspension(models.Model):
    """A period that does not count towards a case's limits (中止计时 / 不计算在期限内).

    A correction (补正) opens one and the resubmission closes it; the reviewer opens
    the others (听证、检验、检测、检疫、鉴定、专家评审、公示 …, 《行政许可法》第四十五条)
    with ``suspend`` and closes them with ``resume``. Due dates are recomputed from
    these rows (``onething.applications.clock``).
    """

    case = models.ForeignKey(Case, models.CASCADE, related_name="suspensions",
                             verbose_name="办件")
    kind = models.CharField("类型", max_length=20,
                            choices=[(k.value, label) for k, label in SUSPENSION_LABELS.items()])
    reason = models.TextField("理由", blank=True)
    legal_basis = models.CharField("法律依据", max_length=300, blank=True)
    expected_end = models.DateField("预计结束日期", null=True, blank=True)
    started_on = models.DateField("开始日期")
    started_at = models.DateTimeField("开始时间")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name="启动人")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                 blank=True, related_name="+", verbose_name="结束人")

    class Meta:
        verbose_name = verbose_name_plural = "暂停计时期间"
        ordering = ["case", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(ended_at__isnull=True),
                                    name="one_open_suspension_per_case"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True)
                                   | Q(ended_on__gte=F("started_on")),
                                   name="suspension_ends_after_it_starts"),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.kind_label} {self.started_on}–{self.ended_on or ''}"

    @property
    def kind_label(self) -> str:
        return SUSPENSION_LABELS[SuspensionKind(self.kind)]

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class CaseExtension(models.Model):
    """An extension of a case's limits (延期, 《行政许可法》第四十二条)."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="extensions",
                             verbose_name="办件")
    days = models.PositiveSmallIntegerField("延长天数")
    reason = models.TextField("理由", blank=True)
    approved_by = models.CharField("批准人", max_length=100, blank=True)
    legal_basis = models.CharField("法律依据", max_length=300, blank=True)
    granted_on = models.DateField("延期日期")
    granted_at = models.DateTimeField("延期时间")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name="办理人")

    class Meta:
        verbose_name = verbose_name_plural = "延期"
        ordering = ["case", "granted_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(days__gt=0),
                                              name="extension_adds_days")]

    def __str__(self) -> str:
        return f"{self.case} · +{self.days}"


class Event(models.Model):
    """One step in the history of an application. Append-only."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="events",
                                     verbose_name="申请")
    case = models.ForeignKey(Case, models.CASCADE, null=True, blank=True, related_name="events",
                             verbose_name="办件")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name="操作人")
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    action = models.CharField("动作", max_length=30)
    from_status = models.CharField("原状态", max_length=30, blank=True)
    to_status = models.CharField("新状态", max_length=30, blank=True)
    reason = models.TextField("理由", blank=True)
    data = models.JSONField("数据", default=dict, blank=True, decoder=DisplaySafeDecoder)

    class Meta:
        verbose_name = verbose_name_plural = "办理记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action_label}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("Events are append-only (办理记录不可修改)")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object):  # type: ignore[override]
        raise RuntimeError("Events are append-only (办理记录不可删除)")

    @property
    def action_label(self) -> str:
        try:
            return ACTION_LABELS[Action(self.action)]
        except ValueError:  # a kind this version does not know (kept as written)
            return self.action


class CommitmentCheck(models.TextChoices):
    PENDING = "", "待核查"
    TRUE = "true", "承诺属实"
    FALSE = "false", "承诺不实"


class Commitment(models.Model):
    """告知承诺: the commitment signed for one case, as signed, and its post-check.

    The text is kept word for word with its version and SHA-256 (what the
    applicant saw and ticked); the catalogue may word it differently later.
    ``check_due_date`` is set when the case is decided on it (事后核查期限).
    """

    case = models.OneToOneField(Case, models.CASCADE, related_name="commitment",
                                verbose_name="办件")
    version = models.CharField("承诺书版本", max_length=32)
    text = models.TextField("承诺书全文")
    sha256 = models.CharField("承诺书摘要（SHA-256）", max_length=64)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name="承诺人")
    # The applicant online; the clerk who took the signed paper at a window.
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name="记录人")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    signed_at = models.DateTimeField("签署时间")
    # Working days after the decision for the post-check, as the catalogue said when signed.
    check_within = models.PositiveSmallIntegerField("事后核查时限（工作日）")
    check_due_date = models.DateField("事后核查期限", null=True, blank=True)
    check_result = models.CharField("核查结论", max_length=5, blank=True,
                                    choices=CommitmentCheck.choices,
                                    default=CommitmentCheck.PENDING)
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name="核查人")
    check_note = models.TextField("核查情况", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "告知承诺"
        indexes = [models.Index(fields=["check_result", "check_due_date"],
                                name="commitment_checks_due")]

    def __str__(self) -> str:
        return f"{self.case} · {self.version}"


class ProvidedMaterial(models.Model):
    """What an applicant supplied for one material of an application: a file
    they uploaded, or an electronic certificate they hold (免提交)."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="materials",
                                    verbose_name="申请")
    material_key = models.CharField("材料代码", max_length=64)
    material_name = models.CharField("材料名称", max_length=200)
    upload = models.ForeignKey(Upload, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name="文件")
    certificate = models.ForeignKey("certificates.Certificate", models.PROTECT, null=True,
                                    blank=True, related_name="+",
                                    verbose_name="电子证照（免提交）")
    current = models.BooleanField("当前有效", default=True)
    # 多页材料: one row per file of a material, numbered from 1 in the order given.
    page = models.PositiveSmallIntegerField("页序", default=1)
    provided_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "申请材料"
        ordering = ["application", "material_key", "page", "-provided_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "material_key", "page"],
                                    condition=models.Q(current=True),
                                    name="one_current_page_per_material"),
            models.CheckConstraint(
                condition=(Q(upload__isnull=False, certificate__isnull=True)
                           | Q(upload__isnull=True, certificate__isnull=False)),
                name="material_is_upload_or_certificate"),
        ]

    def __str__(self) -> str:
        return self.material_name

    @property
    def reused(self) -> bool:
        """Provided by an electronic certificate the applicant holds (免提交)."""
        return self.certificate_id is not None


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", "窗口领取"
    POST = "post", "邮寄到家"
    ELECTRONIC = "electronic", "电子证照"


# Application-level events written by onething.applications.delivery.
DELIVERY_ACTION_LABELS = {a.value: ACTION_LABELS[a]
                          for a in (Action.CHOOSE_DELIVERY, Action.DISPATCH, Action.DELIVERED)}


class ResultDelivery(models.Model):
    """How the applicant receives the results (送达 / 送证上门); see ``delivery.py``."""

    application = models.OneToOneField(Application, models.CASCADE, related_name="delivery",
                                       verbose_name="申请")
    method = models.CharField("领取方式", max_length=20, choices=DeliveryMethod.choices,
                              default=DeliveryMethod.PICKUP)
    recipient = models.CharField("收件人", max_length=100, blank=True)
    mobile = models.CharField("收件人手机号码", max_length=11, blank=True)
    address = models.CharField("收件地址", max_length=300, blank=True)
    carrier = models.CharField("寄递公司", max_length=100, blank=True)
    tracking_number = models.CharField("运单号", max_length=50, blank=True)
    dispatched_at = models.DateTimeField("寄出时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "结果送达"

    def __str__(self) -> str:
        return f"{self.application} · {self.get_method_display()}"


class IssuedDocument(models.Model):
    """A document handed to the applicant, kept as issued: the 收件回执 of an application,
    the 受理通知书 of a case. Its content is frozen at the first issue (a snapshot with its
    SHA-256), so every later download — large print, Braille — says what the one handed
    over said, even after dates moved (a suspension, an extension)."""

    application = models.ForeignKey(Application, models.CASCADE,
                                     related_name="issued_documents", verbose_name="申请")
    case = models.ForeignKey(Case, models.CASCADE, null=True, blank=True, related_name="+",
                             verbose_name="办件")
    kind = models.CharField("文书类型", max_length=20)
    content = models.JSONField("内容")
    sha256 = models.CharField("SHA-256", max_length=64)
    issued_at = models.DateTimeField("出具时间")

    class Meta:
        verbose_name = verbose_name_plural = "已出具文书"
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"],
                                    condition=models.Q(case__isnull=True),
                                    name="one_issued_document_per_application"),
            models.UniqueConstraint(fields=["case", "kind"],
                                    condition=models.Q(case__isnull=False),
                                    name="one_issued_document_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.application_id}/{self.case_id or '-'}"


class ApplicationDraft(models.Model):
    """An application not yet submitted (草稿): the answers, the values typed and the files
    attached so far, kept on the server so that nothing is lost to a validation error, a
    closed browser or a sign-out. Only its owner sees it; it expires
    ``ONETHING_DRAFT_RETENTION_DAYS`` after its last change and housekeeping deletes it.
    Submitting it creates the application once (its idempotency key) and deletes it.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="drafts",
                              verbose_name="申请人")
    bundle = models.ForeignKey("catalog.Bundle", models.CASCADE, related_name="drafts",
                               verbose_name="一件事")
    answers = models.JSONField("情形", default=dict, decoder=DisplaySafeDecoder)
    form_data = models.JSONField("已填写的信息", default=dict, decoder=DisplaySafeDecoder)
    # material key -> [Upload id, …] in page order
    materials = models.JSONField("已上传的材料", default=dict)
    # 容缺 materials declared owed, the commitments ticked, the delivery choice
    choices = models.JSONField("其他选择", default=dict, decoder=DisplaySafeDecoder)
    idempotency_key = models.CharField("幂等键", max_length=100)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    expires_at = models.DateTimeField("过期时间", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "申请草稿"
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="draft_owner_recent")]

    def __str__(self) -> str:
        return f"{self.bundle_id} · {self.owner_id} · {self.updated_at:%Y-%m-%d}"

    @property
    def page_count(self) -> int:
        return sum(len(ids) for ids in self.materials.values())


class CaseUploads(models.Model):
    """Files attached to a case's 补正 (correction) or 容缺补齐 form but not yet sent: kept
    on the server so that a validation error loses nothing. One row per case, form and
    person; only that person sees it (and only the applicant keeps one). Sending the form
    consumes it; it expires ``ONETHING_DRAFT_RETENTION_DAYS`` after its last change and
    housekeeping deletes it, like a draft (the files stay their owner's, unused).
    """

    class Purpose(models.TextChoices):
        RESUBMIT = "resubmit", "补正材料"
        SUPPLY = "supply", "补齐容缺材料"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE,
                              related_name="case_uploads", verbose_name="上传人")
    case = models.ForeignKey(Case, models.CASCADE, related_name="pending_uploads",
                             verbose_name="办件")
    purpose = models.CharField("用途", max_length=10, choices=Purpose.choices)
    # material key -> [Upload id, …] in page order
    materials = models.JSONField("已上传的材料", default=dict)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    expires_at = models.DateTimeField("过期时间", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "待提交的补正/补齐文件"
        constraints = [models.UniqueConstraint(fields=["owner", "case", "purpose"],
                                               name="case_uploads_one_per_form")]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.purpose} · {self.owner_id}"
