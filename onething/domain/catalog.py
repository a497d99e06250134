"""The catalogue of matters (事项) and bundles (一件事) as plain Python.

``read_catalog(directory)`` reads every ``*.yaml`` file under the catalogue
directory, checks it as a whole and returns a :class:`Catalog` together with
every problem found, each as ``file:line: problem``. Nothing here imports
Django: the planner works on these specs, the Django ``catalog`` app stores
them in the database and rebuilds them from there.

A file may hold any of the top-level sections ``regions``, ``departments``,
``certificate_types``, ``materials``, ``fields``, ``matters``, ``bundles``,
``scenarios`` and ``calendar``; see ``docs/catalog.md`` for the format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from onething.domain.baseline import baseline_problems
from onething.domain.calendar import notice_problems
from onething.domain.certificates import (
    FIELD_SOURCES,
    FIXED_TERM,
    HOLDER_KINDS,
    LAYOUTS,
    LONG_TERM,
    REGISTER,
    Validity,
)
from onething.domain.identity import DEFAULT_AUTO_DECISION_LEVEL, parse_level
from onething.domain.yamlsource import LineDict, LineList, SourceError, load_yaml

# --------------------------------------------------------------------------
# Vocabulary

MATTER_KINDS: dict[str, str] = {
    "licence": "行政许可",
    "confirmation": "行政确认",
    "benefit": "行政给付",
    "registration": "行政登记",
    "public_service": "公共服务",
    "other": "其他",
}
_KIND_BY_LABEL = {label: key for key, label in MATTER_KINDS.items()}

BUNDLE_CATEGORIES: dict[str, str] = {"personal": "个人", "enterprise": "企业"}

DEPARTMENT_KINDS: dict[str, str] = {
    "government": "政府部门",
    "utility": "公用事业单位",
    "institution": "公共服务机构",
}

FIELD_TYPES: dict[str, str] = {
    "text": "文本",
    "textarea": "多行文本",
    "number": "数字",
    "date": "日期",
    "id_number": "居民身份证号码",
    "uscc": "统一社会信用代码",
    "mobile": "手机号码",
    "address": "地址",
    "choice": "选项",
}

LIMIT_UNITS: dict[str, str] = {
    "working_days": "工作日",
    "days": "自然日",
    "instant": "即办",
}

#: A promised limit (承诺时限) is counted in working days or is instant (即办); only a
#: statutory limit may be given in calendar days (自然日).
PROMISED_UNITS: dict[str, str] = {k: v for k, v in LIMIT_UNITS.items() if k != "days"}

#: Words that mark a text as a note for the catalogue's maintainers (what is not yet
#: confirmed, why an entry is shaped as it is). Such a note belongs in
#: ``maintainer_note``; a text citizens see may not contain any of them.
MAINTAINER_MARKERS: tuple[str, ...] = (
    "待核实", "待核对", "待确认", "待补充", "待定", "未核实", "需核实",
    "TODO", "FIXME",
    "选项不能多选", "不能多选", "无从排除", "数据质量",
)

ONLINE_DEPTHS: dict[int, str] = {
    1: "一级：网上发布办事指南",
    2: "二级：网上预约、下载表格",
    3: "三级：网上申请、网上预审",
    4: "四级：全程网办",
}

VERIFICATION_STATUSES = ("verified", "partly_verified", "unverified")
#: What a public page says of a bundle not (fully) confirmed with its departments; what
#: is unconfirmed in detail is for maintainers (``maintainer_note``).
PUBLIC_STATUS_NOTES: dict[str, str] = {
    "partly_verified": "本页部分信息尚未经办理部门确认，请以受理时的一次性告知为准。",
    "unverified": "本页信息尚未经办理部门确认，请以受理时的一次性告知为准。",
}

#: 容缺受理: what happens when the owed materials are not supplied in time.
LAPSE_RULES: dict[str, str] = {
    "terminate": "逾期未补齐的，终止办理并书面告知申请人",
    "refer": "逾期未补齐的，转承办部门依法作出决定",
}
#: Longest period (working days) a catalogue may give for supplying owed materials
#: or for the post-check of a commitment.
MAX_PROCEDURE_DAYS = 60
MAX_COMMITMENT_TEXT = 5000

#: English beside the Chinese: the texts each kind of entry may give in its ``en:``
#: mapping (docs/catalog.md "English"). A field's ``choices`` map each Chinese choice
#: to its English.
TRANSLATABLE: dict[str, tuple[str, ...]] = {
    "region": ("name",),
    "department": ("name", "short_name"),
    "certificate type": ("name", "issuer_note"),
    "material": ("name", "description"),
    "field": ("label", "help", "choices"),
    "matter": ("name", "description"),
    "material requirement": ("note",),
    "bundle": ("name", "description", "lifecycle_stage"),
    "question": ("text", "help"),
    "option": ("label",),
    "scenario": ("title", "description"),
    "peak": ("name",),
}

#: Most decimal places a number field may allow.
MAX_DECIMALS = 6

_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_REGION_RE = re.compile(r"^\d{6}$")
# GB/T 2260 province-level prefixes (31 provinces, Taiwan, Hong Kong, Macao).
PROVINCE_PREFIXES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35",
     "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54",
     "61", "62", "63", "64", "65", "71", "81", "82"}
)


# --------------------------------------------------------------------------
# Specs


def _english() -> Any:
    """An entry's ``en:`` mapping (TRANSLATABLE); not part of its identity."""
    return field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Origin:
    """Where an entry was defined, for error messages and for reloads."""

    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    parent: str | None = None
    origin: Origin = Origin()
    en: Mapping[str, Any] = _english()  # the English beside the Chinese texts (``en:``)


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    region: str
    kind: str = "government"
    short_name: str = ""
    origin: Origin = Origin()
    en: Mapping[str, Any] = _english()  # the English beside the Chinese texts (``en:``)


@dataclass(frozen=True)
class CertificateField:
    """A fact a certificate carries, with its printed label and where its value comes from
    (``certificates.FIELD_SOURCES``: the form, the decision's result, the code the register
    assigns, the day of issue)."""

    key: str
    label: str
    source: str = "form"


@dataclass(frozen=True)
class CertificateType:
    key: str
    name: str
    issuer_note: str = ""
    # data the certificate carries, e.g. the USCC on a licence, in printed order
    fields: tuple[CertificateField, ...] = ()
    holder: str = "person"  # or "organisation": issued to the business, not the person
    validity: Validity = field(default_factory=Validity)
    layout: str = "certificate"  # or "licence" (the code under the title)
    origin: Origin = Origin()
    en: Mapping[str, Any] = _english()  # the English beside the Chinese texts (``en:``)

    @property
    def field_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @property
    def originated_keys(self) -> tuple[str, ...]:
        """The facts this certificate originates (not copied from the form): dependent
        matters receive them from its result (e.g. the USCC the register assigns)."""
        return tuple(f.key for f in self.fields if f.source != "form")

    def labelled_fields(self, dictionary: Mapping[str, FieldDef]) -> tuple[CertificateField, ...]:
        """The fields with their printed labels (the dictionary's when none is declared)."""
        return tuple(f if f.label else CertificateField(
            f.key, dictionary[f.key].label if f.key in dictionary else f.key, f.source)
            for f in self.fields)


#: Files one material may have when the catalogue names no ``max_pages`` (多页材料).
DEFAULT_MAX_PAGES = 10
#: The highest ``max_pages`` the checker accepts.
MAX_PAGES_LIMIT = 50


@dataclass(frozen=True)
class Material:
    """A kind of document in the shared material dictionary."""

    key: str
    name: str
    description: str = ""
    certificate: str | None = None  # a certificate type that can stand in (免提交)
    origin: Origin = Origin()
    # Most files (pages, scans) the applicant may attach for it: a limit per material.
    max_pages: int = DEFAULT_MAX_PAGES
    en: Mapping[str, Any] = _english()  # the English beside the Chinese texts (``en:``)


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: str
    type: str = "text"
    choices: tuple[str, ...] = ()
    help: str = ""
    origin: Origin = Origin()
    # number fields: inclusive bounds and the most digits after the point (0: whole)
    minimum: int | float | None = None
    maximum: int | float | None = None
    decimals: int | None = None
    en: Mapping[str, Any] = _english()  # the English beside the Chinese texts (``en:``)


@dataclass(frozen=True)
class TimeLimit:
    """A statutory or promised limit: N working days, N calendar days, or instant."""

    unit: str
    days: int = 0

    @property
    def is_instant(self) -> bool:
        return self.unit == "instant"

    @property
    def working_days(self) -> int:
        """Days to plan with; calendar-day limits are not used for planning."""
        return 0 if self.is_instant else self.days

    def label(self) -> str:
        if self.is_instant:
            return "即办"
        return f"{self.days}个{LIMIT_UNITS[self.unit]}"


@dataclass(frozen=True)
class MaterialRequirement:
    """A material a matter asks for (申请材料)."""

    material: str
    originals: int = 1
    copies: int = 0
    optional: bool = False  # only when a bundle condition includes it
    note: str = ""
    en: Mapping[str, Any] = _english()  # the English beside the Chinese texts (``en:``)


@dataclass(frozen=True)
class MatterField:
    key: str  # the matter's own name for the datum
    required: bool = True


@dataclass(frozen=True)
class AutoDecision:
    """秒批: the matter is approved automatically when every named check passes.

    ``checks`` name entries of ``onething.domain.instant.CHECKS``.
    ``verified_waives`` are materials not asked for when the applicant's
    identity was verified in person (assurance level L3: the ID card read at
    the kiosk, or the original seen at a window).
    ``assurance`` is the level the applicant's account needs before the rule
    runs at all (L2 by default: name and ID number matched against a
    real-name source); below it the case goes to a reviewer.
    """

    checks: tuple[str, ...]
    verified_waives: tuple[str, ...] = ()
    note: str = ""
    assurance: int = 2


#: Who approves an extension (延期): 本行政机关负责人 (the head of the administrative organ,
#: 《行政许可法》第四十二条) or the handling department itself.
EXTENSION_APPROVALS: dict[str, str] = {
    "head": "本行政机关负责人批准",
    "department": "承办部门决定",
}

#: 《行政许可法》第三十二条: a licence application is accepted, refused or sent back for
#: correction within five (working) days of receipt, or it is accepted as of receipt.
LICENCE_ACCEPTANCE_DAYS = 5
#: 《行政许可法》第四十二条: 20 working days, extendable by 10 with the head's approval.
LICENCE_EXTENSION_DAYS = 10


@dataclass(frozen=True)
class ExtensionRule:
    """When a case's limits may be extended (延期) and by whom.

    ``max_days`` is the most all extensions of one case may add together (0: none);
    with ``approval`` "head" the reviewer names the head who approved it.
    """

    max_days: int = 0
    approval: str = "head"
    reason_required: bool = True
    legal_basis: str = ""


