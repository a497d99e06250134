"""The catalogue in the database: what the YAML files say, editable in the admin.

The YAML under ``catalog/`` is the reviewed source; ``onething catalog load``
brings it here (see ``services.load_catalog``). ``spec_hash`` records the
hash of the YAML entry a row was last loaded from, so a reload touches only
what changed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from onething.domain import catalog as spec


def _choices(mapping: dict) -> list[tuple[str, str]]:
    return list(mapping.items())


MAINTAINER_NOTE = "维护说明（内部）"
MAINTAINER_HELP = ("给目录维护人员看的说明（待核实的内容、为何这样设置等），不在任何公开页面、"
                   "打印件或接口中显示。面向群众的文字中不得写这类说明。")


class Translatable(models.Model):
    """A catalogue row with English beside its Chinese texts (the YAML's ``en:``).

    ``en`` maps a text's attribute to its English (``{"name": "…"}``; a field's
    ``choices`` map each Chinese choice to its English). Screens show the texts
    through :func:`onething.catalog.translation.localized` (``{{ row|localized:"name" }}``),
    which falls back to the Chinese.
    """

    en = models.JSONField("英文", default=dict, blank=True)

    class Meta:
        abstract = True

    def localized(self, attr: str) -> str:
        from onething.catalog.translation import localized

        return localized(self, attr)


class LoadedFromCatalog(models.Model):
    source_file = models.CharField("来源文件", max_length=255, blank=True)
    spec_hash = models.CharField("内容摘要", max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class Region(Translatable, LoadedFromCatalog):
    code = models.CharField("区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name="上级区划")

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Department(Translatable, LoadedFromCatalog):
    code = models.CharField("部门代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=200)
    short_name = models.CharField("简称", max_length=50, blank=True)
    kind = models.CharField("类型", max_length=20, choices=_choices(spec.DEPARTMENT_KINDS),
                            default="government")
    region = models.ForeignKey(Region, models.PROTECT, verbose_name="行政区划",
                               related_name="departments")

    class Meta:
        verbose_name = verbose_name_plural = "部门"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CertificateType(Translatable, LoadedFromCatalog):
    key = models.CharField("证照类型代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=200)
    issuer_note = models.CharField("说明", max_length=500, blank=True)
    # [{"key", "label", "source"}] in printed order (onething.domain.catalog.CertificateField)
    fields = models.JSONField("证照包含的信息（字段）", default=list, blank=True)
    holder_kind = models.CharField("持证主体", max_length=20, default="person",
                                   choices=[("person", "个人"), ("organisation", "单位")])
    # {"kind": "long-term" | "fixed-term" | "register", "years": N, "months": N, "days": N}
    validity = models.JSONField("有效期规则", default=dict, blank=True)
    layout = models.CharField("版式", max_length=20, default="certificate")

    class Meta:
        verbose_name = verbose_name_plural = "电子证照类型"
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class Material(Translatable, LoadedFromCatalog):
    key = models.CharField("材料代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=200)
    description = models.TextField("说明", blank=True)
    certificate = models.ForeignKey(CertificateType, models.PROTECT, null=True, blank=True,
                                    verbose_name="可替代的电子证照")
    max_pages = models.PositiveSmallIntegerField("最多文件数（页）",
                                                 default=spec.DEFAULT_MAX_PAGES)

    class Meta:
        verbose_name = verbose_name_plural = "申请材料"
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class FieldDefinition(Translatable, LoadedFromCatalog):
    key = models.CharField("字段代码", max_length=64, unique=True)
    label = models.CharField("标签", max_length=200)
    type = models.CharField("类型", max_length=20, choices=_choices(spec.FIELD_TYPES),
                            default="text")
    choices = models.JSONField("可选值", default=list, blank=True)
    help = models.CharField("填写说明", max_length=500, blank=True)
    # number fields: {"min": …, "max": …, "decimals": …}, each optional
    bounds = models.JSONField("数值范围", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "表单字段"
        ordering = ["key"]

    def __str__(self) -> str:
        return self.label


class Matter(Translatable, LoadedFromCatalog):
    """政务服务事项."""

    code = models.CharField("事项编码", max_length=64, unique=True)
    name = models.CharField("事项名称", max_length=200)
    kind = models.CharField("事项类型", max_length=20, choices=_choices(spec.MATTER_KINDS))
    department = models.ForeignKey(Department, models.PROTECT, verbose_name="实施部门",
                                   related_name="matters")
    statutory_unit = models.CharField("法定时限单位", max_length=20,
                                      choices=_choices(spec.LIMIT_UNITS))
    statutory_days = models.PositiveIntegerField("法定时限", default=0)
    # 工作日 or 即办 only: a promise in calendar days would be planned as working days.
    promised_unit = models.CharField("承诺时限单位", max_length=20,
                                     choices=_choices(spec.PROMISED_UNITS))
    promised_days = models.PositiveIntegerField("承诺时限", default=0)
    issues = models.ForeignKey(CertificateType, models.PROTECT, null=True, blank=True,
                               verbose_name="办理结果（证照）", related_name="issued_by")
    cross_region = models.BooleanField("可跨区域通办", default=False)
    online_depth = models.PositiveSmallIntegerField(
        "网上办理深度", choices=list(spec.ONLINE_DEPTHS.items()), default=3)
    legal_basis = models.TextField("设定依据", blank=True)
    description = models.TextField("说明", blank=True)
    maintainer_note = models.TextField(MAINTAINER_NOTE, blank=True, help_text=MAINTAINER_HELP)
    sources = models.JSONField("资料来源", default=list, blank=True)
    # 秒批: {"checks": [...], "verified_waives": [...], "note": "..."} or {} for none
    auto_decision = models.JSONField("自动审批规则（秒批）", default=dict, blank=True)
    # 受理期限 (working days from receipt) after which the application counts as
    # accepted (视为受理, 《行政许可法》第三十二条); empty: no deemed acceptance.
    acceptance_limit = models.PositiveSmallIntegerField("受理期限（工作日）", null=True,
                                                        blank=True)
    # 延期 (第四十二条): the most days all extensions of a case add; 0: none.
    extension_max_days = models.PositiveSmallIntegerField("延期上限（日）", default=0)
    extension_approval = models.CharField("延期批准", max_length=20, default="head",
                                          choices=_choices(spec.EXTENSION_APPROVALS))
    extension_reason_required = models.BooleanField("延期须说明理由", default=True)
    extension_basis = models.CharField("延期依据", max_length=300, blank=True)
    # 容缺受理: {"materials": [...], "within": N, "on_lapse": "terminate", "note": ""} or {}
    accept_pending = models.JSONField("容缺受理规则", default=dict, blank=True)
    # 告知承诺: {"version": "...", "text": "...", "check_within": N, "note": ""} or {}
    commitment = models.JSONField("告知承诺书", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "事项"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The limits' rules of ``catalog check`` (domain.catalog.limit_problems)."""
        super().clean()
        errors: dict[str, list[str]] = {}
        units = (self.statutory_unit, self.promised_unit)
        if self.promised_unit == "days":
            errors.setdefault("promised_unit", []).append(
                "承诺时限只能按工作日计算或为即办 (a promised limit is given in working days "
                "or 'instant')")
        for unit, days, name in ((self.statutory_unit, self.statutory_days, "statutory"),
                                 (self.promised_unit, self.promised_days, "promised")):
            if unit in spec.LIMIT_UNITS and unit != "instant" and not days:
                errors.setdefault(f"{name}_days", []).append(
                    "时限应为正整数天数，或选择即办 (a limit must be a positive number of "
                    "days, or instant)")
        if (units == ("working_days", "working_days") and self.promised_days
                and self.statutory_days and self.promised_days > self.statutory_days):
            errors.setdefault("promised_days", []).append(
                f"承诺时限（{self.promised_days}个工作日）不得长于法定时限"
                f"（{self.statutory_days}个工作日） (the promised limit is longer than the "
                "statutory limit)")
        if errors:
            raise ValidationError(errors)


