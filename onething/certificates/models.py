"""Electronic certificates (电子证照) and the deployment's signing keys.

A ``Certificate`` is issued when a case of a matter that ``issues`` a
certificate type is approved (``services.issue_certificate``). Its ``data``
holds the certified facts and ``signature`` is the Ed25519 signature of
their canonical JSON (``onething.domain.signing``) under ``key``. Private
keys never enter the database: they are files under
``$ONETHING_DATA_DIR/keys/<key_id>.pem`` (see ``keys.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SigningKey(models.Model):
    key_id = models.CharField("密钥标识", max_length=32, unique=True)
    algorithm = models.CharField("算法", max_length=20, default="ed25519")
    public_key_pem = models.TextField("公钥 (PEM)")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    active = models.BooleanField("当前签发用", default=False)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "签名密钥"
        ordering = ["-created_at", "-id"]
        constraints = [
            # Exactly one key signs new certificates; older ones only verify.
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True),
                                    name="one_active_signing_key"),
        ]

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.key_id}{'（当前）' if self.active else ''}"


class Certificate(models.Model):
    number = models.CharField("证照编号", max_length=64, unique=True)
    certificate_type = models.ForeignKey("catalog.CertificateType", models.PROTECT,
                                         related_name="certificates", verbose_name="证照类型")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT,
                               related_name="certificates", verbose_name="持证人")
    holder_name = models.CharField("持证人名称", max_length=200)
    department = models.ForeignKey("catalog.Department", models.PROTECT,
                                   related_name="certificates", verbose_name="发证部门")
    case = models.OneToOneField("applications.Case", models.PROTECT, null=True, blank=True,
                                related_name="certificate", verbose_name="办件")
    issued_at = models.DateTimeField("签发时间")
    valid_until = models.DateField("有效期至", null=True, blank=True)
    data = models.JSONField("证照信息（已签名）", default=dict)
    signature = models.TextField("签名 (base64)")
    key = models.ForeignKey(SigningKey, models.PROTECT, related_name="certificates",
                            verbose_name="签名密钥")
    revoked_at = models.DateTimeField("注销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name="注销人")
    revoke_reason = models.TextField("注销理由", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "电子证照"
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["holder", "certificate_type"],
                                name="certificate_holder_type")]

    def __str__(self) -> str:
        return f"{self.certificate_type.name} {self.number}"


class CertificateDocument(models.Model):
    """The certificate's PDF (版式文件) as issued: rendered once, the same bytes on every
    download.

    Approval records and signs the certificate in its transaction; the PDF is rendered
    off the request path by a worker task (``tasks.render_certificate_document``), or
    by the first download should that come first (``documents.issued_pdf``) — whichever
    renders first stores it, the other finds it. A separate row, so lists of
    certificates never load the bytes.
    """

    certificate = models.OneToOneField(Certificate, models.CASCADE, primary_key=True,
                                       related_name="document", verbose_name="电子证照")
    pdf = models.BinaryField("PDF")
    sha256 = models.CharField("SHA-256", max_length=64)
    verify_url = models.CharField("核验地址", max_length=300)
    rendered_at = models.DateTimeField("生成时间")
    rendered_by = models.CharField("生成方式", max_length=10)  # "task" or "download"

    class Meta:
        verbose_name = verbose_name_plural = "证照版式文件"

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.sha256[:12]}"


class ShareCode(models.Model):
    """A holder's permission for whoever has the code to see a certificate's details.

    The public verification page shows only what verification needs; the certified
    details (e.g. a contribution history) show to the signed-in holder and, with
    ``/verify/<number>/?share=<code>``, to the people the holder gave a code to, until it
    expires or the holder revokes it. Codes are random (``services.new_share_code``)
    and kept as they are, so the holder can copy them again from the portal.
    """

    certificate = models.ForeignKey(Certificate, models.CASCADE, related_name="share_codes",
                                    verbose_name="电子证照")
    code = models.CharField("分享码", max_length=32, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("失效时间")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "证照分享码"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.certificate.number} {self.code[:3]}…"


class RegisterSerial(models.Model):
    """The register's serial numbers (登记序号), e.g. the one each new USCC is made from.

    ``services.next_serial`` takes the next value with the row locked, so concurrent
    approvals get distinct serials (and thus distinct codes) on every database.
    """

    name = models.CharField("序号名称", max_length=40, unique=True)
    last_value = models.PositiveBigIntegerField("已用到", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "登记序号"

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"