def default_extension(kind: str) -> ExtensionRule:
    """Licences: 10 working days with the head's approval (第四十二条); others: none
    unless the catalogue gives a rule with its legal basis."""
    if kind == "licence":
        return ExtensionRule(LICENCE_EXTENSION_DAYS, "head", True,
                             "《中华人民共和国行政许可法》第四十二条")
    return ExtensionRule()


def default_acceptance_limit(kind: str) -> int | None:
    """Working days from receipt after which a licence counts as accepted (视为受理)."""
    return LICENCE_ACCEPTANCE_DAYS if kind == "licence" else None


@dataclass(frozen=True)
class AcceptPending:
    """容缺受理: secondary materials a case of this matter may be accepted without.

    The applicant supplies them within ``within`` working days of acceptance;
    the decision waits for them. ``on_lapse`` says what happens when they do
    not come in time: ``terminate`` (终止办理, the default) or ``refer`` (the
    department decides, usually 不予许可).
    """

    materials: tuple[str, ...]
    within: int
    on_lapse: str = "terminate"
    note: str = ""


@dataclass(frozen=True)
class CommitmentTerms:
    """告知承诺: the commitment an applicant signs so that the matter is decided at once.

    ``text`` is shown in full and signed as it is; ``version`` names the
    wording and :attr:`sha256` fixes it, so a signature always names the exact
    text. The department checks afterwards (事后核查) within ``check_within``
    working days of the decision.
    """

    version: str
    text: str
    check_within: int
    note: str = ""

    @property
    def sha256(self) -> str:
        return commitment_hash(self.text)


def accept_pending_data(rule: AcceptPending | None) -> dict[str, Any]:
    """The rule as stored in the database (``{}`` for none)."""
    if rule is None:
        return {}
    return {"materials": list(rule.materials), "within": rule.within,
            "on_lapse": rule.on_lapse, "note": rule.note}


def accept_pending_from(data: Mapping[str, Any] | None) -> AcceptPending | None:
    if not data or not data.get("materials"):
        return None
    return AcceptPending(tuple(str(m) for m in data["materials"]), int(data.get("within", 0)),
                         str(data.get("on_lapse") or "terminate"), str(data.get("note", "")))


def commitment_data(terms: CommitmentTerms | None) -> dict[str, Any]:
    if terms is None:
        return {}
    return {"version": terms.version, "text": terms.text, "check_within": terms.check_within,
            "note": terms.note}


def commitment_from(data: Mapping[str, Any] | None) -> CommitmentTerms | None:
    if not data or not data.get("text"):
        return None
    return CommitmentTerms(str(data.get("version", "")), str(data["text"]),
                           int(data.get("check_within", 0)), str(data.get("note", "")))


def commitment_hash(text: str) -> str:
    """SHA-256 of a commitment text, the value a signature names."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Matter:
    code: str
    name: str
    kind: str
    department: str
    statutory_limit: TimeLimit
    promised_limit: TimeLimit
    materials: tuple[MaterialRequirement, ...] = ()
    fields: tuple[MatterField, ...] = ()
    issues: str | None = None  # certificate type of the result
    cross_region: bool = False
    online_depth: int = 3
    legal_basis: str = ""
    description: str = ""
    # For the catalogue's maintainers only (what is not yet confirmed, why an entry is
    # shaped as it is); never shown on a public page, PDF or public API field.
    maintainer_note: str = ""
    sources: tuple[str, ...] = ()
    auto_decision: AutoDecision | None = None
    # 受理期限: working days from receipt to accept, refuse or ask for correction, after
    # which the application counts as accepted (None: no deemed acceptance).
    acceptance_limit: int | None = None
    extension: ExtensionRule = ExtensionRule()
    origin: Origin = Origin()
    accept_pending: AcceptPending | None = None  # 容缺受理
    commitment: CommitmentTerms | None = None  # 告知承诺
    en: Mapping[str, Any] = _english()  # the English beside the Chinese texts (``en:``)

    def deferrable(self, material: str) -> bool:
        """Whether ``material`` may follow after acceptance (容缺材料)."""
        return self.accept_pending is not None and material in self.accept_pending.materials


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    default: bool = False
    # With the question's ``field``: the range of that number field this answer
    # stands for, ``at_least`` inclusive and ``below`` exclusive.
    at_least: int | float | None = None
    below: int | float | None = None
    en: Mapping[str, Any] = _english()  # the English beside the Chinese texts (``en:``)

    def admits(self, number: float) -> bool:
        return ((self.at_least is None or number >= self.at_least)
                and (self.below is None or number < self.below))


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    options: tuple[Option, ...]
    help: str = ""
    field: str = ""  # a number field whose value the answer must agree with
    en: Mapping[str, Any] = _english()  # the English beside the Chinese texts (``en:``)

    @property
    def default_option(self) -> str:
        for option in self.options:
            if option.default:
                return option.key
        return self.options[0].key

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class MaterialRef:
    """A material of one matter (or of every matter when ``matter`` is None)."""

    material: str
    matter: str | None = None


@dataclass(frozen=True)
class Condition:
    """Answers that include or exclude matters and materials (情形)."""

    when: tuple[tuple[str, tuple[str, ...]], ...]  # question -> accepted options
    include_matters: tuple[str, ...] = ()
    exclude_matters: tuple[str, ...] = ()
    include_materials: tuple[MaterialRef, ...] = ()
    exclude_materials: tuple[MaterialRef, ...] = ()
    note: str = ""

    def applies(self, answers: Mapping[str, str]) -> bool:
        return all(answers.get(question) in options for question, options in self.when)


@dataclass(frozen=True)
class Dependency:
    """A real dependency: ``matter`` needs a result of ``requires``."""

    matter: str
    requires: str
    receives: str = ""  # what passes over: a certificate type or a datum


@dataclass(frozen=True)
class BundleMember:
    matter: str
    optional: bool = False  # excluded unless a condition includes it


@dataclass(frozen=True)
class Bundle:
    slug: str
    name: str
    category: str
    description: str
    members: tuple[BundleMember, ...]
    questions: tuple[Question, ...] = ()
    conditions: tuple[Condition, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    field_map: tuple[tuple[str, str, str], ...] = ()  # (matter, matter field, form field)
    synonyms: tuple[str, ...] = ()
    lead_department: str | None = None
    lifecycle_stage: str = ""
    batch: str = ""
    status: str = "verified"
    maintainer_note: str = ""  # for maintainers only, never public (see Matter)
    metrics: Mapping[str, Any] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    origin: Origin = Origin()
    # The matter this implicit one-matter bundle stands for (单独申请), see
    # single_matter_bundles; None for the 一件事 of the catalogue files.
    single_matter: str | None = None
    en: Mapping[str, Any] = _english()  # the English beside the Chinese texts (``en:``)

    @property
    def matter_codes(self) -> tuple[str, ...]:
        return tuple(m.matter for m in self.members)

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)


# A single matter applied for on its own (单独申请, e.g. at the any-matter window) goes
# through the same pipeline as a bundle: the loader adds one implicit bundle per matter
# that can be applied for alone, whose slug is this prefix and the matter's code.
SINGLE_MATTER_PREFIX = "matter-"


def single_matter_slug(code: str) -> str:
    """The slug of the implicit one-matter bundle of ``code`` (a slug has no dots)."""
    return SINGLE_MATTER_PREFIX + code.replace(".", "_")


def applicable_alone(matter: Matter) -> bool:
    """A matter can be applied for on its own when the catalogue gives it its own data:
    the materials it asks for or the form fields it needs (else there is nothing to file)."""
    return bool(matter.materials or matter.fields)


def _refs_for(matter: Matter, refs: tuple[MaterialRef, ...], *,
              optional_only: bool) -> tuple[MaterialRef, ...]:
    """The refs of a bundle's condition that touch ``matter``'s own materials (``matter``
    named, or every matter), rewritten to name it; an include only matters for a material
    the matter asks for optionally (按情形提供)."""
    own = {r.material: r.optional for r in matter.materials}
    return tuple(dict.fromkeys(
        MaterialRef(r.material, matter.code) for r in refs
        if r.matter in (None, matter.code) and r.material in own
        and (own[r.material] or not optional_only)))


def single_matter_questions(
    catalog: Catalog, matter: Matter,
) -> tuple[tuple[Question, ...], tuple[Condition, ...]]:
    """The questions that decide ``matter``'s materials when it is applied for alone, and
    the conditions they drive: taken from the bundles that contain it (in slug order),
    each condition narrowed to the matter's own materials (an included matter or another
    matter's material means nothing to a one-matter bundle). A question whose key a
    bundle seen earlier already gives with other options is not taken twice: the later
    bundle's conditions on it are left out (the first bundle's wording stands)."""
    questions: dict[str, Question] = {}
    conditions: list[Condition] = []
    for slug in sorted(catalog.bundles):
        bundle = catalog.bundles[slug]
        if matter.code not in bundle.matter_codes:
            continue
        for condition in bundle.conditions:
            include = _refs_for(matter, condition.include_materials, optional_only=True)
            exclude = _refs_for(matter, condition.exclude_materials, optional_only=False)
            if not include and not exclude:
                continue
            asked = [bundle.question(key) for key, _ in condition.when]
            if any(q is None for q in asked):
                continue  # a condition on an unknown question: catalog check reports it
            taken = [q for q in asked if q is not None]
            if any(q.key in questions and [o.key for o in questions[q.key].options]
                   != [o.key for o in q.options] for q in taken):
                continue
            for q in taken:
                questions.setdefault(q.key, q)
            narrowed = Condition(when=condition.when, include_materials=include,
                                 exclude_materials=exclude, note=condition.note)
            if narrowed not in conditions:
                conditions.append(narrowed)
    return tuple(questions.values()), tuple(conditions)


def single_matter_bundles(catalog: Catalog) -> list[Bundle]:
    """One implicit bundle per matter applicable alone: the matter as its only member,
    the questions (and conditions) of the bundles containing it that decide its own
    materials (single_matter_questions: 居住证 alone still asks whether the home is
    rented, which asks for the registered tenancy agreement), its department as the
    lead, its category that of the first bundle it belongs to (personal when none)."""
    categories: dict[str, str] = {}
    for bundle in catalog.bundles.values():
        for code in bundle.matter_codes:
            categories.setdefault(code, bundle.category)
    singles = []
    for m in catalog.matters.values():
        if not applicable_alone(m):
            continue
        questions, conditions = single_matter_questions(catalog, m)
        singles.append(Bundle(
            slug=single_matter_slug(m.code), name=m.name,
            category=categories.get(m.code, "personal"), description=m.description,
            members=(BundleMember(m.code),), questions=questions, conditions=conditions,
            lead_department=m.department, status="verified", maintainer_note=m.maintainer_note,
            sources=m.sources, origin=m.origin, single_matter=m.code,
            en={k: v for k, v in m.en.items() if k in ("name", "description")}))
    return singles


@dataclass(frozen=True)
class Scenario:
    slug: str
    title: str
    bundle: str
    answers: tuple[tuple[str, str], ...] = ()
    description: str = ""
    synonyms: tuple[str, ...] = ()
    origin: Origin = Origin()
    en: Mapping[str, Any] = _english()  # the English beside the Chinese texts (``en:``)


@dataclass(frozen=True)
class CalendarYear:
    """A year's holiday notice, for years the chinese-calendar package lacks."""

    year: int
    source: str
    holidays: tuple[dt.date, ...] = ()
    workdays: tuple[dt.date, ...] = ()  # make-up working days (调休)
    origin: Origin = Origin()


