"""Shared data registers loaded from CSV (共享数据): pure parsing and checking.

Departments own registers the platform decides on (秒批): the police load
the criminal-record register, social insurance loads contribution records
and the dues a resident can pay at the kiosk. A department exports a CSV
from its own system and loads it here; a file either loads whole or not at
all, and every bad row is reported by its line number.

Files exported by Chinese spreadsheet software are often GB18030 (GBK);
UTF-8 with or without a byte-order mark is accepted as well.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from onething.domain.instant import (
    CONTRIBUTION_REGISTER,
    CRIMINAL_REGISTER,
    INSURANCE_KINDS,
)
from onething.domain.validators import (
    ValidationProblem,
    check_text,
    validate_id_number,
    validate_uscc,
)

DUES_REGISTER = "contribution-dues"
# 户籍人口库 (police) and 企业登记信息 (market regulator): the real-name sources the
# demo identity verifier matches accounts against (onething.registers.verifier).
RESIDENT_REGISTER = "residents"
ENTERPRISE_REGISTER = "enterprises"
MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class Column:
    name: str  # header in the CSV (English key)
    label: str  # Chinese header, also accepted
    parse: Callable[[str], object]
    required: bool = True


@dataclass(frozen=True)
class RegisterSpec:
    key: str
    name: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()  # columns that together may appear only once

    def header_help(self) -> str:
        return ",".join(c.name for c in self.columns)


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行 (line {self.line})：{self.message}"


@dataclass(frozen=True)
class ParseResult:
    rows: tuple[dict[str, object], ...]
    problems: tuple[RowProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class BadValue(ValueError):
    pass


# -- value parsers ---------------------------------------------------------------


def _text(limit: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip()
        if len(value) > limit:
            raise BadValue(f"不能超过 {limit} 个字符 (at most {limit} characters)")
        return value

    return parse


def _id_number(value: str) -> str:
    try:
        return validate_id_number(value.strip())
    except ValidationProblem as exc:
        raise BadValue(f"居民身份证号码无效：{exc} (invalid resident ID number)") from exc


def _uscc(value: str) -> str:
    try:
        return validate_uscc(value.strip())
    except ValidationProblem as exc:
        raise BadValue(f"统一社会信用代码无效：{exc} (invalid unified social credit code)") from exc


def _sha256(value: str) -> str:
    text = value.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise BadValue("照片摘要应为 64 位十六进制 SHA-256 (hex SHA-256 expected)")
    return text


# 2015-03-02, 2015-3-2, 2015/3/2, 2015.3.2, 2015年3月2日, 20150302: as spreadsheets export them.
_DATE = re.compile(r"^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))$")


def _past_date(value: str) -> dt.date:
    match = _DATE.match(value.strip())
    try:
        if match is None:
            raise ValueError(value)
        year, month, day_ = (int(match.group(1)), int(match.group(2) or match.group(4)),
                             int(match.group(3) or match.group(5)))
        day = dt.date(year, month, day_)
    except ValueError as exc:
        raise BadValue(f"日期“{value}”应写作 YYYY-MM-DD (date expected)") from exc
    if day > dt.date.today():
        raise BadValue(f"日期 {day} 晚于今天 (date in the future)")
    return day


_MONTH = re.compile(r"^(\d{4})-?(\d{2})$")


def _month(value: str) -> str:
    match = _MONTH.match(value.strip().replace("/", "-"))
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1950:
        raise BadValue(f"月份“{value}”应写作 YYYY-MM (month expected)")
    return f"{match.group(1)}-{match.group(2)}"


def _year(value: str) -> int:
    text = value.strip()
    if not re.fullmatch(r"\d{4}", text) or not 1950 <= int(text) <= 2100:
        raise BadValue(f"年度“{value}”应为四位年份 (year expected)")
    return int(text)


def _fen(value: str) -> int:
    """Amounts are integer fen (分) in the file: 40000 is 400.00 元."""
    text = value.strip()
    if not re.fullmatch(r"\d{1,10}", text):
        raise BadValue(f"金额“{value}”应为以“分”为单位的非负整数 (integer fen expected)")
    return int(text)


def _positive_fen(value: str) -> int:
    amount = _fen(value)
    if amount == 0:
        raise BadValue("应缴金额必须大于 0 (amount must be positive)")
    return amount


def _choice(options: Mapping[str, str], what: str, english: str) -> Callable[[str], str]:
    """A key of ``options``, given as the key or as its Chinese label."""
    by_label = {label: key for key, label in options.items()}

    def parse(value: str) -> str:
        key = by_label.get(value.strip(), value.strip())
        if key not in options:
            raise BadValue(f"{what}“{value}”不是 {'、'.join(options.values())} 之一 "
                           f"({english}: {', '.join(options)})")
        return key

    return parse


# 企业登记状态: only an existing (存续) company is verified.
ENTERPRISE_STATUSES: dict[str, str] = {
    "active": "存续",
    "cancelled": "注销",
    "revoked": "吊销",
}

# 可在自助终端缴纳的城乡居民保险 (dues a resident pays themselves).
DUE_ITEMS: dict[str, str] = {
    "resident-medical": "城乡居民基本医疗保险",
    "resident-pension": "城乡居民基本养老保险",
}


REGISTERS: dict[str, RegisterSpec] = {
    CRIMINAL_REGISTER: RegisterSpec(
        CRIMINAL_REGISTER, "犯罪记录库",
        (
            Column("id_number", "身份证号码", _id_number),
            Column("name", "姓名", _text(50)),
            Column("offence", "罪名", _text(200)),
            Column("judgment_date", "判决日期", _past_date),
            Column("court", "判决法院", _text(200), required=False),
            Column("judgment_number", "判决书文号", _text(100), required=False),
        ),
        unique=("id_number", "judgment_number", "offence", "judgment_date"),
    ),
    CONTRIBUTION_REGISTER: RegisterSpec(
        CONTRIBUTION_REGISTER, "社会保险缴费记录",
        (
            Column("id_number", "身份证号码", _id_number),
            Column("name", "姓名", _text(50)),
            Column("insurance", "险种", _choice(INSURANCE_KINDS, "险种", "insurance")),
            Column("month", "缴费年月", _month),
            Column("amount_fen", "缴费金额（分）", _fen),
            Column("employer", "参保单位", _text(200), required=False),
        ),
        unique=("id_number", "insurance", "month"),
    ),
    DUES_REGISTER: RegisterSpec(
        DUES_REGISTER, "城乡居民社保应缴费用",
        (
            Column("id_number", "身份证号码", _id_number),
            Column("name", "姓名", _text(50)),
            Column("item", "缴费项目", _choice(DUE_ITEMS, "缴费项目", "item")),
            Column("year", "缴费年度", _year),
            Column("amount_fen", "应缴金额（分）", _positive_fen),
        ),
        unique=("id_number", "item", "year"),
    ),
    RESIDENT_REGISTER: RegisterSpec(
        RESIDENT_REGISTER, "户籍人口库",
        (
            Column("id_number", "身份证号码", _id_number),
            Column("name", "姓名", _text(50)),
            Column("photo_sha256", "照片摘要", _sha256, required=False),
        ),
        unique=("id_number",),
    ),
    ENTERPRISE_REGISTER: RegisterSpec(
        ENTERPRISE_REGISTER, "企业登记信息",
        (
            Column("uscc", "统一社会信用代码", _uscc),
            Column("company_name", "企业名称", _text(200)),
            Column("representative_name", "法定代表人", _text(50)),
            Column("representative_id_number", "法定代表人身份证号码", _id_number,
                   required=False),
            Column("status", "登记状态", _choice(ENTERPRISE_STATUSES, "登记状态", "status"),
                   required=False),
        ),
        unique=("uscc",),
    ),
}


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (Excel in Chinese)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadValue("文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV (unknown encoding)")


def parse_register(register: RegisterSpec, text: str) -> ParseResult:
    """Every row checked; the rows only count when ``problems`` is empty."""
    reader = csv.reader(io.StringIO(text))
    problems: list[RowProblem] = []
    try:
        header = next(reader)
    except StopIteration:
        return ParseResult((), (RowProblem(1, "文件为空，第一行应为表头 (empty file)"),))
    except csv.Error as exc:
        return ParseResult((), (RowProblem(1, f"CSV 格式错误：{exc} (malformed CSV)"),))
    names = {c.name: c for c in register.columns} | {c.label: c for c in register.columns}
    positions: dict[str, int] = {}
    for i, raw in enumerate(header):
        title = raw.strip()
        column = names.get(title)
        if column is None:
            if title:
                problems.append(RowProblem(1, f"未知的列“{title}”（应为 "
                                              f"{register.header_help()}）(unknown column)"))
            continue
        if column.name in positions:
            problems.append(RowProblem(1, f"列“{title}”重复 (duplicate column)"))
        positions[column.name] = i
    for column in register.columns:
        if column.required and column.name not in positions:
            problems.append(RowProblem(1, f"缺少列“{column.name}”（{column.label}）"
                                          f"(missing column)"))
    if problems:
        return ParseResult((), tuple(problems))

    rows: list[dict[str, object]] = []
    seen: dict[tuple[object, ...], int] = {}
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines are allowed
            if len(rows) >= MAX_ROWS:
                problems.append(RowProblem(line, f"超过 {MAX_ROWS} 行，请分文件导入 "
                                                 "(too many rows)"))
                break
            if len(values) > len(header):
                problems.append(RowProblem(line, f"有 {len(values)} 列，表头只有 {len(header)} 列 "
                                                 "(too many values)"))
                continue
            row, bad = _parse_row(register, positions, values)
            if bad:
                problems.extend(RowProblem(line, message) for message in bad)
                continue
            if register.unique:
                key = tuple(row.get(c) for c in register.unique)
                if key in seen:
                    problems.append(RowProblem(line, f"与第 {seen[key]} 行重复 "
                                                     f"(duplicate of line {seen[key]})"))
                    continue
                seen[key] = line
            rows.append(row)
    except csv.Error as exc:
        problems.append(RowProblem(reader.line_num, f"CSV 格式错误：{exc} (malformed CSV)"))
    return ParseResult(tuple(rows), tuple(problems))


def _parse_row(register: RegisterSpec, positions: Mapping[str, int],
               values: Sequence[str]) -> tuple[dict[str, object], list[str]]:
    row: dict[str, object] = {}
    bad: list[str] = []
    for column in register.columns:
        index = positions.get(column.name)
        raw = values[index] if index is not None and index < len(values) else ""
        try:
            check_text(raw)
        except ValidationProblem as exc:
            bad.append(f"“{column.label}”（{column.name}）{exc.message}")
            continue
        if not raw.strip():
            if column.required:
                bad.append(f"“{column.label}”（{column.name}）为空 (required)")
            else:
                row[column.name] = ""
            continue
        try:
            row[column.name] = column.parse(raw)
        except BadValue as exc:
            bad.append(f"“{column.label}”：{exc}")
    return row, bad
