"""The audit trail (审计日志): security-relevant events in an append-only hash chain.

Each ``AuditEntry`` carries the SHA-256 of its own canonical JSON, which includes
the previous entry's hash (``prev_hash``): changing, inserting or deleting any
sealed entry breaks every later link, and ``onething audit verify`` finds the first
broken one.

An entry is written *pending* (待封链): its own fields and its row id, no ``sequence``,
``prev_hash`` or ``hash`` yet, so the writer's transaction locks nothing shared. The
sealer (``services.seal_pending``) links pending entries in id order in a short
transaction of its own under the lock on ``AuditChainHead``, the one row that says where
the sealed chain ends (and lets verification notice entries cut off the end). Entries
are written only by ``onething.audit.services.record_audit``; the model refuses updates
and deletes and, on PostgreSQL, so does the database (migrations 0002, 0003: the only
update allowed is sealing a pending entry — setting its link, nothing else).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64


class AuditEntry(models.Model):
    # The position in the chain, 1, 2, 3 … without a gap: given when the entry is sealed.
    sequence = models.PositiveBigIntegerField("序号", unique=True, null=True, blank=True)
    recorded_at = models.DateTimeField("时间")
    kind = models.CharField("事件", max_length=64, db_index=True)
    # No database constraint: the trail outlives accounts and must never block their changes.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.DO_NOTHING, null=True,
                              blank=True, db_constraint=False, related_name="+",
                              verbose_name="操作人")
    actor_label = models.CharField("操作人标识", max_length=150, blank=True)
    subject_type = models.CharField("对象类型", max_length=32, blank=True)
    subject_id = models.CharField("对象标识", max_length=64, blank=True)
    # The case concerned, if any: the workbench's access log lists a case's entries.
    case_id = models.BigIntegerField("办件", null=True, blank=True, db_index=True)
    details = models.JSONField("详情（已脱敏）", default=dict, blank=True)
    # Empty / NULL while the entry is pending (not yet sealed into the chain).
    prev_hash = models.CharField("前一条哈希", max_length=64, blank=True, default="")
    hash = models.CharField("哈希", max_length=64, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        # Written order: pending entries have no sequence yet; sealing follows the id.
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], condition=models.Q(hash__isnull=True),
                                name="audit_entry_pending")]

    def __str__(self) -> str:
        return f"#{self.sequence if self.sequence is not None else '-'} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only (审计日志不可修改)")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit entries are append-only (审计日志不可删除)")

    @property
    def pending(self) -> bool:
        """Written but not yet sealed into the chain (待封链)."""
        return self.hash is None


class AuditChainHead(models.Model):
    """The single row (pk 1) naming the last sealed entry: locked to seal, compared to
    verify. Writers of entries never touch it."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志链头"

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash[:12]}"