@dataclass(frozen=True)
class KnownPeak:
    """A known peak of demand at the halls (已知高峰), e.g. 入学 ×3.5 on 教育入学 in
    July–August: a factor on the arrivals of the halls' ticket categories named in
    ``categories`` or belonging to ``departments`` (neither: every category). A hall's own
    peak of the same name replaces it there (docs/hall.md)."""

    key: str
    name: str
    factor: float
    months: tuple[int, ...]
    categories: tuple[str, ...] = ()  # ticket category names (取号类别名称)
    departments: tuple[str, ...] = ()  # department codes
    origin: Origin = Origin()
    en: Mapping[str, Any] = _english()  # the English beside the Chinese texts (``en:``)


MAX_PEAK_FACTOR = 20


@dataclass
class Catalog:
    regions: dict[str, Region] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    certificate_types: dict[str, CertificateType] = field(default_factory=dict)
    materials: dict[str, Material] = field(default_factory=dict)
    fields: dict[str, FieldDef] = field(default_factory=dict)
    matters: dict[str, Matter] = field(default_factory=dict)
    bundles: dict[str, Bundle] = field(default_factory=dict)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    calendar: dict[int, CalendarYear] = field(default_factory=dict)
    peaks: dict[str, KnownPeak] = field(default_factory=dict)


# --------------------------------------------------------------------------
# Reading


SECTIONS = (
    "regions",
    "departments",
    "certificate_types",
    "materials",
    "fields",
    "matters",
    "bundles",
    "scenarios",
    "calendar",
    "peaks",
)


# section -> (what a duplicate is called, the attribute that keys it)
_SECTION_KEYS: dict[str, tuple[str, str]] = {
    "regions": ("region code", "code"),
    "departments": ("department code", "code"),
    "certificate_types": ("certificate type", "key"),
    "materials": ("material key", "key"),
    "fields": ("field key", "key"),
    "matters": ("matter code", "code"),
    "bundles": ("bundle slug", "slug"),
    "scenarios": ("scenario slug", "slug"),
    "calendar": ("calendar year", "year"),
    "peaks": ("peak key", "key"),
}