class MatterMaterial(Translatable, models.Model):
    matter = models.ForeignKey(Matter, models.CASCADE, related_name="material_requirements",
                               verbose_name="事项")
    material = models.ForeignKey(Material, models.PROTECT, verbose_name="材料")
    originals = models.PositiveSmallIntegerField("原件份数", default=1)
    copies = models.PositiveSmallIntegerField("复印件份数", default=0)
    optional = models.BooleanField("按情形提交", default=False)
    note = models.CharField("备注", max_length=500, blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "事项材料"
        ordering = ["matter", "position"]
        constraints = [models.UniqueConstraint(fields=["matter", "material"],
                                               name="matter_material_once")]

    def __str__(self) -> str:
        return f"{self.matter.code}: {self.material.key}"


class MatterField(models.Model):
    matter = models.ForeignKey(Matter, models.CASCADE, related_name="matter_fields",
                               verbose_name="事项")
    field = models.ForeignKey(FieldDefinition, models.PROTECT, verbose_name="字段")
    required = models.BooleanField("必填", default=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "事项字段"
        ordering = ["matter", "position"]
        constraints = [models.UniqueConstraint(fields=["matter", "field"],
                                               name="matter_field_once")]

    def __str__(self) -> str:
        return f"{self.matter.code}: {self.field.key}"


class Bundle(Translatable, LoadedFromCatalog):
    """一件事."""

    # 64 for the files' bundles; an implicit one-matter bundle is "matter-" + a matter code.
    slug = models.SlugField("标识", max_length=80, unique=True)
    name = models.CharField("名称", max_length=200)
    category = models.CharField("类别", max_length=20, choices=_choices(spec.BUNDLE_CATEGORIES))
    description = models.TextField("说明")
    lead_department = models.ForeignKey(Department, models.PROTECT, null=True, blank=True,
                                        verbose_name="牵头部门", related_name="led_bundles")
    lifecycle_stage = models.CharField("生命周期阶段", max_length=50, blank=True)
    batch = models.CharField("批次", max_length=50, blank=True)
    status = models.CharField("核实状态", max_length=20, default="verified",
                              choices=[("verified", "已核实"), ("partly_verified", "部分核实"),
                                       ("unverified", "待核实")])
    maintainer_note = models.TextField(MAINTAINER_NOTE, blank=True, help_text=MAINTAINER_HELP)
    synonyms = models.JSONField("同义词、俗称", default=list, blank=True)
    metrics = models.JSONField("改革成效", default=dict, blank=True)
    sources = models.JSONField("资料来源", default=list, blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)
    # 单独申请: the implicit bundle of one matter applied for on its own (at the
    # any-matter window, on the portal, by the API); empty for the 一件事 of the files.
    single_matter = models.OneToOneField(Matter, models.PROTECT, null=True, blank=True,
                                         related_name="single_bundle",
                                         verbose_name="单独申请的事项")

    class Meta:
        verbose_name = verbose_name_plural = "一件事"
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name


class BundleMember(models.Model):
    bundle = models.ForeignKey(Bundle, models.CASCADE, related_name="members",
                               verbose_name="一件事")
    matter = models.ForeignKey(Matter, models.PROTECT, verbose_name="事项",
                               related_name="bundle_memberships")
    optional = models.BooleanField("按情形办理", default=False)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "成员事项"
        ordering = ["bundle", "position"]
        constraints = [models.UniqueConstraint(fields=["bundle", "matter"],
                                               name="bundle_member_once")]

    def __str__(self) -> str:
        return f"{self.bundle.slug}: {self.matter.code}"


class Question(Translatable, models.Model):
    """情形引导的问题."""

    bundle = models.ForeignKey(Bundle, models.CASCADE, related_name="questions",
                               verbose_name="一件事")
    key = models.CharField("问题代码", max_length=64)
    text = models.CharField("问题", max_length=300)
    help = models.CharField("说明", max_length=500, blank=True)
    field = models.CharField("对应的数字字段", max_length=64, blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "情形问题"
        ordering = ["bundle", "position"]
        constraints = [models.UniqueConstraint(fields=["bundle", "key"],
                                               name="question_key_once")]

    def __str__(self) -> str:
        return self.text


class Option(Translatable, models.Model):
    question = models.ForeignKey(Question, models.CASCADE, related_name="options",
                                 verbose_name="问题")
    key = models.CharField("选项代码", max_length=64)
    label = models.CharField("选项", max_length=300)
    is_default = models.BooleanField("默认（常见情形）", default=False)
    # with the question's field: {"at_least": …, "below": …}, each optional
    range = models.JSONField("对应的数值范围", default=dict, blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "选项"
        ordering = ["question", "position"]
        constraints = [models.UniqueConstraint(fields=["question", "key"],
                                               name="option_key_once")]

    def __str__(self) -> str:
        return self.label


class BundleCondition(models.Model):
    """Answers that include or exclude matters and materials."""

    bundle = models.ForeignKey(Bundle, models.CASCADE, related_name="conditions",
                               verbose_name="一件事")
    when = models.JSONField("条件（问题: [选项]）", default=dict)
    include_matters = models.JSONField("纳入事项", default=list, blank=True)
    exclude_matters = models.JSONField("排除事项", default=list, blank=True)
    include_materials = models.JSONField("纳入材料", default=list, blank=True)
    exclude_materials = models.JSONField("排除材料", default=list, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "情形条件"
        ordering = ["bundle", "position"]

    def __str__(self) -> str:
        return f"{self.bundle.slug} #{self.position}"


class BundleDependency(models.Model):
    bundle = models.ForeignKey(Bundle, models.CASCADE, related_name="dependencies",
                               verbose_name="一件事")
    matter = models.ForeignKey(Matter, models.PROTECT, related_name="+", verbose_name="事项")
    requires = models.ForeignKey(Matter, models.PROTECT, related_name="+",
                                 verbose_name="前置事项")
    receives = models.CharField("接收的结果", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "事项依赖"
        ordering = ["bundle", "id"]

    def __str__(self) -> str:
        return f"{self.matter.code} ← {self.requires.code}"


class FieldMapping(models.Model):
    bundle = models.ForeignKey(Bundle, models.CASCADE, related_name="field_mappings",
                               verbose_name="一件事")
    matter = models.ForeignKey(Matter, models.PROTECT, related_name="+", verbose_name="事项")
    matter_field = models.CharField("事项字段", max_length=64)
    form_field = models.ForeignKey(FieldDefinition, models.PROTECT, verbose_name="表单字段")

    class Meta:
        verbose_name = verbose_name_plural = "字段映射"
        ordering = ["bundle", "id"]

    def __str__(self) -> str:
        return f"{self.matter.code}.{self.matter_field} → {self.form_field.key}"


class Scenario(Translatable, LoadedFromCatalog):
    """审批样板间 / 导办入口."""

    slug = models.SlugField("标识", max_length=64, unique=True)
    title = models.CharField("标题", max_length=200)
    bundle = models.ForeignKey(Bundle, models.PROTECT, related_name="scenarios",
                               verbose_name="一件事")
    answers = models.JSONField("预设回答", default=dict, blank=True)
    description = models.TextField("说明", blank=True)
    synonyms = models.JSONField("同义词、俗称", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导办场景"
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title


class EnteredVia(models.TextChoices):
    """How holiday data reached the database (values as domain.calendar.DaySource)."""

    CATALOG = "catalog", "目录文件"
    ADMIN = "admin", "管理后台"
    COMMAND = "command", "命令行 onething holidays add"


class HolidayYear(LoadedFromCatalog):
    """A year whose holiday notice was entered (the package does not know it)."""

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    source = models.CharField("依据（通知名称、文号）", max_length=300)
    entered_via = models.CharField("录入方式", max_length=16, choices=EnteredVia.choices,
                                   default=EnteredVia.ADMIN, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A holiday or make-up working day; overrides the chinese-calendar package."""

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("是否工作日", help_text="调休上班日勾选；放假日不勾选。")
    name = models.CharField("说明", max_length=100, blank=True)
    entered_via = models.CharField("录入方式", max_length=16, choices=EnteredVia.choices,
                                   default=EnteredVia.ADMIN, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working_day else '放假'}"


class KnownPeak(Translatable, LoadedFromCatalog):
    """A known peak of demand at the halls (已知高峰) from the catalogue's ``peaks``
    section (domain.catalog.KnownPeak): the tidal plans of every hall use it on the
    categories it names (or of the departments it names), unless the hall has its own
    peak of that name (hall.DemandPeak), which replaces it there."""

    key = models.CharField("标识", max_length=50, primary_key=True)
    name = models.CharField("名称", max_length=30)
    factor = models.DecimalField("高峰系数", max_digits=4, decimal_places=2)
    months = models.JSONField("月份", default=list)
    categories = models.JSONField("取号类别名称", default=list, blank=True)
    departments = models.JSONField("部门代码", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "已知高峰（目录）"
        ordering = ["name", "key"]

    def __str__(self) -> str:
        return f"{self.name} ×{self.factor}"


class CatalogState(models.Model):
    """One row whose token changes whenever the catalogue or the calendar does.

    Each process keeps the specs it rebuilt from the database keyed by this
    token, so a plan costs one small query instead of a dozen. The token is
    random, never a counter: a rolled-back change can never bring back a
    value some process cached.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "目录版本"

    def __str__(self) -> str:
        return self.token
