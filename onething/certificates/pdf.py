"""The certificate as a printable PDF (电子证照版式文件).

``render_certificate_pdf`` lays out the signed data of a certificate on an A4
page with a QR code leading to the public verification page. The Chinese font
is embedded (subset) so the file reads the same everywhere; ``core.fonts``
finds it (Debian's ``fonts-wqy-microhei``, or ``ONETHING_CERTIFICATE_FONT``).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import segno
from django.utils import timezone, translation
from fpdf import FPDF

from onething.certificates.models import Certificate
from onething.certificates.selectors import detail_rows
from onething.core.fonts import font_path

FONT_FAMILY = "cjk"
QR_SCALE = 6
QR_SIZE_MM = 40
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def qr_png(url: str) -> bytes:
    """The QR code of ``url`` as PNG bytes (error correction Q: survives a worn print)."""
    buf = io.BytesIO()
    segno.make(url, error="q").save(buf, kind="png", scale=QR_SCALE, border=4)
    return buf.getvalue()


def _date(value: str | None) -> str:
    if not value:
        return "长期"
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if isinstance(parsed, dt.datetime) and "T" in value:
        parsed = timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
    return f"{parsed.year}年{parsed.month}月{parsed.day}日"


class _CertificatePDF(FPDF):
    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(110)
        self.cell(0, 5, f"第 {self.page_no()} 页", align="C")


def render_certificate_pdf(certificate: Certificate, verify_url: str, *,
                           as_issued: bool = False) -> bytes:
    """An A4 PDF of ``certificate``'s signed data; ``verify_url`` must be absolute.

    Dated with the certificate's issue time, so the same certificate and address give
    the same bytes. ``as_issued`` leaves out a later revocation (the stored document,
    ``documents.issued_pdf``); otherwise a revoked certificate is marked 已注销."""
    data = certificate.data if isinstance(certificate.data, dict) else {}
    title = data.get("certificate_name") or certificate.certificate_type.name
    number = data.get("number") or certificate.number

    pdf = _CertificatePDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(f"{title} {number}")
    pdf.set_author(str((data.get("department") or {}).get("name", "")))
    pdf.set_creator("onething")
    pdf.set_creation_date(certificate.issued_at)
    pdf.set_lang("zh-CN")
    pdf.add_font(FONT_FAMILY, fname=str(font_path()))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font(FONT_FAMILY, size=26)
    pdf.cell(width, 16, title, align="C", new_x="LMARGIN", new_y="NEXT")
    fields = [(str(f.get("key", "")), str(f.get("label", "")), str(f.get("value", "")))
              for f in data.get("fields") or [] if isinstance(f, dict)]
    pdf.set_font(FONT_FAMILY, size=11)
    if data.get("layout") == "licence" and data.get("holder_id"):
        # 执照版式: the holder's code (the USCC) under the title, as on a paper licence
        pdf.cell(width, 8, f"统一社会信用代码：{data['holder_id']}", align="C",
                 new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, 8, f"证照编号：{number}", align="C", new_x="LMARGIN", new_y="NEXT")
    if certificate.revoked_at is not None and not as_issued:
        pdf.set_text_color(180, 0, 0)
        pdf.set_font(FONT_FAMILY, size=14)
        pdf.cell(width, 10, f"已注销（{_date(certificate.revoked_at.isoformat())}）",
                 align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
    pdf.ln(6)

    department = (data.get("department") or {}).get("name", "") or certificate.department.name
    matter = data.get("matter") or {}
    organisation = data.get("holder_kind") == "organisation"
    printed = {key for key, _label, _value in fields}
    rows: list[tuple[str, str]] = []
    if not (organisation and "company_name" in printed):
        rows.append(("持证人", str(data.get("holder_name") or certificate.holder_name)))
    if data.get("holder_id") and not (organisation and "uscc" in printed):
        rows.append(("统一社会信用代码" if organisation else "证件号码",
                     str(data["holder_id"])))  # already masked for people
    rows += [(label, _date(value) if _ISO_DAY.fullmatch(value) else value)
             for _key, label, value in fields]
    rows += [
        ("发证部门", str(department)),
        ("签发日期", _date(data.get("issued_at"))),
        ("有效期至", _date(data.get("valid_until"))),
    ]
    if matter.get("name"):
        rows.append(("办理事项", f"{matter['name']}（受理编号 {data.get('tracking_number', '')}）"))
    with translation.override("zh-hans"):  # the document is Chinese whatever the page
        rows += detail_rows(data.get("details") or {})

    label_width = 42
    pdf.set_font(FONT_FAMILY, size=12)
    for label, value in rows:
        pdf.set_text_color(90)
        y = pdf.get_y()
        pdf.multi_cell(label_width, 8, label, new_x="RIGHT", new_y="TOP")
        pdf.set_text_color(0)
        pdf.set_xy(pdf.l_margin + label_width, y)
        pdf.multi_cell(width - label_width, 8, value or "—", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(8)
    if pdf.get_y() + QR_SIZE_MM + 25 > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y()
    pdf.image(io.BytesIO(qr_png(verify_url)), x=pdf.l_margin, y=top, w=QR_SIZE_MM,
              h=QR_SIZE_MM, alt_text=f"核验二维码 {verify_url}")
    text_x = pdf.l_margin + QR_SIZE_MM + 6
    pdf.set_xy(text_x, top + 2)
    pdf.set_font(FONT_FAMILY, size=10)
    key_id = data.get("key_id") or certificate.key.key_id
    pdf.multi_cell(width - QR_SIZE_MM - 6, 6,
                   "扫描二维码或访问以下网址核验本证照的真伪和状态：\n"
                   f"{verify_url}\n"
                   f"本证照由发证部门电子签名（Ed25519，密钥标识 {key_id}），"
                   "以核验结果为准。",
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
