"""What a notice says, as plain structured text (盲文版和大字版共用的正文).

The acceptance receipt (收件回执), the one-time correction notice (一次性告知单),
a case's decision, a certificate and a bundle guide are each built here from
plain values into a :class:`Notice`: a title, labelled facts, sections of
lines and closing notes. The large-print PDF and the Braille files render the
same Notice, so they cannot say different things.

Plain Python: no Django, no database (``tests/test_layers.py`` style guard in
``tests/accessibility``). Resident ID numbers are masked here, whatever the
caller passes: a full 18-character ID number anywhere in a notice's text is
replaced by its masked form (个人信息保护法; the masking the rest of the
platform shows).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from onething.domain.instant import RESULT_LABELS
from onething.domain.validators import mask_id_number

KINDS = ("receipt", "acceptance", "correction", "decision", "certificate", "guide")
KIND_LABELS = {
    "receipt": "收件回执",
    "acceptance": "受理通知书",
    "correction": "一次性告知单",
    "decision": "办理决定",
    "certificate": "电子证照",
    "guide": "办事指南",
}


@dataclass(frozen=True)
class Section:
    heading: str
    items: tuple[str, ...] = ()
    numbered: bool = False  # a numbered list rather than paragraphs


@dataclass(frozen=True)
class Notice:
    kind: str
    title: str
    facts: tuple[tuple[str, str], ...] = ()  # (label, value)
    sections: tuple[Section, ...] = ()
    notes: tuple[str, ...] = ()  # closing paragraphs
    # When it was issued (ISO 8601), for an issued document kept as issued: the PDF's
    # creation date, so that a re-download is byte-identical. "" for one made live.
    issued_at: str = ""

    def to_data(self) -> dict[str, Any]:
        """The notice as JSON-ready data (the stored snapshot of an issued document)."""
        return {"kind": self.kind, "title": self.title,
                "facts": [list(fact) for fact in self.facts],
                "sections": [{"heading": s.heading, "items": list(s.items),
                              "numbered": s.numbered} for s in self.sections],
                "notes": list(self.notes)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *, issued_at: str = "") -> Notice:
        """The notice a snapshot (:meth:`to_data`) holds, as it was issued."""
        return cls(kind=data["kind"], title=data["title"],
                   facts=tuple((str(label), str(value)) for label, value in data["facts"]),
                   sections=tuple(Section(s["heading"], tuple(s["items"]), bool(s["numbered"]))
                                  for s in data["sections"]),
                   notes=tuple(data["notes"]), issued_at=issued_at)

    def lines(self) -> list[str]:
        """The notice as plain text lines; blank lines separate blocks."""
        out = [self.title, ""]
        out += [f"{label}：{value}" for label, value in self.facts]
        for section in self.sections:
            out += ["", section.heading]
            for number, item in enumerate(section.items, 1):
                out.append(f"{number}. {item}" if section.numbered else item)
        if self.notes:
            out.append("")
            out += list(self.notes)
        return out


# A resident ID number (GB 11643) standing alone in free text. Masked whether or not
# its check character holds: a mistyped number is still someone's birth date.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])([0-9]{17}[0-9Xx])(?![0-9A-Za-z])")


def _mask_ids(text: str) -> str:
    return _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1)), str(text))


def _notice(kind: str, title: str, facts: Iterable[tuple[str, str]],
            sections: Iterable[Section] = (), notes: Iterable[str] = ()) -> Notice:
    """A Notice with every ID number masked and empty facts and sections left out."""
    return Notice(
        kind=kind, title=_mask_ids(title),
        facts=tuple((label, _mask_ids(value)) for label, value in facts if value),
        sections=tuple(Section(s.heading, tuple(_mask_ids(i) for i in s.items), s.numbered)
                       for s in sections if s.items),
        notes=tuple(_mask_ids(n) for n in notes if n),
    )


def format_date(value: dt.date | dt.datetime | None, *, time: bool = False) -> str:
    """``2025年9月30日`` (and ``14:05`` with ``time``); callers pass local times."""
    if value is None:
        return ""
    text = f"{value.year}年{value.month}月{value.day}日"
    if time and isinstance(value, dt.datetime):
        text += f" {value:%H:%M}"
    return text


def _iso_date(value: str | None) -> str:
    """An ISO date or timestamp from signed certificate data, written out."""
    if not value:
        return ""
    try:
        return format_date(dt.date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


@dataclass(frozen=True)
class Applicant:
    """Who applied. ``id_number`` is masked by the notice, never printed whole."""

    name: str
    id_number: str = ""
    uscc: str = ""  # a company's unified social credit code is public


def _applicant_fact(applicant: Applicant) -> tuple[str, str]:
    if applicant.uscc:
        return "申请人", f"{applicant.name}（统一社会信用代码 {applicant.uscc}）"
    if applicant.id_number:
        return "申请人", f"{applicant.name}（身份证 {mask_id_number(applicant.id_number)}）"
    return "申请人", applicant.name


# -- 收件回执 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptCase:
    matter: str
    department: str
    status: str  # the status label, e.g. 已受理
    due: dt.date | None = None
    due_confirmed: bool = False  # a promised date once accepted, else the plan's estimate
    due_provisional: bool = False  # counted over a year whose holiday notice is not out


@dataclass(frozen=True)
class ReceiptHall:
    """The service hall a receipt names (where it was taken in, or the main hall)."""

    name: str
    address: str = ""
    phone: str = ""


def receipt_notice(*, tracking_number: str, applicant: Applicant, bundle_name: str,
                   submitted_at: dt.datetime, channel: str, submitted_by: str = "",
                   expected: dt.date | None = None, provisional: bool = False,
                   cases: Sequence[ReceiptCase] = (), materials: Sequence[str] = (),
                   reused: Sequence[tuple[str, str]] = (), tracking_url: str = "",
                   hall: ReceiptHall | None = None, today: dt.date,
                   single_matter: bool = False) -> Notice:
    """收件回执: what was received, from whom, who handles it, by when (as the
    workbench's printed receipt says it), and the hall to turn to. ``single_matter``:
    one matter applied for on its own (单独申请), named as it is, not as a 一件事."""
    case_lines = []
    for case in cases:
        due = ""
        if case.due:
            due = (f"，{'承诺' if case.due_confirmed else '预计'}{format_date(case.due)}"
                   f"{'（暂定）' if case.due_provisional else ''}办结")
        case_lines.append(f"{case.matter}：{case.department}，{case.status}{due}")
    return _notice("receipt", "收件回执", [
        ("受理编号", tracking_number),
        _applicant_fact(applicant),
        ("办理事项", bundle_name if single_matter else f"{bundle_name}一件事"),
        ("收件日期", format_date(submitted_at, time=True)),
        ("收件渠道", f"{channel}（经办人：{submitted_by}）" if submitted_by else channel),
        ("预计全部办结",
         f"{format_date(expected)}{'（暂定）' if provisional else ''}" if expected else ""),
        ("办事大厅", hall.name if hall else ""),
        ("地址", hall.address if hall else ""),
        ("咨询电话", hall.phone if hall else ""),
    ], [
        Section("办理事项和承办部门", tuple(case_lines), numbered=True),
        Section("已收取的材料", tuple(materials) or ("无",), numbered=True),
        Section(f"免提交的材料（已有电子证照，{len(reused)} 份）",
                tuple(f"{name}（证照编号 {number}）" for name, number in reused), numbered=True),
    ], [
        "“等待前置事项”的事项将在前一事项办结后自动转入承办部门，无需再次提交。"
        "如需补正，各部门将一次性告知。",
        f"查询办理进度：{tracking_url}" if tracking_url else "",
        f"打印日期：{format_date(today)}",
    ])


# -- 受理通知书 ---------------------------------------------------------------------------


def acceptance_notice(*, tracking_number: str, applicant: Applicant, matter: str,
                      department: str, accepted_at: dt.datetime, promised: dt.date | None,
                      statutory: dt.date | None, provisional: bool = False,
                      pending: Sequence[str] = (), tracking_url: str = "",
                      hall: ReceiptHall | None = None, today: dt.date) -> Notice:
    """受理通知书: the department accepted one case (《行政许可法》第三十二条), with the
    dates it must be decided by; ``pending`` names materials owed under 容缺受理."""
    mark = "（暂定）" if provisional else ""
    return _notice("acceptance", "受理通知书", [
        ("受理编号", tracking_number),
        _applicant_fact(applicant),
        ("办理事项", matter),
        ("承办部门", department),
        ("受理日期", format_date(accepted_at)),
        ("承诺办结日期", f"{format_date(promised)}{mark}" if promised else ""),
        ("法定办结日期", f"{format_date(statutory)}{mark}" if statutory else ""),
        ("办事大厅", hall.name if hall else ""),
        ("地址", hall.address if hall else ""),
        ("咨询电话", hall.phone if hall else ""),
    ], [
        Section("容缺受理，请在期限内补齐以下材料", tuple(pending), numbered=True),
    ], [
        "您的申请材料齐全、符合法定形式，本机关决定予以受理。",
        "依法需要听证、检验、检测、鉴定或专家评审的，所需时间不计算在办理期限内，"
        "届时将另行告知。",
        f"查询办理进度：{tracking_url}" if tracking_url else "",
        f"出具日期：{format_date(today)}",
    ])


# -- 一次性告知单 ---------------------------------------------------------------------------


def correction_notice(*, tracking_number: str, applicant: Applicant, matter: str,
                      department: str, requested_at: dt.datetime, reason: str,
                      items: Sequence[tuple[str, str]], resubmitted_at: dt.datetime | None
                      = None, today: dt.date) -> Notice:
    """一次性告知单: every missing or faulty item at once (《行政许可法》第三十二条);
    ``items`` are (material name, what is wrong)."""
    return _notice("correction", "一次性告知单（补正材料通知）", [
        ("受理编号", tracking_number),
        _applicant_fact(applicant),
        ("办理事项", matter),
        ("承办部门", department),
        ("告知日期", format_date(requested_at)),
        ("补正情况", f"已于{format_date(resubmitted_at)}提交补正材料"
         if resubmitted_at else "待补正"),
    ], [
        Section("告知理由", (reason,) if reason else ()),
        Section(f"请一次补齐以下 {len(items)} 项材料",
                tuple(f"{name}：{note}" if note else name for name, note in items),
                numbered=True),
    ], [
        "只需补正以上材料，其他材料不用再交。",
        "可在网上办事大厅“我的申请”中上传补正材料，也可到政务服务中心窗口提交。",
        "补正期间不计算承诺办结时限。",
        f"打印日期：{format_date(today)}",
    ])


# -- 办理决定 -------------------------------------------------------------------------------

DECISION_TITLES = {
    "approve": "准予决定通知",
    "deny": "不予许可决定通知",
    "refuse": "不予受理通知",
}
DECISION_LABELS = {"approve": "准予", "deny": "不予许可", "refuse": "不予受理"}
# 《行政许可法》第三十八条第二款: a refusal says why and tells the applicant their remedies.
REMEDY = "如对本决定不服，可以依法申请行政复议或者提起行政诉讼。"


def decision_notice(*, action: str, tracking_number: str, applicant: Applicant, matter: str,
                    department: str, decided_at: dt.datetime, reason: str = "",
                    certificate: tuple[str, str] | None = None,
                    result: Sequence[tuple[str, str]] = (), today: dt.date) -> Notice:
    """A case's decision: approved (with what it yields), denied or refused, with
    the reason and, when it is not granted, the applicant's remedies.
    ``certificate`` is (certificate name, number)."""
    if action not in DECISION_TITLES:
        raise ValueError(f"not a decision: {action}")
    granted = action == "approve"
    outcome = {"approve": f"经审查，您申请的“{matter}”符合规定，决定准予。",
               "deny": f"经审查，您申请的“{matter}”不符合规定，决定不予许可。",
               "refuse": f"您申请的“{matter}”不予受理。"}[action]
    results = list(result)
    if certificate:
        results.insert(0, (certificate[0], f"证照编号 {certificate[1]}"))
    return _notice("decision", DECISION_TITLES[action], [
        ("受理编号", tracking_number),
        _applicant_fact(applicant),
        ("办理事项", matter),
        ("承办部门", department),
        ("决定", DECISION_LABELS[action]),
        ("决定日期", format_date(decided_at)),
    ], [
        Section("决定", (outcome,)),
        Section("理由", (reason,) if reason else ()),
        Section("办理结果", tuple(f"{k}：{v}" for k, v in results)),
    ], [
        "" if granted else REMEDY,
        "电子证照可在“我的申请”中下载，也可按您选择的领取方式领取。"
        if granted and certificate else "",
        f"打印日期：{format_date(today)}",
    ])


# -- 电子证照 -------------------------------------------------------------------------------

# Result entries a reviewer types in under a code rather than a label (workbench).
DETAIL_LABELS = {"note": "审批意见", "number": "编号", "valid_until": "有效期至",
                 **RESULT_LABELS}
# Signed entries that are not certified facts of their own.
_CERTIFICATE_META = {"number", "certificate_type", "certificate_name", "holder_name",
                     "holder_id", "department", "issued_at", "valid_until", "matter",
                     "tracking_number", "key_id", "details", "holder_kind", "fields",
                     "layout"}
# The reviewer's internal comment (审批意见) is never part of a certificate.
_HIDDEN_DETAILS = {"note"}


def certificate_notice(*, data: dict, title: str, number: str, holder_name: str,
                       department: str, revoked_at: dt.datetime | None = None,
                       verify_url: str = "", today: dt.date) -> Notice:
    """The signed facts of a certificate (as its PDF prints them), readable without
    sight. It is a transcription: the signed certificate is what counts."""
    matter = data.get("matter") or {}
    details = {k: v for k, v in (data.get("details") or {}).items()
               if k not in _HIDDEN_DETAILS}
    organisation = data.get("holder_kind") == "organisation"
    facts = [
        ("证照名称", str(data.get("certificate_name") or title)),
        ("证照编号", str(data.get("number") or number)),
        ("状态", f"已注销（{format_date(revoked_at)}）" if revoked_at else ""),
        ("持证人", str(data.get("holder_name") or holder_name)),
        ("统一社会信用代码" if organisation else "证件号码", str(data.get("holder_id") or "")),
        ("发证部门", str((data.get("department") or {}).get("name", "") or department)),
        ("签发日期", _iso_date(data.get("issued_at"))),
        ("有效期至", _iso_date(data.get("valid_until")) or "长期"),
    ]
    if matter.get("name"):
        tracking = data.get("tracking_number", "")
        facts.append(("办理事项", f"{matter['name']}（受理编号 {tracking}）"))
    facts += [(str(f.get("label") or f.get("key")), str(f.get("value") or ""))
              for f in data.get("fields") or [] if isinstance(f, dict)
              and str(f.get("value") or "").strip()
              and not (organisation and f.get("key") in ("company_name", "uscc"))]
    facts += [(DETAIL_LABELS.get(str(k), str(k)), str(v)) for k, v in details.items()
              if str(v).strip()]
    return _notice("certificate", str(data.get("certificate_name") or title), facts, [], [
        f"核验网址：{verify_url}" if verify_url else "",
        "本文件是电子证照内容的无障碍版本，供阅读；证照的真伪和状态以核验结果为准。",
        f"打印日期：{format_date(today)}",
    ])


# -- 办事指南 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuideMatter:
    name: str
    department: str
    promised: str  # e.g. 10个工作日 / 即办
    statutory: str
    stage: int
    depends_on: tuple[str, ...] = ()  # names


@dataclass(frozen=True)
class GuideMaterial:
    name: str
    description: str = ""
    originals: int = 0
    copies: int = 0
    needed_by: tuple[str, ...] = ()  # names
    certificate: bool = False  # an electronic certificate can stand in


@dataclass(frozen=True)
class Guide:
    bundle_name: str
    description: str = ""
    answers: tuple[tuple[str, str], ...] = ()  # (question, chosen option)
    matters: tuple[GuideMatter, ...] = ()
    materials: tuple[GuideMaterial, ...] = ()
    provided: tuple[tuple[str, str], ...] = ()  # (material, matter whose result provides it)
    fields: tuple[str, ...] = ()
    departments: int = 0
    material_count_separate: int = 0
    parallel_days: int = 0
    serial_days: int = 0
    apply_url: str = ""
    extra_notes: tuple[str, ...] = field(default=())


def _copies(material: GuideMaterial) -> str:
    parts = []
    if material.originals:
        parts.append(f"原件 {material.originals} 份")
    if material.copies:
        parts.append(f"复印件 {material.copies} 份")
    return "，".join(parts)


def guide_notice(guide: Guide, *, today: dt.date) -> Notice:
    """What a bundle needs: its matters, who decides them and how long it takes, the
    merged material list — the 审批样板间 page as a document."""
    matters = []
    for m in guide.matters:
        step = "第 1 步，各部门同时办理" if m.stage == 0 else f"第 {m.stage + 1} 步"
        after = f"；需要先办：{'、'.join(m.depends_on)}" if m.depends_on else ""
        matters.append(f"{m.name}：{m.department}，承诺时限{m.promised}，法定时限{m.statutory}，"
                       f"{step}{after}")
    materials = []
    for m in guide.materials:
        bits = [m.name]
        if m.description:
            bits.append(m.description.strip().rstrip("。"))
        if _copies(m):
            bits.append(_copies(m))
        if m.needed_by:
            bits.append(f"用于：{'、'.join(m.needed_by)}")
        if m.certificate:
            bits.append("有电子证照的可免提交")
        materials.append("；".join(bits))
    return _notice("guide", f"{guide.bundle_name}一件事 办事指南", [
        ("办理事项", f"{len(guide.matters)} 项"),
        ("涉及部门", f"{guide.departments} 个"),
        ("申请材料",
         f"{len(guide.materials)} 份（分别办理需 {guide.material_count_separate} 份）"),
        ("办理时间",
         f"{guide.parallel_days} 个工作日（逐个部门办理需 {guide.serial_days} 个工作日）"),
    ], [
        Section("简介", (guide.description,) if guide.description else ()),
        Section("您的情况", tuple(f"{q}{a}" if q.endswith(("？", "?")) else f"{q}：{a}"
                                  for q, a in guide.answers)),
        Section("要办的事项", tuple(matters), numbered=True),
        Section(f"需要准备的材料（{len(guide.materials)} 份，每份只交一次）", tuple(materials),
                numbered=True),
        Section("不用再交的材料",
                tuple(f"{name}：由“{by}”的办理结果直接提供" for name, by in guide.provided)),
        Section(f"需要填写的信息（{len(guide.fields)} 项，每项只填一次）",
                ("、".join(guide.fields),) if guide.fields else ()),
    ], [
        *guide.extra_notes,
        f"在线申请：{guide.apply_url}" if guide.apply_url else "",
        "办理时间按工作日计算，不含法定节假日。也可到政务服务中心综合窗口申请。",
        f"生成日期：{format_date(today)}",
    ])
