"""Registers departments load for automatic decisions (秒批) and the kiosk.

Each load replaces the register's rows in one transaction (a snapshot of the
department's own system); ``RegisterLoad`` keeps who loaded what, when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from onething.domain.instant import INSURANCE_KINDS
from onething.domain.registers import DUE_ITEMS, ENTERPRISE_STATUSES, REGISTERS
from onething.domain.validators import mask_id_number


class RegisterLoad(models.Model):
    register = models.CharField("数据库", max_length=40,
                                choices=[(k, r.name) for k, r in REGISTERS.items()])
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                  blank=True, verbose_name="导入人", related_name="+")
    loaded_at = models.DateTimeField("导入时间", auto_now_add=True)
    filename = models.CharField("文件名", max_length=255, blank=True)
    sha256 = models.CharField("文件摘要", max_length=64)
    rows = models.PositiveIntegerField("行数")

    class Meta:
        verbose_name = verbose_name_plural = "数据导入记录"
        ordering = ["-loaded_at", "-id"]
        indexes = [models.Index(fields=["register", "-loaded_at"], name="register_latest")]

    def __str__(self) -> str:
        return f"{self.get_register_display()} {self.loaded_at:%Y-%m-%d %H:%M}（{self.rows} 行）"


class RegisterRow(models.Model):
    """What every register row has: the load it came with and whom it is about."""

    load = models.ForeignKey(RegisterLoad, models.CASCADE, related_name="+")
    id_number = models.CharField("身份证号码", max_length=18, db_index=True)
    name = models.CharField("姓名", max_length=50)

    class Meta:
        abstract = True


class CriminalRecord(RegisterRow):
    """犯罪记录: one judgment against one person."""

    offence = models.CharField("罪名", max_length=200)
    judgment_date = models.DateField("判决日期")
    court = models.CharField("判决法院", max_length=200, blank=True)
    judgment_number = models.CharField("判决书文号", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "犯罪记录"

    def __str__(self) -> str:
        return f"{mask_id_number(self.id_number)} {self.offence}"


class Contribution(RegisterRow):
    """社会保险缴费记录: one insurance, one month."""

    insurance = models.CharField("险种", max_length=20, choices=list(INSURANCE_KINDS.items()))
    month = models.CharField("缴费年月", max_length=7)
    amount_fen = models.PositiveBigIntegerField("缴费金额（分）")
    employer = models.CharField("参保单位", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "社保缴费记录"

    def __str__(self) -> str:
        return f"{mask_id_number(self.id_number)} {self.get_insurance_display()} {self.month}"


class ContributionDue(RegisterRow):
    """城乡居民社保应缴: what a resident can pay themselves at the kiosk."""

    item = models.CharField("缴费项目", max_length=30, choices=list(DUE_ITEMS.items()))
    year = models.PositiveSmallIntegerField("缴费年度")
    amount_fen = models.PositiveBigIntegerField("应缴金额（分）")

    class Meta:
        verbose_name = verbose_name_plural = "城乡居民社保应缴费用"

    def __str__(self) -> str:
        return f"{mask_id_number(self.id_number)} {self.get_item_display()} {self.year}"


class ResidentRecord(RegisterRow):
    """户籍人口库: one resident, as the police hold them (name, ID number, photo digest)."""

    photo_sha256 = models.CharField("照片摘要", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "户籍人口"

    def __str__(self) -> str:
        return mask_id_number(self.id_number)


class EnterpriseRecord(models.Model):
    """企业登记信息: one registered business and its legal representative."""

    load = models.ForeignKey(RegisterLoad, models.CASCADE, related_name="+")
    uscc = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    company_name = models.CharField("企业名称", max_length=200)
    representative_name = models.CharField("法定代表人", max_length=50)
    representative_id_number = models.CharField("法定代表人身份证号码", max_length=18,
                                                blank=True)
    status = models.CharField("登记状态", max_length=20, blank=True,
                              choices=list(ENTERPRISE_STATUSES.items()))

    class Meta:
        verbose_name = verbose_name_plural = "企业登记信息"

    def __str__(self) -> str:
        return f"{self.uscc} {self.company_name}"