class _Reader:
    """Turns YAML mappings into specs, collecting problems instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.file = ""

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    # -- generic helpers -------------------------------------------------

    def mapping(self, value: Any, line: int, what: str) -> LineDict | None:
        if isinstance(value, LineDict):
            return value
        self.problem(line, f"{what} must be a mapping of key: value")
        return None

    def keys(self, entry: LineDict, required: Iterable[str], optional: Iterable[str],
             what: str) -> bool:
        required = tuple(required)
        allowed = set(required) | set(optional)
        ok = True
        for key in entry:
            if key not in allowed:
                self.problem(entry.line_of(key), f"{what}: unknown key '{key}' "
                             f"(allowed: {', '.join(sorted(allowed))})")
        for key in required:
            if key not in entry or entry[key] in (None, ""):
                self.problem(entry.line, f"{what}: missing '{key}'")
                ok = False
        return ok

    def text(self, entry: LineDict, key: str, default: str = "") -> str:
        value = entry.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) or isinstance(value, (LineDict, LineList)):
            self.problem(entry.line_of(key), f"'{key}' must be text")
            return default
        return str(value).strip()

    def boolean(self, entry: LineDict, key: str, default: bool = False) -> bool:
        value = entry.get(key, default)
        if not isinstance(value, bool):
            self.problem(entry.line_of(key), f"'{key}' must be true or false")
            return default
        return value

    def integer(self, entry: LineDict, key: str, default: int) -> int:
        value = entry.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(entry.line_of(key), f"'{key}' must be a whole number")
            return default
        return value

    def number(self, entry: LineDict, key: str) -> int | float | None:
        """An optional finite number (a bound of a number field or of an option)."""
        value = entry.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value \
                or value in (float("inf"), float("-inf")):
            self.problem(entry.line_of(key), f"'{key}' must be a finite number")
            return None
        return value

    def text_list(self, entry: LineDict, key: str) -> tuple[str, ...]:
        value = entry.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value.strip(),)
        if not isinstance(value, LineList) or not all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in value
        ):
            self.problem(entry.line_of(key), f"'{key}' must be a list of text")
            return ()
        return tuple(str(v).strip() for v in value)

    def english(self, entry: LineDict, what: str) -> dict[str, Any]:
        """The entry's ``en:`` mapping: English for the texts ``TRANSLATABLE[what]``."""
        raw = entry.get("en")
        if raw is None:
            return {}
        mapping = self.mapping(raw, entry.line_of("en"), f"{what}: 'en'")
        if mapping is None:
            return {}
        allowed = TRANSLATABLE[what]
        english: dict[str, Any] = {}
        for key, value in mapping.items():
            line = mapping.line_of(key)
            if key not in allowed:
                self.problem(line, f"{what}: 'en' has no text '{key}' to translate "
                             f"(allowed: {', '.join(allowed)})")
            elif key not in entry or entry[key] in (None, ""):
                self.problem(line, f"{what}: 'en.{key}' translates a '{key}' the entry "
                             "does not have")
            elif key == "choices":
                choices = self.mapping(value, line, f"{what}: 'en.choices'")
                if choices is not None:
                    english[key] = {str(k).strip(): str(v).strip() for k, v in choices.items()}
            elif isinstance(value, str | int | float) and not isinstance(value, bool) \
                    and str(value).strip():
                english[key] = str(value).strip()
            else:
                self.problem(line, f"{what}: 'en.{key}' must be text")
        return english

    def identifier(self, entry: LineDict, key: str, pattern: re.Pattern[str], what: str) -> str:
        value = self.text(entry, key)
        if value and not pattern.match(value):
            self.problem(entry.line_of(key), f"{what} '{value}' is not a valid identifier "
                         "(letters, digits, '-', '_' or '.', at most 64)")
        return value

    # -- sections ----------------------------------------------------------

    def regions(self, items: LineList) -> Iterable[Region]:
        for i, raw in enumerate(items):
            entry = self.mapping(raw, items.line_of(i), "region")
            if entry is None or not self.keys(entry, ("code", "name"), ("parent", "en"),
                                              "region"):
                continue
            parent = self.text(entry, "parent") or None
            yield Region(self.text(entry, "code"), self.text(entry, "name"), parent,
                         Origin(self.file, entry.line), self.english(entry, "region"))

    def departments(self, items: LineList) -> Iterable[Department]:
        for i, raw in enumerate(items):
            entry = self.mapping(raw, items.line_of(i), "department")
            if entry is None or not self.keys(
                entry, ("code", "name", "region"), ("kind", "short_name", "en"), "department"
            ):
                continue
            kind = self.text(entry, "kind", "government")
            if kind not in DEPARTMENT_KINDS:
                self.problem(entry.line_of("kind"), f"department kind '{kind}' is not one of "
                             f"{', '.join(DEPARTMENT_KINDS)}")
            yield Department(
                code=self.identifier(entry, "code", _CODE_RE, "department code"),
                name=self.text(entry, "name"),
                region=self.text(entry, "region"),
                kind=kind,
                short_name=self.text(entry, "short_name"),
                origin=Origin(self.file, entry.line),
                en=self.english(entry, "department"),
            )

    def certificate_types(self, items: LineList) -> Iterable[CertificateType]:
        for i, raw in enumerate(items):
            entry = self.mapping(raw, items.line_of(i), "certificate type")
            if entry is None or not self.keys(
                entry, ("key", "name", "holder", "validity"),
                ("issuer_note", "fields", "layout", "en"), "certificate type",
            ):
                continue
            key = self.identifier(entry, "key", _KEY_RE, "certificate type key")
            holder = self.text(entry, "holder")
            if holder not in HOLDER_KINDS:
                self.problem(entry.line_of("holder"), f"certificate type '{key}': holder must "
                             f"be one of {', '.join(HOLDER_KINDS)}")
            layout = self.text(entry, "layout") or "certificate"
            if layout not in LAYOUTS:
                self.problem(entry.line_of("layout"), f"certificate type '{key}': layout must "
                             f"be one of {', '.join(LAYOUTS)}")
            yield CertificateType(
                key, self.text(entry, "name"), self.text(entry, "issuer_note"),
                self.certificate_fields(entry, key), holder,
                self.validity(entry, key), layout, Origin(self.file, entry.line),
                self.english(entry, "certificate type"),
            )

    def certificate_fields(self, entry: LineDict, ctype: str) -> tuple[CertificateField, ...]:
        """``fields``: a field-dictionary key (its label is printed), or
        ``{key, label, source}`` (label required when the key is not in the dictionary)."""
        raw = entry.get("fields")
        if raw is None:
            return ()
        if not isinstance(raw, LineList):
            self.problem(entry.line_of("fields"), f"certificate type '{ctype}': 'fields' must "
                         "be a list")
            return ()
        result: list[CertificateField] = []
        for i, item in enumerate(raw):
            if isinstance(item, str):
                result.append(CertificateField(item.strip(), ""))
                continue
            spec = self.mapping(item, raw.line_of(i), f"certificate type '{ctype}' field")
            if spec is None or not self.keys(spec, ("key",), ("label", "source"),
                                             f"certificate type '{ctype}' field"):
                continue
            source = self.text(spec, "source") or "form"
            if source not in FIELD_SOURCES:
                self.problem(spec.line_of("source"), f"certificate type '{ctype}': field "
                             f"source must be one of {', '.join(FIELD_SOURCES)}")
            result.append(CertificateField(self.text(spec, "key"), self.text(spec, "label"),
                                            source))
        return tuple(result)

    def validity(self, entry: LineDict, ctype: str) -> Validity:
        """``validity``: ``long-term``, ``register`` (a date the register records), or
        ``{years: N, months: N, days: N}`` (a fixed term from the day of issue)."""
        raw = entry.get("validity")
        if isinstance(raw, str) and raw.strip() in (LONG_TERM, REGISTER):
            return Validity(raw.strip())
        if isinstance(raw, LineDict) and self.keys(raw, (), ("years", "months", "days"),
                                                   f"certificate type '{ctype}' validity"):
            term = Validity(FIXED_TERM, self.integer(raw, "years", 0),
                            self.integer(raw, "months", 0), self.integer(raw, "days", 0))
            if min(term.years, term.months, term.days) < 0 or not (
                    term.years or term.months or term.days):
                self.problem(entry.line_of("validity"), f"certificate type '{ctype}': a fixed "
                             "term needs a positive number of years, months or days")
            return term
        self.problem(entry.line_of("validity"), f"certificate type '{ctype}': validity must "
                     f"be {LONG_TERM}, {REGISTER} or {{years: N, months: N, days: N}}")
        return Validity()

    def materials(self, items: LineList) -> Iterable[Material]:
        for i, raw in enumerate(items):
            entry = self.mapping(raw, items.line_of(i), "material")
            if entry is None or not self.keys(
                entry, ("key", "name"), ("description", "certificate", "max_pages", "en"),
                "material"
            ):
                continue
            yield Material(
                key=self.identifier(entry, "key", _KEY_RE, "material key"),
                name=self.text(entry, "name"),
                description=self.text(entry, "description"),
                certificate=self.text(entry, "certificate") or None,
                origin=Origin(self.file, entry.line),
                max_pages=self.integer(entry, "max_pages", DEFAULT_MAX_PAGES),
                en=self.english(entry, "material"),
            )

    def fields(self, items: LineList) -> Iterable[FieldDef]:
        for i, raw in enumerate(items):
            entry = self.mapping(raw, items.line_of(i), "field")
            if entry is None or not self.keys(
                entry, ("key", "label"),
                ("type", "choices", "help", "min", "max", "decimals", "en"),
                "field"
            ):
                continue
            type_ = self.text(entry, "type", "text")
            if type_ not in FIELD_TYPES:
                self.problem(entry.line_of("type"), f"field type '{type_}' is not one of "
                             f"{', '.join(FIELD_TYPES)}")
            choices = self.text_list(entry, "choices")
            if type_ == "choice" and not choices:
                self.problem(entry.line, f"field '{entry.get('key')}' of type choice "
                             "needs 'choices'")
            minimum, maximum, decimals = self.number_bounds(entry, type_)
            english = self.english(entry, "field")
            for choice in english.get("choices", {}):
                if choice not in choices:
                    self.problem(entry.line_of("en"), f"field '{entry.get('key')}': 'en.choices' "
                                 f"translates '{choice}', which is not one of its choices")
            yield FieldDef(
                key=self.identifier(entry, "key", _KEY_RE, "field key"),
                label=self.text(entry, "label"),
                type=type_,
                choices=choices,
                help=self.text(entry, "help"),
                origin=Origin(self.file, entry.line),
                minimum=minimum,
                maximum=maximum,
                decimals=decimals,
                en=english,
            )

    def number_bounds(self, entry: LineDict, type_: str
                      ) -> tuple[int | float | None, int | float | None, int | None]:
        """``min``, ``max`` and ``decimals`` of a number field, each optional."""
        given = [key for key in ("min", "max", "decimals") if key in entry]
        if given and type_ != "number":
            self.problem(entry.line_of(given[0]), f"'{given[0]}' applies only to fields of "
                         f"type number, not {type_}")
            return None, None, None
        minimum, maximum = self.number(entry, "min"), self.number(entry, "max")
        decimals = None
        if "decimals" in entry:
            decimals = self.integer(entry, "decimals", 0)
            if not 0 <= decimals <= MAX_DECIMALS:
                self.problem(entry.line_of("decimals"), f"'decimals' must be 0 to "
                             f"{MAX_DECIMALS} (digits after the point; 0 for whole numbers)")
                decimals = None
        if minimum is not None and maximum is not None and minimum > maximum:
            self.problem(entry.line_of("max"), f"'max' ({maximum}) is below 'min' ({minimum})")
        if decimals is not None:
            for key, bound in (("min", minimum), ("max", maximum)):
                if bound is not None and round(bound, decimals) != bound:
                    self.problem(entry.line_of(key), f"'{key}' ({bound}) has more than "
                                 f"{decimals} decimal places")
        return minimum, maximum, decimals

    def time_limit(self, entry: LineDict, key: str) -> TimeLimit:
        value = entry.get(key)
        line = entry.line_of(key)
        if value == "instant" or value == "即办":
            return TimeLimit("instant")
        if isinstance(value, int) and not isinstance(value, bool):
            if value == 0:
                return TimeLimit("instant")
            if value < 0:
                self.problem(line, f"'{key}' must be positive working days or 'instant', "
                             f"not {value}")
                return TimeLimit("instant")
            return TimeLimit("working_days", value)
        if isinstance(value, LineDict):
            self.keys(value, ("unit",), ("days", "note"), key)
            unit = self.text(value, "unit")
            if unit not in LIMIT_UNITS:
                self.problem(value.line_of("unit"), f"{key} unit '{unit}' is not one of "
                             f"{', '.join(LIMIT_UNITS)}")
                return TimeLimit("instant")
            if unit == "instant":
                return TimeLimit("instant")
            days = self.integer(value, "days", 0)
            if days <= 0:
                self.problem(value.line_of("days"), f"'{key}' must be a positive number of "
                             f"days, not {days}")
            return TimeLimit(unit, days)
        self.problem(line, f"'{key}' must be a number of working days, 'instant', "
                     "or {days: N, unit: working_days|days}")
        return TimeLimit("instant")

    def matters(self, items: LineList) -> Iterable[Matter]:
        for i, raw in enumerate(items):
            entry = self.mapping(raw, items.line_of(i), "matter")
            if entry is None or not self.keys(
                entry,
                ("code", "name", "kind", "department", "statutory_limit", "promised_limit"),
                ("materials", "fields", "issues", "cross_region", "online_depth",
                 "legal_basis", "description", "maintainer_note", "uncertain", "sources",
                 "auto_decision",
                 "acceptance_limit", "extension", "accept_pending", "commitment", "en"),
                "matter",
            ):
                continue
            code = self.identifier(entry, "code", _CODE_RE, "matter code")
            kind = self.text(entry, "kind")
            kind = _KIND_BY_LABEL.get(kind, kind)
            if kind not in MATTER_KINDS:
                self.problem(entry.line_of("kind"), f"matter kind '{kind}' is not one of "
                             f"{', '.join(MATTER_KINDS)} ({'/'.join(MATTER_KINDS.values())})")
            statutory = self.time_limit(entry, "statutory_limit")
            promised = self.time_limit(entry, "promised_limit")
            for message in limit_problems(statutory, promised, each=False):
                self.problem(entry.line_of("promised_limit"), message)
            depth = self.integer(entry, "online_depth", 3)
            if depth not in ONLINE_DEPTHS:
                self.problem(entry.line_of("online_depth"), "online_depth must be 1, 2, 3 or 4")
            yield Matter(
                code=code,
                name=self.text(entry, "name"),
                kind=kind,
                department=self.text(entry, "department"),
                statutory_limit=statutory,
                promised_limit=promised,
                materials=tuple(self.requirements(entry)),
                fields=tuple(self.matter_fields(entry)),
                issues=self.text(entry, "issues") or None,
                cross_region=self.boolean(entry, "cross_region"),
                online_depth=depth,
                legal_basis=self.text(entry, "legal_basis"),
                description=self.text(entry, "description"),
                maintainer_note=self.maintainer_note(entry),
                sources=self.text_list(entry, "sources"),
                auto_decision=self.auto_decision(entry),
                acceptance_limit=self.acceptance_limit(entry, kind),
                extension=self.extension(entry, kind, statutory),
                origin=Origin(self.file, entry.line),
                accept_pending=self.accept_pending(entry),
                commitment=self.commitment(entry),
                en=self.english(entry, "matter"),
            )

    def maintainer_note(self, entry: LineDict) -> str:
        """``maintainer_note`` (``uncertain``, its former name, is read as the same)."""
        return self.text(entry, "maintainer_note") or self.text(entry, "uncertain")

    def acceptance_limit(self, matter: LineDict, kind: str) -> int | None:
        """受理期限 in working days; licences at most five (《行政许可法》第三十二条)."""
        if "acceptance_limit" not in matter:
            return default_acceptance_limit(kind)
        value = matter["acceptance_limit"]
        line = matter.line_of("acceptance_limit")
        if value in ("none", None) and kind != "licence":
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            self.problem(line, "acceptance_limit must be a positive number of working days"
                         + ("" if kind == "licence" else " or 'none'") + f", not {value!r}")
            return default_acceptance_limit(kind)
        if kind == "licence" and value > LICENCE_ACCEPTANCE_DAYS:
            self.problem(line, f"acceptance_limit of a licence is at most "
                         f"{LICENCE_ACCEPTANCE_DAYS} working days (《行政许可法》第三十二条), "
                         f"not {value}")
            return LICENCE_ACCEPTANCE_DAYS
        return value

    def extension(self, matter: LineDict, kind: str, statutory: TimeLimit) -> ExtensionRule:
        """延期: the most days, who approves, whether a reason is needed, the basis."""
        default = default_extension(kind)
        if "extension" not in matter:
            return default
        if matter["extension"] in ("none", None):
            if kind == "licence":
                self.problem(matter.line_of("extension"), "a licence may always be extended "
                             "as 《行政许可法》第四十二条 allows; give a rule or leave it out")
                return default
            return ExtensionRule()
        entry = self.mapping(matter["extension"], matter.line_of("extension"), "extension")
        if entry is None or not self.keys(entry, ("max_days",),
                                          ("approval", "reason_required", "legal_basis"),
                                          "extension"):
            return default
        max_days = self.integer(entry, "max_days", 0)
        if max_days < 0:
            self.problem(entry.line_of("max_days"), f"extension max_days must not be "
                         f"negative, not {max_days}")
            max_days = 0
        approval = self.text(entry, "approval", default.approval)
        if approval not in EXTENSION_APPROVALS:
            self.problem(entry.line_of("approval"), f"extension approval '{approval}' is not "
                         f"one of {', '.join(EXTENSION_APPROVALS)}")
            approval = default.approval
        reason_required = self.boolean(entry, "reason_required", True)
        legal_basis = self.text(entry, "legal_basis", default.legal_basis)
        if kind == "licence":
            if not reason_required:
                self.problem(entry.line_of("reason_required"), "a licence's extension needs a "
                             "reason told to the applicant (《行政许可法》第四十二条)")
                reason_required = True
            if (max_days > LICENCE_EXTENSION_DAYS and statutory.unit == "working_days"
                    and "legal_basis" not in entry):
                self.problem(entry.line_of("max_days"), f"a licence's extension is at most "
                             f"{LICENCE_EXTENSION_DAYS} working days (《行政许可法》第四十二条) "
                             "unless another law allows more: name it in legal_basis")
        if max_days > 0 and not legal_basis:
            self.problem(entry.line, "an extension rule needs its legal_basis")
        return ExtensionRule(max_days, approval, reason_required, legal_basis)
    def procedure_days(self, entry: LineDict, key: str, what: str) -> int:
        days = self.integer(entry, key, 0)
        if not 0 < days <= MAX_PROCEDURE_DAYS:
            self.problem(entry.line_of(key), f"{what}: '{key}' must be 1 to "
                         f"{MAX_PROCEDURE_DAYS} working days, not {days}")
        return days

    def accept_pending(self, matter: LineDict) -> AcceptPending | None:
        if "accept_pending" not in matter:
            return None
        entry = self.mapping(matter["accept_pending"], matter.line_of("accept_pending"),
                             "accept_pending")
        if entry is None or not self.keys(entry, ("materials", "within"),
                                          ("on_lapse", "note"), "accept_pending"):
            return None
        materials = self.text_list(entry, "materials")
        on_lapse = self.text(entry, "on_lapse", "terminate")
        if on_lapse not in LAPSE_RULES:
            self.problem(entry.line_of("on_lapse"), f"accept_pending: 'on_lapse' must be one "
                         f"of {', '.join(LAPSE_RULES)}, not '{on_lapse}'")
        return AcceptPending(materials=materials,
                             within=self.procedure_days(entry, "within", "accept_pending"),
                             on_lapse=on_lapse, note=self.text(entry, "note"))

    def commitment(self, matter: LineDict) -> CommitmentTerms | None:
        if "commitment" not in matter:
            return None
        entry = self.mapping(matter["commitment"], matter.line_of("commitment"), "commitment")
        if entry is None or not self.keys(entry, ("version", "text", "check_within"),
                                          ("note",), "commitment"):
            return None
        version = self.text(entry, "version")
        if len(version) > 32:
            self.problem(entry.line_of("version"), "commitment: 'version' is at most 32 "
                         "characters")
        text = self.text(entry, "text")
        if len(text) > MAX_COMMITMENT_TEXT:
            self.problem(entry.line_of("text"), f"commitment: 'text' is at most "
                         f"{MAX_COMMITMENT_TEXT} characters")
        return CommitmentTerms(version=version, text=text,
                               check_within=self.procedure_days(entry, "check_within",
                                                                "commitment"),
                               note=self.text(entry, "note"))

    def auto_decision(self, matter: LineDict) -> AutoDecision | None:
        if "auto_decision" not in matter:
            return None
        entry = self.mapping(matter["auto_decision"], matter.line_of("auto_decision"),
                             "auto_decision")
        if entry is None or not self.keys(entry, ("checks",),
                                          ("verified_waives", "note", "assurance"),
                                          "auto_decision"):
            return None
        checks = self.text_list(entry, "checks")
        if not checks:
            self.problem(entry.line_of("checks"), "auto_decision: 'checks' must name at least "
                         "one check")
        assurance = int(DEFAULT_AUTO_DECISION_LEVEL)
        if "assurance" in entry:
            try:
                assurance = int(parse_level(entry["assurance"]))
            except ValueError:
                assurance = 0
            if assurance < DEFAULT_AUTO_DECISION_LEVEL:
                self.problem(entry.line_of("assurance"), "auto_decision: 'assurance' must be L2 "
                             f"or L3 (an automatic decision never runs below L2), not "
                             f"{entry['assurance']!r}")
                assurance = int(DEFAULT_AUTO_DECISION_LEVEL)
        return AutoDecision(checks=checks, verified_waives=self.text_list(entry, "verified_waives"),
                            note=self.text(entry, "note"), assurance=assurance)

    def requirements(self, matter: LineDict) -> Iterable[MaterialRequirement]:
        items = matter.get("materials") or LineList()
        if not isinstance(items, LineList):
            self.problem(matter.line_of("materials"), "'materials' must be a list")
            return
        for i, raw in enumerate(items):
            if isinstance(raw, str):
                yield MaterialRequirement(raw.strip())
                continue
            entry = self.mapping(raw, items.line_of(i), "material requirement")
            if entry is None or not self.keys(
                entry, ("material",), ("originals", "copies", "optional", "note", "en"),
                "material requirement",
            ):
                continue
            originals = self.integer(entry, "originals", 1)
            copies = self.integer(entry, "copies", 0)
            if originals < 0 or copies < 0 or originals + copies == 0:
                self.problem(entry.line, "a material needs at least one original or copy")
            yield MaterialRequirement(
                material=self.text(entry, "material"),
                originals=originals,
                copies=copies,
                optional=self.boolean(entry, "optional"),
                note=self.text(entry, "note"),
                en=self.english(entry, "material requirement"),
            )

    def matter_fields(self, matter: LineDict) -> Iterable[MatterField]:
        items = matter.get("fields") or LineList()
        if not isinstance(items, LineList):
            self.problem(matter.line_of("fields"), "'fields' must be a list")
            return
        for i, raw in enumerate(items):
            if isinstance(raw, str):
                yield MatterField(raw.strip())
                continue
            entry = self.mapping(raw, items.line_of(i), "matter field")
            if entry is None or not self.keys(entry, ("key",), ("required",), "matter field"):
                continue
            yield MatterField(self.text(entry, "key"), self.boolean(entry, "required", True))

    def questions(self, bundle: LineDict) -> Iterable[tuple[Question, int]]:
        items = bundle.get("questions") or LineList()
        if not isinstance(items, LineList):
            self.problem(bundle.line_of("questions"), "'questions' must be a list")
            return
        for i, raw in enumerate(items):
            entry = self.mapping(raw, items.line_of(i), "question")
            if entry is None or not self.keys(entry, ("key", "text", "options"),
                                              ("help", "field", "en"), "question"):
                continue
            key = self.identifier(entry, "key", _KEY_RE, "question key")
            options: list[Option] = []
            raw_options = entry["options"]
            if not isinstance(raw_options, LineList) or len(raw_options) < 2:
                self.problem(entry.line_of("options"),
                             f"question '{key}' needs a list of at least two options")
                continue
            seen: set[str] = set()
            for j, raw_option in enumerate(raw_options):
                opt = self.mapping(raw_option, raw_options.line_of(j), "option")
                if opt is None or not self.keys(opt, ("key", "label"),
                                                ("default", "at_least", "below", "en"),
                                                "option"):
                    continue
                okey = self.identifier(opt, "key", _KEY_RE, "option key")
                if okey in seen:
                    self.problem(opt.line_of("key"), f"question '{key}': duplicate option "
                                 f"'{okey}'")
                seen.add(okey)
                at_least, below = self.number(opt, "at_least"), self.number(opt, "below")
                if at_least is not None and below is not None and at_least >= below:
                    self.problem(opt.line_of("below"), f"option '{okey}': 'below' ({below}) "
                                 f"must be greater than 'at_least' ({at_least})")
                options.append(Option(okey, self.text(opt, "label"),
                                      self.boolean(opt, "default"), at_least, below,
                                      self.english(opt, "option")))
            defaults = [o.key for o in options if o.default]
            if len(defaults) != 1:
                self.problem(entry.line, f"question '{key}' must mark exactly one option "
                             f"'default: true' (the common case), found {len(defaults)}")
            yield Question(key, self.text(entry, "text"), tuple(options),
                           self.text(entry, "help"), self.text(entry, "field"),
                           self.english(entry, "question")), \
                entry.line_of("field") if "field" in entry else entry.line

    def material_refs(self, entry: LineDict, key: str) -> tuple[MaterialRef, ...]:
        items = entry.get(key)
        if items is None:
            return ()
        if not isinstance(items, LineList):
            self.problem(entry.line_of(key), f"'{key}' must be a list")
            return ()
        refs = []
        for i, raw in enumerate(items):
            if isinstance(raw, str):
                refs.append(MaterialRef(raw.strip()))
                continue
            ref = self.mapping(raw, items.line_of(i), key)
            if ref is None or not self.keys(ref, ("material",), ("matter",), key):
                continue
            refs.append(MaterialRef(self.text(ref, "material"), self.text(ref, "matter") or None))
        return tuple(refs)

    def conditions(self, bundle: LineDict) -> Iterable[tuple[Condition, int]]:
        items = bundle.get("conditions") or LineList()
        if not isinstance(items, LineList):
            self.problem(bundle.line_of("conditions"), "'conditions' must be a list")
            return
        for i, raw in enumerate(items):
            entry = self.mapping(raw, items.line_of(i), "condition")
            if entry is None or not self.keys(
                entry, ("when",),
                ("include_matters", "exclude_matters", "include_materials",
                 "exclude_materials", "note"),
                "condition",
            ):
                continue
            when = self.mapping(entry["when"], entry.line_of("when"), "'when'")
            if when is None:
                continue
            pairs = []
            for question, accepted in when.items():
                if isinstance(accepted, LineList):
                    options = tuple(str(o) for o in accepted)
                else:
                    options = (str(accepted),)
                pairs.append((question, options))
            condition = Condition(
                when=tuple(pairs),
                include_matters=self.text_list(entry, "include_matters"),
                exclude_matters=self.text_list(entry, "exclude_matters"),
                include_materials=self.material_refs(entry, "include_materials"),
                exclude_materials=self.material_refs(entry, "exclude_materials"),
                note=self.text(entry, "note"),
            )
            if not any((condition.include_matters, condition.exclude_matters,
                        condition.include_materials, condition.exclude_materials)):
                self.problem(entry.line, "condition changes nothing: give include_/exclude_ "
                             "matters or materials")
            yield condition, entry.line

    def bundles(self, items: LineList) -> Iterable[tuple[Bundle, dict[str, Any]]]:
        for i, raw in enumerate(items):
            entry = self.mapping(raw, items.line_of(i), "bundle")
            if entry is None or not self.keys(
                entry, ("slug", "name", "category", "description"),
                ("matters", "questions", "conditions", "dependencies", "field_map",
                 "synonyms", "lead_department", "lifecycle_stage", "batch", "status",
                 "maintainer_note", "uncertain", "metrics", "sources", "en"),
                "bundle",
            ):
                continue
            slug = self.identifier(entry, "slug", _KEY_RE, "bundle slug")
            category = self.text(entry, "category")
            if category not in BUNDLE_CATEGORIES:
                self.problem(entry.line_of("category"), f"bundle category '{category}' is not "
                             f"one of {', '.join(BUNDLE_CATEGORIES)}")
            status = self.text(entry, "status", "verified")
            if status not in VERIFICATION_STATUSES:
                self.problem(entry.line_of("status"), f"status '{status}' is not one of "
                             f"{', '.join(VERIFICATION_STATUSES)}")
            lines: dict[str, Any] = {"entry": entry}

            members: list[BundleMember] = []
            raw_members = entry.get("matters")
            member_lines: list[int] = []
            if raw_members is not None and not isinstance(raw_members, LineList):
                self.problem(entry.line_of("matters"), "'matters' must be a list")
            member_list = raw_members if isinstance(raw_members, LineList) else LineList()
            for j, raw_member in enumerate(member_list):
                line = member_list.line_of(j)
                if isinstance(raw_member, str):
                    members.append(BundleMember(raw_member.strip()))
                    member_lines.append(line)
                    continue
                member = self.mapping(raw_member, line, "bundle member")
                if member is None or not self.keys(member, ("matter",), ("optional",),
                                                   "bundle member"):
                    continue
                members.append(BundleMember(self.text(member, "matter"),
                                            self.boolean(member, "optional")))
                member_lines.append(line)
            lines["members"] = member_lines

            dependencies: list[Dependency] = []
            dep_lines: list[int] = []
            raw_deps = entry.get("dependencies") or LineList()
            if not isinstance(raw_deps, LineList):
                self.problem(entry.line_of("dependencies"), "'dependencies' must be a list")
                raw_deps = LineList()
            for j, raw_dep in enumerate(raw_deps):
                dep = self.mapping(raw_dep, raw_deps.line_of(j), "dependency")
                if dep is None or not self.keys(dep, ("matter", "requires"), ("receives",),
                                                "dependency"):
                    continue
                dependencies.append(Dependency(self.text(dep, "matter"),
                                               self.text(dep, "requires"),
                                               self.text(dep, "receives")))
                dep_lines.append(dep.line)
            lines["dependencies"] = dep_lines

            field_map: list[tuple[str, str, str]] = []
            raw_map = entry.get("field_map")
            if raw_map is not None:
                mapping = self.mapping(raw_map, entry.line_of("field_map"), "'field_map'")
                if mapping is not None:
                    for source, target in mapping.items():
                        matter, _, local = source.partition(".")
                        if not local:
                            self.problem(mapping.line_of(source), f"field_map key '{source}' "
                                         "must be MATTER_CODE.field_key")
                            continue
                        field_map.append((matter, local, str(target)))
                lines["field_map"] = mapping

            questions = list(self.questions(entry))
            lines["questions"] = [line for _, line in questions]
            conditions = list(self.conditions(entry))
            lines["conditions"] = [line for _, line in conditions]
            metrics = entry.get("metrics") or {}
            yield Bundle(
                slug=slug,
                name=self.text(entry, "name"),
                category=category,
                description=self.text(entry, "description"),
                members=tuple(members),
                questions=tuple(q for q, _ in questions),
                conditions=tuple(c for c, _ in conditions),
                dependencies=tuple(dependencies),
                field_map=tuple(field_map),
                synonyms=self.text_list(entry, "synonyms"),
                lead_department=self.text(entry, "lead_department") or None,
                lifecycle_stage=self.text(entry, "lifecycle_stage"),
                batch=self.text(entry, "batch"),
                status=status,
                maintainer_note=self.maintainer_note(entry),
                metrics=_plain(metrics),
                sources=self.text_list(entry, "sources"),
                origin=Origin(self.file, entry.line),
                en=self.english(entry, "bundle"),
            ), lines

    def scenarios(self, items: LineList) -> Iterable[tuple[Scenario, LineDict]]:
        for i, raw in enumerate(items):
            entry = self.mapping(raw, items.line_of(i), "scenario")
            if entry is None or not self.keys(
                entry, ("slug", "title", "bundle"), ("answers", "description", "synonyms", "en"),
                "scenario",
            ):
                continue
            answers: dict[str, Any] = self.mapping(
                entry.get("answers") or LineDict(), entry.line_of("answers"), "'answers'") or {}
            yield Scenario(
                slug=self.identifier(entry, "slug", _KEY_RE, "scenario slug"),
                title=self.text(entry, "title"),
                bundle=self.text(entry, "bundle"),
                answers=tuple((str(k), str(v)) for k, v in answers.items()),
                description=self.text(entry, "description"),
                synonyms=self.text_list(entry, "synonyms"),
                origin=Origin(self.file, entry.line),
                en=self.english(entry, "scenario"),
            ), entry

    def calendar(self, items: LineList) -> Iterable[CalendarYear]:
        for i, raw in enumerate(items):
            entry = self.mapping(raw, items.line_of(i), "calendar year")
            if entry is None or not self.keys(entry, ("year", "source"),
                                              ("holidays", "workdays"), "calendar year"):
                continue
            year = self.integer(entry, "year", 0)
            days: dict[str, tuple[dt.date, ...]] = {}
            for key in ("holidays", "workdays"):
                values = entry.get(key) or LineList()
                good = []
                for j, value in enumerate(values if isinstance(values, LineList) else ()):
                    line = values.line_of(j)
                    if not isinstance(value, dt.date):
                        self.problem(line, f"'{value}' 不是日期 YYYY-MM-DD "
                                           f"('{value}' is not a date (YYYY-MM-DD))")
                    elif value.year != year:
                        self.problem(line, f"{value} 不在 {year} 年内 ({value} is not in {year})")
                    else:
                        good.append(value)
                days[key] = tuple(good)
            for message in notice_problems(year, days["holidays"], days["workdays"]):
                self.problem(entry.line, message)
            yield CalendarYear(year, self.text(entry, "source"), days["holidays"],
                               days["workdays"], Origin(self.file, entry.line))


    def peaks(self, items: LineList) -> Iterable[KnownPeak]:
        for i, raw in enumerate(items):
            entry = self.mapping(raw, items.line_of(i), "peak")
            if entry is None or not self.keys(entry, ("key", "name", "factor", "months"),
                                              ("categories", "departments", "en"), "peak"):
                continue
            key = self.text(entry, "key")
            if not _PEAK_KEY.fullmatch(key):
                self.problem(entry.line_of("key"),
                             f"高峰标识“{key}”应为小写英文字母、数字和连字符 "
                             f"(peak key '{key}': lower-case letters, digits and hyphens)")
            name = self.text(entry, "name")
            if len(name) > 30:
                self.problem(entry.line_of("name"), f"高峰名称不能超过30字 (peak name "
                                                    f"'{name}': at most 30 characters)")
            factor = self.number(entry, "factor")
            if factor is None or not 0 < factor <= MAX_PEAK_FACTOR:
                self.problem(entry.line_of("factor"),
                             f"高峰系数应大于0且不超过{MAX_PEAK_FACTOR} (peak factor must be "
                             f"above 0 and at most {MAX_PEAK_FACTOR})")
                factor = None
            raw_months = entry.get("months")
            months: list[int] = []
            if isinstance(raw_months, LineList) and raw_months and all(
                    isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12
                    for m in raw_months):
                months = sorted(set(raw_months))
            else:
                self.problem(entry.line_of("months"),
                             "月份应为1至12的列表，如 [7, 8] (months: a list of 1 to 12, "
                             "e.g. [7, 8])")
            if factor is None or not months:
                continue
            yield KnownPeak(key, name, float(factor), tuple(months),
                            self.text_list(entry, "categories"),
                            self.text_list(entry, "departments"),
                            Origin(self.file, entry.line), self.english(entry, "peak"))


