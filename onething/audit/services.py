"""Writes to the audit trail: one entry point, ``record_audit``, and the chain check.

The chain (审计日志哈希链): every entry's ``hash`` is the SHA-256 of the canonical
JSON (sorted keys, no spaces, UTF-8) of its fields together with ``prev_hash``, the
previous entry's hash (64 zeros for the first).

Writing and chaining are two steps, so that audited writes do not queue on one row:

1. ``record_audit`` inserts the entry *pending*: its fields and row id, no ``sequence``,
   ``prev_hash`` or ``hash``. It locks nothing shared; the caller's transaction goes on
   (the hall's take and call-next used to wait here for every other audited write of
   the deployment, docs/benchmarks.md (g)). When that transaction commits, a sealing
   task is queued (``onething.audit.tasks.seal_audit_chain``; at most one waits at a time).
2. ``seal_pending`` (the task, housekeeping, ``verify_chain`` and ``onething audit``)
   locks the chain head (``SELECT … FOR UPDATE``; SQLite's IMMEDIATE transactions take
   the database's write lock) in a short transaction of its own, and gives every pending
   entry it sees, in id order, the next ``sequence``, the previous hash and its own hash.

Out-of-order commits: ids come from a sequence, so id 11 may commit before id 10. The
sealer never works from a watermark ("everything above the last sealed id"): it seals
whatever is pending, and an entry is pending until it is sealed whatever its id. An id
that commits late is simply sealed in a later round, after higher ids — the chain's order
is the order of sealing (id order within a round), and its ``sequence`` is gap-free
because only the sealer, under the head lock, hands it out. Nothing can be skipped, so
no grace period or gap timeout is needed.

Other code records events by calling ``record_audit(kind, actor=…, …)``; kinds in use
are listed in ``KINDS`` and in docs/security.md ("Audit trail").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from onething.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
from onething.domain.redaction import mask_personal_data, mask_personal_text

log = logging.getLogger("onething.audit")

KINDS = {
    "auth.login_succeeded": "登录成功",
    "auth.login_failed": "登录失败",
    "identity.level_changed": "实名认证等级变更",
    "token.issued": "签发接口令牌",
    "token.revoked": "吊销接口令牌",
    "case.viewed": "查阅办件",
    "material.viewed": "查看材料",
    "material.downloaded": "下载材料",
    "certificate.downloaded": "下载证照",
    "certificate.revoked": "注销证照",
    "register.imported": "导入共享数据",
    "certificate.shared": "分享证照详情",
    "certificate.share_revoked": "撤销证照分享",
    "staff.created": "新增工作人员",
    "staff.updated": "修改工作人员信息",
    "staff.disabled": "停用工作人员账号",
    "staff.enabled": "启用工作人员账号",
    "staff.password_reset": "重置工作人员密码",
    "staff.password_changed": "修改密码",
    "hall.created": "新增办事大厅",
    "hall.updated": "修改办事大厅信息",
    "category.created": "新增取号类别",
    "category.updated": "修改取号类别",
    "window.created": "新增窗口",
    "window.updated": "修改窗口",
    "window.assigned": "安排窗口",
    "shift.started": "窗口上岗",
    "shift.ended": "窗口下岗",
    "ticket.taken": "取号",
    "ticket.called": "叫号",
    "ticket.recalled": "重呼",
    "ticket.no_show": "过号",
    "ticket.serving": "开始办理",
    "ticket.done": "办结",
    "ticket.linked": "号票关联申请",
    "ticket.transferred": "号票转移",
    "ticket.left": "放弃取号",
    "ticket.history_loaded": "载入历史号票",
    "tidal_plan.accepted": "采纳潮汐窗口计划",
    "tidal_plan.withdrawn": "撤销潮汐窗口计划",
    "peak.created": "新增已知高峰",
    "peak.updated": "修改已知高峰",
}
_KIND = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
HEAD_PK = 1
SEAL_BATCH = 1000
# A pending entry older than this (after a seal) is flagged by verify_chain: sealing is
# not happening (no worker, or something refuses it).
STALE_PENDING = dt.timedelta(minutes=10)


class AuditError(ValueError):
    pass


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_fields(entry: AuditEntry) -> dict[str, Any]:
    """What the hash covers: every field of the entry except its own hash (and row id)."""
    return {
        "sequence": entry.sequence,
        "recorded_at": _timestamp(entry.recorded_at),
        "kind": entry.kind,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "case_id": entry.case_id,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
    }


def entry_hash(entry: AuditEntry) -> str:
    text = json.dumps(canonical_fields(entry), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _locked_head() -> AuditChainHead:
    """The chain head, locked until the surrounding transaction ends (the sealer's).

    Created on first use (a fresh database, or one emptied by the test runner) from the
    last sealed entry, so a missing head never stops the trail; two first seals at once
    race on the primary key and the loser waits for and then locks the winner's row.
    """
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is not None:
        return head
    last = AuditEntry.objects.filter(sequence__isnull=False).order_by("-sequence").first()
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(pk=HEAD_PK, sequence=last.sequence if last else 0,
                                          hash=last.hash if last else GENESIS_HASH)
    except IntegrityError:
        pass
    return AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)


def _actor_label(actor: Any) -> str:
    if actor is None or getattr(actor, "pk", None) is None:
        return ""
    return mask_personal_text(actor.get_username())[:150]


def record_audit(kind: str, *, actor: Any, subject: models.Model | None = None,
                 subject_type: str = "", subject_id: str | int = "",
                 case_id: int | None = None, details: Mapping[str, Any] | None = None,
                 actor_label: str = "") -> AuditEntry:
    """Append one event to the audit trail and return it.

    ``actor``: the user who acted (None for the system or an unknown person, then
    ``actor_label`` may say who was claimed, e.g. the username of a failed sign-in).
    ``subject``: the object concerned (its model label and primary key are kept), or
    ``subject_type``/``subject_id``; ``case_id`` ties the entry to a case's access log.
    ``details``: JSON-like facts; resident ID and mobile numbers in strings are masked
    before they are stored (个人信息保护法: the trail keeps no more than it needs).
    Runs in its own transaction, or joins the caller's: the entry is kept only if the
    caller's change is. The entry comes back pending (no ``sequence``/``hash`` yet): it
    is sealed into the chain after the commit (module docstring).
    """
    if not _KIND.match(kind or "") or len(kind) > 64:
        raise AuditError(f"bad audit kind {kind!r}")
    if subject is not None:
        subject_type = subject._meta.label_lower
        subject_id = subject.pk
    clean_details = json.loads(json.dumps(mask_personal_data(dict(details or {})),
                                          ensure_ascii=False, default=str))
    label = mask_personal_text(actor_label)[:150] if actor_label else _actor_label(actor)
    # One INSERT: inside the caller's transaction it needs no savepoint of its own (two
    # round trips on every audited write); a failure fails the caller's change anyway.
    with transaction.atomic(savepoint=False):
        entry = AuditEntry(
            recorded_at=timezone.now(),
            kind=kind,
            actor=actor if getattr(actor, "pk", None) is not None else None,
            actor_label=label,
            subject_type=str(subject_type or "")[:32],
            subject_id=str(subject_id if subject_id is not None else "")[:64],
            case_id=case_id,
            details=clean_details,
        )
        entry.save()
        _seal_after_commit()
    return entry


def _seal_after_commit() -> None:
    """Queue a seal when the current transaction commits — once per transaction, however
    many entries it wrote (Django keeps the transaction's callbacks; a rolled-back
    savepoint drops its own)."""
    connection = transaction.get_connection()
    if any(getattr(item[1], "__func__", item[1]) is _queue_seal
           for item in connection.run_on_commit):
        return
    transaction.on_commit(_queue_seal, robust=True)


def _queue_seal() -> None:
    from onething.audit.tasks import queue_seal

    try:
        queue_seal()
    except Exception:  # the write is committed; housekeeping and verify seal it anyway
        log.warning("could not queue the audit chain seal (审计日志封链任务未能排队)",
                     exc_info=True)


def seal_pending(*, batch: int = SEAL_BATCH) -> int:
    """Link every pending entry into the chain, in id order; how many were sealed.

    Each batch is one short transaction holding the head lock: read the head, read up to
    ``batch`` pending entries, give them the next sequences, their predecessors' hashes
    and their own hashes, move the head. Two sealers at once take turns on the head; the
    second reads the pending entries after the first committed, so it seals only what is
    left. Entries whose writers have not committed yet are not seen and wait for a later
    round (their own commit queues one).
    """
    sealed = 0
    while True:
        with transaction.atomic():
            head = _locked_head()
            pending = list(AuditEntry.objects.filter(hash__isnull=True).order_by("id")[:batch])
            if not pending:
                return sealed
            sequence, previous = head.sequence, head.hash
            for entry in pending:
                sequence += 1
                entry.sequence, entry.prev_hash = sequence, previous
                entry.hash = previous = entry_hash(entry)
            AuditEntry.objects.bulk_update(pending, ["sequence", "prev_hash", "hash"])
            head.sequence, head.hash = sequence, previous
            head.save(update_fields=["sequence", "hash"])
        sealed += len(pending)
        if len(pending) < batch:
            return sealed


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of ``verify_chain``: ``broken_at`` is None when the sealed chain holds.

    ``pending``: entries not sealed yet when the check ran (written while it sealed);
    ``stale_pending``: those of them recorded more than ``STALE_PENDING`` ago — sealing is
    not keeping up (or something refuses it), which an operator has to look at.
    """

    checked: int
    last_sequence: int
    last_hash: str
    broken_at: int | None = None
    problem: str = ""
    pending: int = 0
    stale_pending: int = 0
    oldest_pending: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _entries() -> Iterator[AuditEntry]:
    return (AuditEntry.objects.filter(sequence__isnull=False).order_by("sequence")
            .iterator(chunk_size=2000))


def verify_chain(*, seal: bool = True, now: dt.datetime | None = None) -> ChainCheck:
    """Seal what is pending (unless ``seal=False``), then walk the sealed chain from the
    start and report the first broken link, and how many entries are still pending.

    A link is broken when an entry's sequence is not the previous one plus one (an entry
    deleted or inserted), when its ``prev_hash`` is not the previous entry's hash, or
    when its content no longer hashes to its ``hash`` (the entry was changed). Finally
    the head must name the last entry (entries cut off the end). A sealed entry turned
    back into a pending one leaves a gap in the sequence (entries missing). Pending
    entries are not covered by any hash yet: sealing is what protects them.
    """
    if seal:
        seal_pending()
    result = _walk()
    pending = AuditEntry.objects.filter(hash__isnull=True)
    oldest = pending.order_by("id").values_list("recorded_at", flat=True).first()
    if oldest is None:
        return result
    stale_before = (now or timezone.now()) - STALE_PENDING
    return dataclasses.replace(result, pending=pending.count(), oldest_pending=oldest,
                               stale_pending=pending.filter(recorded_at__lt=stale_before)
                               .count())


def _walk() -> ChainCheck:
    expected_sequence, previous_hash, checked = 1, GENESIS_HASH, 0
    for entry in _entries():
        if entry.sequence != expected_sequence:
            what = "missing" if entry.sequence > expected_sequence else "duplicated"
            return ChainCheck(checked, expected_sequence - 1, previous_hash, expected_sequence,
                              f"sequence: expected #{expected_sequence}, found "
                              f"#{entry.sequence} (entries {what})")
        if entry.prev_hash != previous_hash:
            return ChainCheck(checked, entry.sequence - 1, previous_hash, entry.sequence,
                              f"prev_hash: stored {entry.prev_hash}, the previous entry's "
                              f"hash is {previous_hash}")
        computed = entry_hash(entry)
        if computed != entry.hash:
            return ChainCheck(checked, entry.sequence - 1, previous_hash, entry.sequence,
                              f"hash: stored {entry.hash}, the content hashes to {computed} "
                              f"(the entry was changed after it was written)")
        expected_sequence, previous_hash, checked = entry.sequence + 1, entry.hash, checked + 1
    last = expected_sequence - 1
    head = AuditChainHead.objects.filter(pk=HEAD_PK).first()
    if head is not None and (head.sequence, head.hash) != (last, previous_hash):
        return ChainCheck(checked, last, previous_hash, last + 1,
                          f"head: the chain ends at #{last} but its head names "
                          f"#{head.sequence} {head.hash} (entries cut off the end)")
    return ChainCheck(checked, last, previous_hash)