_PEAK_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")


def _plain(value: Any) -> Any:
    """LineDict/LineList -> dict/list, for data stored as JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------
# Cross-checks


def limit_problems(statutory: TimeLimit, promised: TimeLimit, *,
                   each: bool = True) -> list[str]:
    """What is wrong with a matter's pair of limits (the files' and the admin's rule).
    ``each``: also each limit on its own (unit, days), which the files' reader checks
    as it reads them."""
    problems: list[str] = []
    for name, limit in (("statutory", statutory), ("promised", promised)):
        if not each:
            break
        if limit.unit not in LIMIT_UNITS:
            problems.append(f"{name} limit unit '{limit.unit}' is not one of "
                            f"{', '.join(LIMIT_UNITS)}")
        elif not limit.is_instant and limit.days <= 0:
            problems.append(f"{name} limit must be a positive number of days, not "
                            f"{limit.days}")
    if promised.unit == "days":
        problems.append("a promised limit is given in working days or 'instant'")
    if (statutory.unit == "working_days" and promised.unit == "working_days"
            and promised.days > statutory.days):
        problems.append(f"promised limit ({promised.days}) is longer than the statutory "
                        f"limit ({statutory.days})")
    return problems


def maintainer_marker(text: str) -> str | None:
    """The first maintainer-note marker (MAINTAINER_MARKERS) in ``text``, or None."""
    upper = text.upper()
    for marker in MAINTAINER_MARKERS:
        if marker in upper:
            return marker
    return None


def _public_texts(kind: str, entry: Any) -> Iterable[tuple[str, str]]:
    """(attribute, text) of every text of ``entry`` that citizens may see: its
    translatable texts (TRANSLATABLE) and their English."""
    for attr in TRANSLATABLE[kind]:
        value = getattr(entry, attr, "")
        for text in (value if isinstance(value, tuple) else (value,)):
            if isinstance(text, str):
                yield attr, text
    for attr, english in entry.en.items():
        values = english.values() if isinstance(english, Mapping) else (english,)
        for text in values:
            if isinstance(text, str):
                yield f"en.{attr}", text


def _check_public_texts(kind: str, entry: Any, where: str,
                        problem: Callable[[str], None]) -> None:
    for attr, text in _public_texts(kind, entry):
        marker = maintainer_marker(text)
        if marker is not None:
            problem(f"{where}: public text '{attr}' looks like a note for maintainers "
                    f"('{marker}'); put it in maintainer_note")


def find_cycle_in(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle of the graph ``edges`` (node -> the nodes it depends on) as a list of
    nodes, the first repeated at the end, or None. Iterative: no graph, however deep
    or broken, can exhaust the interpreter's stack."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(edges):
        if root in state:
            continue
        state[root] = 1
        path = [root]
        pending = [iter(list(edges.get(root, ())))]
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                pending.pop()
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                pending.append(iter(list(edges.get(nxt, ()))))
    return None


def find_cycle(dependencies: Iterable[Dependency]) -> list[str] | None:
    edges: dict[str, list[str]] = {}
    for dep in dependencies:
        edges.setdefault(dep.matter, []).append(dep.requires)
    return find_cycle_in(edges)


def _check_region(catalog: Catalog, region: Region, problem: Any) -> None:
    code = region.code
    if not _REGION_RE.match(code):
        problem(region.origin, f"region code '{code}' is not six digits (GB/T 2260)")
        return
    if code[:2] not in PROVINCE_PREFIXES:
        problem(region.origin, f"region code '{code}' has no province '{code[:2]}' (GB/T 2260)")
    level = 0 if code[2:] == "0000" else 1 if code[4:] == "00" else 2
    if region.parent is None:
        if level != 0:
            problem(region.origin, f"region '{code}' below province level needs a 'parent'")
        return
    parent = catalog.regions.get(region.parent)
    if parent is None:
        problem(region.origin, f"unknown parent region '{region.parent}'")
        return
    prefix_len = 2 if level == 1 else 4
    # Municipalities and county-level cities under a province skip a level.
    if not (code.startswith(parent.code[:prefix_len]) or (code[:2] == parent.code[:2]
            and parent.code[2:] == "0000")):
        problem(region.origin, f"region '{code}' does not lie inside parent '{parent.code}'")


def check_catalog(catalog: Catalog, bundle_lines: Mapping[str, dict[str, Any]],
                  scenario_entries: Mapping[str, LineDict]) -> list[Problem]:
    problems: list[Problem] = []

    def problem(origin: Origin, message: str, line: int | None = None) -> None:
        problems.append(Problem(origin.file, line or origin.line, message))

    for region in catalog.regions.values():
        _check_region(catalog, region, problem)

    for dept in catalog.departments.values():
        if dept.region not in catalog.regions:
            problem(dept.origin, f"department '{dept.code}': unknown region '{dept.region}'")

    for peak in catalog.peaks.values():
        for code in peak.departments:
            if code not in catalog.departments:
                problem(peak.origin, f"高峰“{peak.key}”：没有部门 {code} "
                                     f"(peak '{peak.key}': unknown department '{code}')")

    for ctype in catalog.certificate_types.values():
        printed: set[str] = set()
        for cfield in ctype.fields:
            if cfield.key in printed:
                problem(ctype.origin, f"certificate type '{ctype.key}': field '{cfield.key}' "
                        "twice")
            printed.add(cfield.key)
            if cfield.key not in catalog.fields and not cfield.label:
                problem(ctype.origin, f"certificate type '{ctype.key}': unknown field "
                        f"'{cfield.key}' (a field outside the dictionary needs a label)")
            if cfield.source == "form" and cfield.key not in catalog.fields:
                problem(ctype.origin, f"certificate type '{ctype.key}': field '{cfield.key}' "
                        "comes from the form but is not in the field dictionary")

    for material in catalog.materials.values():
        if material.certificate and material.certificate not in catalog.certificate_types:
            problem(material.origin, f"material '{material.key}': unknown certificate type "
                    f"'{material.certificate}'")
        if not 1 <= material.max_pages <= MAX_PAGES_LIMIT:
            problem(material.origin, f"material '{material.key}': max_pages must be from 1 "
                    f"to {MAX_PAGES_LIMIT}")

    for kind, entries in (("region", catalog.regions), ("department", catalog.departments),
                          ("certificate type", catalog.certificate_types),
                          ("material", catalog.materials), ("field", catalog.fields),
                          ("scenario", catalog.scenarios)):
        for key, item in entries.items():
            _check_public_texts(kind, item, f"{kind} '{key}'", partial(problem, item.origin))

    for matter in catalog.matters.values():
        _check_matter(catalog, matter, problem)

    for bundle in catalog.bundles.values():
        _check_bundle(catalog, bundle, bundle_lines.get(bundle.slug, {}), problem)
        entry = bundle_lines.get(bundle.slug, {}).get("entry")
        metrics_line = entry.line_of("metrics") if isinstance(entry, LineDict) else None
        for message in baseline_problems(bundle.metrics):
            problem(bundle.origin, f"bundle '{bundle.slug}': {message}", metrics_line)

    for scenario in catalog.scenarios.values():
        entry = scenario_entries.get(scenario.slug)
        scenario_bundle = catalog.bundles.get(scenario.bundle)
        if scenario_bundle is None:
            problem(scenario.origin, f"scenario '{scenario.slug}': unknown bundle "
                    f"'{scenario.bundle}'")
            continue
        answers = entry.get("answers") if entry is not None else None
        for question_key, option_key in scenario.answers:
            line = answers.line_of(question_key) if isinstance(answers, LineDict) else None
            question = scenario_bundle.question(question_key)
            if question is None:
                problem(scenario.origin, f"scenario '{scenario.slug}': bundle "
                        f"'{scenario_bundle.slug}' has no question '{question_key}'", line)
            elif question.option(option_key) is None:
                problem(scenario.origin, f"scenario '{scenario.slug}': question "
                        f"'{question_key}' has no option '{option_key}'", line)
    return problems


def _check_matter(catalog: Catalog, matter: Matter, problem: Any) -> None:
    where = f"matter '{matter.code}'"
    if matter.department not in catalog.departments:
        problem(matter.origin, f"{where}: unknown department '{matter.department}'")
    if matter.issues and matter.issues not in catalog.certificate_types:
        problem(matter.origin, f"{where}: unknown certificate type '{matter.issues}'")
    if matter.auto_decision is not None:
        _check_auto_decision(catalog, matter, where, problem)
    _check_procedures(matter, where, problem)
    _check_public_texts("matter", matter, where, partial(problem, matter.origin))
    seen: set[str] = set()
    for req in matter.materials:
        if req.material not in catalog.materials:
            problem(matter.origin, f"{where}: unknown material '{req.material}'")
        if req.material in seen:
            problem(matter.origin, f"{where}: material '{req.material}' listed twice")
        seen.add(req.material)
        _check_public_texts("material requirement", req,
                            f"{where}: material '{req.material}'",
                            partial(problem, matter.origin))
    seen = set()
    for mf in matter.fields:
        if mf.key not in catalog.fields:
            problem(matter.origin, f"{where}: unknown field '{mf.key}'")
        if mf.key in seen:
            problem(matter.origin, f"{where}: field '{mf.key}' listed twice")
        seen.add(mf.key)


def check_specs(catalog: Catalog) -> list[Problem]:
    """Check the matters and bundles of a catalogue rebuilt from stored rows (an edit
    in the admin): every rule ``check_catalog`` applies to them, the limits included
    (the files' reader checks those as it reads). The catalogue need hold only the
    bundles concerned and what they refer to."""
    problems: list[Problem] = []

    def problem(origin: Origin, message: str, line: int | None = None) -> None:
        problems.append(Problem(origin.file, line or origin.line, message))

    for matter in catalog.matters.values():
        for message in limit_problems(matter.statutory_limit, matter.promised_limit):
            problem(matter.origin, f"matter '{matter.code}': {message}")
        _check_matter(catalog, matter, problem)
    for kind, entries in (("material", catalog.materials), ("field", catalog.fields)):
        for key, item in entries.items():
            _check_public_texts(kind, item, f"{kind} '{key}'", partial(problem, item.origin))
    for bundle in catalog.bundles.values():
        _check_bundle(catalog, bundle, {}, problem)
    return problems


def applicable_matters(bundle: Bundle, answers: Mapping[str, str]) -> list[str]:
    """Member matters that apply for complete ``answers``, in member order."""
    included = {m.matter for m in bundle.members if not m.optional}
    excluded: set[str] = set()
    for condition in bundle.conditions:
        if condition.applies(answers):
            included.update(condition.include_matters)
            excluded.update(condition.exclude_matters)
    return [m.matter for m in bundle.members if m.matter in included - excluded]


def _check_bundle(catalog: Catalog, bundle: Bundle, lines: dict[str, Any], problem: Any) -> None:
    where = f"bundle '{bundle.slug}'"
    entry: LineDict | None = lines.get("entry")

    def line_of(key: str) -> int | None:
        return entry.line_of(key) if entry is not None else None

    if not bundle.members:
        problem(bundle.origin, f"{where} has no matters", line_of("matters"))
    _check_public_texts("bundle", bundle, where, partial(problem, bundle.origin))
    for question in bundle.questions:
        _check_public_texts("question", question, f"{where}: question '{question.key}'",
                            partial(problem, bundle.origin))
        for choice in question.options:
            _check_public_texts("option", choice, f"{where}: question '{question.key}' "
                                f"option '{choice.key}'", partial(problem, bundle.origin))
    for condition in bundle.conditions:
        marker = maintainer_marker(condition.note)
        if marker is not None:
            problem(bundle.origin, f"{where}: a condition's note looks like a note for "
                    f"maintainers ('{marker}'); put it in maintainer_note")
    if bundle.single_matter is None and bundle.slug.startswith(SINGLE_MATTER_PREFIX):
        problem(bundle.origin, f"{where}: slugs starting with '{SINGLE_MATTER_PREFIX}' are "
                "kept for single-matter applications (单独申请)", line_of("slug"))
    if bundle.lead_department and bundle.lead_department not in catalog.departments:
        problem(bundle.origin, f"{where}: unknown lead department '{bundle.lead_department}'",
                line_of("lead_department"))
    member_lines = lines.get("members", [])
    codes: set[str] = set()
    for i, member in enumerate(bundle.members):
        line = member_lines[i] if i < len(member_lines) else None
        if member.matter not in catalog.matters:
            problem(bundle.origin, f"{where}: unknown matter '{member.matter}'", line)
        if member.matter in codes:
            problem(bundle.origin, f"{where}: matter '{member.matter}' listed twice", line)
        codes.add(member.matter)

    seen_questions: set[str] = set()
    question_lines = lines.get("questions", [])
    for i, question in enumerate(bundle.questions):
        question_line = question_lines[i] if i < len(question_lines) else line_of("questions")
        if question.key in seen_questions:
            problem(bundle.origin, f"{where}: duplicate question '{question.key}'",
                    line_of("questions"))
        seen_questions.add(question.key)
        _check_question_tie(catalog, question, f"{where}: question '{question.key}'",
                            partial(problem, bundle.origin, line=question_line))

    condition_lines = lines.get("conditions", [])
    included_by_condition: set[str] = set()
    for i, condition in enumerate(bundle.conditions):
        line = condition_lines[i] if i < len(condition_lines) else None
        for question_key, options in condition.when:
            conditioned = bundle.question(question_key)
            if conditioned is None:
                problem(bundle.origin, f"{where}: condition on undefined question "
                        f"'{question_key}'", line)
                continue
            for option in options:
                if conditioned.option(option) is None:
                    problem(bundle.origin, f"{where}: condition on undefined option "
                            f"'{option}' of question '{question_key}'", line)
        for code in (*condition.include_matters, *condition.exclude_matters):
            if code not in codes:
                problem(bundle.origin, f"{where}: condition names matter '{code}' that is not "
                        "a member of the bundle", line)
        included_by_condition.update(condition.include_matters)
        for ref in (*condition.include_materials, *condition.exclude_materials):
            if ref.matter is not None and ref.matter not in codes:
                problem(bundle.origin, f"{where}: condition names matter '{ref.matter}' that "
                        "is not a member of the bundle", line)
                continue
            matters = [ref.matter] if ref.matter else sorted(codes)
            asked = any(
                req.material == ref.material
                for code in matters if code in catalog.matters
                for req in catalog.matters[code].materials
            )
            if not asked:
                problem(bundle.origin, f"{where}: condition names material '{ref.material}' "
                        "that no member matter asks for", line)
    for member in bundle.members:
        if member.optional and member.matter not in included_by_condition:
            problem(bundle.origin, f"{where}: optional matter '{member.matter}' is never "
                    "included by a condition")

    dep_lines = lines.get("dependencies", [])
    for i, dep in enumerate(bundle.dependencies):
        line = dep_lines[i] if i < len(dep_lines) else None
        for code in (dep.matter, dep.requires):
            if code not in codes:
                problem(bundle.origin, f"{where}: dependency names matter '{code}' that is not "
                        "a member of the bundle", line)
        if dep.matter == dep.requires:
            problem(bundle.origin, f"{where}: matter '{dep.matter}' depends on itself", line)
    cycle = find_cycle(d for d in bundle.dependencies if d.matter != d.requires)
    if cycle:
        problem(bundle.origin, f"{where}: dependency cycle " + " → ".join(cycle),
                line_of("dependencies"))

    # A material that another member issues must come from it: declare the edge.
    # (A matter that needs a document of the type it issues itself, such as the
    # household register at birth registration, needs the old one: no edge.)
    issuers: dict[str, list[str]] = {}
    for member in bundle.members:
        issued = catalog.matters.get(member.matter)
        if issued is not None and issued.issues:
            issuers.setdefault(issued.issues, []).append(member.matter)
    declared = {(d.matter, d.requires) for d in bundle.dependencies}
    for code in sorted(codes):
        matter = catalog.matters.get(code)
        if matter is None:
            continue
        for req in matter.materials:
            material = catalog.materials.get(req.material)
            if material is None or not material.certificate:
                continue
            sources = issuers.get(material.certificate, [])
            if not sources or code in sources:
                continue
            if matter.deferrable(req.material):
                # 容缺受理: the two run side by side; the applicant supplies the
                # other member's result after acceptance, before the decision.
                continue
            if not any((code, source) in declared for source in sources):
                problem(bundle.origin, f"{where}: '{code}' needs '{req.material}', which "
                        f"'{sources[0]}' issues; declare the dependency {code} → {sources[0]}",
                        line_of("dependencies") or line_of("matters"))

    field_map_entry = lines.get("field_map")
    for matter_code, local, target in bundle.field_map:
        line = field_map_entry.line_of(f"{matter_code}.{local}") if field_map_entry else None
        matter = catalog.matters.get(matter_code)
        if matter_code not in codes or matter is None:
            problem(bundle.origin, f"{where}: field_map names matter '{matter_code}' that is "
                    "not a member of the bundle", line)
        elif local not in {f.key for f in matter.fields}:
            problem(bundle.origin, f"{where}: matter '{matter_code}' has no field '{local}'",
                    line)
        if target not in catalog.fields:
            problem(bundle.origin, f"{where}: field_map target '{target}' is not a known "
                    "field", line)


# --------------------------------------------------------------------------
# Entry point


@dataclass
class ReadResult:
    catalog: Catalog
    problems: list[Problem]
    files: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def catalog_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.yaml") if p.is_file())


def read_catalog(root: Path | str) -> ReadResult:
    """Read and check the catalogue under ``root`` (a directory or one file)."""
    root = Path(root)
    reader = _Reader()
    catalog = Catalog()
    bundle_lines: dict[str, dict[str, Any]] = {}
    scenario_entries: dict[str, LineDict] = {}
    files: list[str] = []
    if not root.exists():
        return ReadResult(catalog, [Problem(str(root), 0, "no such file or directory")], [])
    base = root if root.is_dir() else root.parent

    def add(registry: dict[Any, Any], key: Any, item: Any, what: str) -> None:
        if not key and key != 0:
            return
        if key in registry:
            first = registry[key].origin
            reader.problems.append(Problem(item.origin.file, item.origin.line,
                                           f"duplicate {what} '{key}' (first defined at "
                                           f"{first.file}:{first.line})"))
            return
        registry[key] = item

    for path in catalog_files(root):
        name = str(path.relative_to(base.parent)) if base.parent != path else str(path)
        files.append(name)
        reader.file = name
        try:
            document = load_yaml(path, name)
        except SourceError as exc:
            reader.problems.append(Problem(exc.file, exc.line, exc.message))
            continue
        if document is None:
            continue
        if not isinstance(document, LineDict):
            reader.problem(1, "a catalogue file is a mapping of sections "
                           f"({', '.join(SECTIONS)})")
            continue
        for section, items in document.items():
            line = document.line_of(section)
            if section not in SECTIONS:
                reader.problem(line, f"unknown section '{section}' (allowed: "
                               f"{', '.join(SECTIONS)})")
                continue
            if not isinstance(items, LineList):
                reader.problem(line, f"section '{section}' must be a list")
                continue
            what, key_attr = _SECTION_KEYS[section]
            registry = getattr(catalog, section)
            for produced in getattr(reader, section)(items):
                # Bundles and scenarios come with the YAML they were read from.
                item, source = produced if isinstance(produced, tuple) else (produced, None)
                key = getattr(item, key_attr)
                if source is not None and key not in registry:
                    extras = bundle_lines if section == "bundles" else scenario_entries
                    extras[key] = source
                add(registry, key, item, what)

    problems = reader.problems + check_catalog(catalog, bundle_lines, scenario_entries)
    problems.sort(key=lambda p: (p.file, p.line, p.message))
    return ReadResult(catalog, problems, files)


@dataclass(frozen=True)
class MissingEnglish:
    """A Chinese text of the catalogue without its English (a warning, not a problem)."""

    file: str
    line: int
    what: str  # e.g. "matter 'food-business-licence' name"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: no English for {self.what}"


def missing_english(catalog: Catalog) -> list[MissingEnglish]:
    """Every translatable text that has no English beside it, in file order.

    The interface shows the Chinese in English mode where the English is missing,
    so these are warnings: ``onething catalog check`` lists and counts them.
    """
    found: list[MissingEnglish] = []

    def check(item: Any, what: str, name: str, origin: Origin | None = None) -> None:
        where = origin or item.origin
        for attr in TRANSLATABLE[what]:
            value = getattr(item, attr)
            if attr == "choices":
                lacking = [c for c in value if c not in item.en.get("choices", {})]
                if lacking:
                    found.append(MissingEnglish(where.file, where.line,
                                                f"{name} choices {', '.join(lacking)}"))
            elif value and attr not in item.en:
                found.append(MissingEnglish(where.file, where.line, f"{name} {attr}"))

    for region in catalog.regions.values():
        check(region, "region", f"region '{region.code}'")
    for department in catalog.departments.values():
        check(department, "department", f"department '{department.code}'")
    for ctype in catalog.certificate_types.values():
        check(ctype, "certificate type", f"certificate type '{ctype.key}'")
    for material in catalog.materials.values():
        check(material, "material", f"material '{material.key}'")
    for definition in catalog.fields.values():
        check(definition, "field", f"field '{definition.key}'")
    for matter in catalog.matters.values():
        check(matter, "matter", f"matter '{matter.code}'")
        for requirement in matter.materials:
            check(requirement, "material requirement",
                  f"matter '{matter.code}' material '{requirement.material}'", matter.origin)
    for bundle in catalog.bundles.values():
        check(bundle, "bundle", f"bundle '{bundle.slug}'")
        for question in bundle.questions:
            check(question, "question", f"bundle '{bundle.slug}' question '{question.key}'",
                  bundle.origin)
            for option in question.options:
                check(option, "option", f"bundle '{bundle.slug}' question '{question.key}' "
                      f"option '{option.key}'", bundle.origin)
    for scenario in catalog.scenarios.values():
        check(scenario, "scenario", f"scenario '{scenario.slug}'")
    found.sort(key=lambda m: (m.file, m.line, m.what))
    return found


def field_bounds(definition: FieldDef) -> dict[str, int | float]:
    """A number field's bounds as stored data: only those given."""
    bounds = {"min": definition.minimum, "max": definition.maximum,
              "decimals": definition.decimals}
    return {key: value for key, value in bounds.items() if value is not None}


def option_range(option: Option) -> dict[str, int | float]:
    """The range of the tied number field an option stands for, as stored data."""
    bounds = {"at_least": option.at_least, "below": option.below}
    return {key: value for key, value in bounds.items() if value is not None}


def _check_question_tie(catalog: Catalog, question: Question, where: str,
                        problem: Callable[[str], None]) -> None:
    """A question tied to a number field: every option gives the range it stands for."""
    ranged = [o.key for o in question.options if o.at_least is not None or o.below is not None]
    if not question.field:
        if ranged:
            problem(f"{where}: options {', '.join(ranged)} give a range but the question "
                    "names no 'field'")
        return
    definition = catalog.fields.get(question.field)
    if definition is None:
        problem(f"{where}: unknown field '{question.field}'")
        return
    if definition.type != "number":
        problem(f"{where}: field '{question.field}' is of type {definition.type}, not number")
    for option in question.options:
        if option.at_least is None and option.below is None:
            problem(f"{where}: option '{option.key}' needs 'at_least' or 'below' "
                    f"(the range of '{question.field}' it stands for)")


def _check_auto_decision(catalog: Catalog, matter: Matter, where: str,
                         problem: Callable[..., None]) -> None:
    """秒批 rules name registered checks and only decide instant matters."""
    from onething.domain.instant import CHECKS

    rule = matter.auto_decision
    assert rule is not None
    for name in rule.checks:
        if name not in CHECKS:
            problem(matter.origin, f"{where}: unknown automatic check '{name}' "
                    f"(known: {', '.join(sorted(CHECKS))})")
    if matter.promised_limit.unit != "instant":
        problem(matter.origin, f"{where}: an automatic decision needs promised_limit: instant")
    needed = {req.material for req in matter.materials}
    for key in rule.verified_waives:
        if key not in needed:
            problem(matter.origin, f"{where}: auto_decision waives '{key}', which the matter "
                    "does not ask for")


def _check_procedures(matter: Matter, where: str, problem: Callable[..., None]) -> None:
    """容缺受理 names materials the matter asks for; 告知承诺 decides an instant matter
    at once. Neither goes with the other or with an automatic rule (秒批): each
    decides differently."""
    pending, commitment = matter.accept_pending, matter.commitment
    if pending is not None:
        if not pending.materials:
            problem(matter.origin, f"{where}: accept_pending names no materials")
        needed = {req.material for req in matter.materials}
        for key in pending.materials:
            if key not in needed:
                problem(matter.origin, f"{where}: accept_pending names '{key}', which the "
                        "matter does not ask for")
        if len(needed - set(pending.materials)) == 0 and needed:
            problem(matter.origin, f"{where}: accept_pending may not defer every material "
                    "(容缺 is for secondary materials; the main ones come with the application)")
        if matter.auto_decision is not None or commitment is not None:
            problem(matter.origin, f"{where}: accept_pending does not go with auto_decision "
                    "or commitment (those decide at once, on complete materials)")
    if commitment is not None:
        if not commitment.version:
            problem(matter.origin, f"{where}: commitment needs a 'version'")
        if not commitment.text:
            problem(matter.origin, f"{where}: commitment needs its full 'text'")
        if matter.promised_limit.unit != "instant":
            problem(matter.origin, f"{where}: a commitment decides at once: it needs "
                    "promised_limit: instant")
        if matter.auto_decision is not None:
            problem(matter.origin, f"{where}: commitment does not go with auto_decision")
