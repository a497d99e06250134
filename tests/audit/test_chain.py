"""The audit trail: hash-chained, append-only, verifiable; tampering is found."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from onething.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
from onething.audit.services import AuditError, record_audit, seal_pending, verify_chain

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"
TABLE = AuditEntry._meta.db_table
ID_NUMBER = "37140219900101125X"
migration = importlib.import_module("onething.audit.migrations.0002_entry_append_only")


@pytest.fixture
def chain(demo):
    """Five entries: 1-5, sealed."""
    for n in range(1, 6):
        record_audit("case.viewed", actor=demo.samr, subject_type="applications.case",
                     subject_id=n, case_id=n, details={"n": n})
    assert seal_pending() == 5
    return list(AuditEntry.objects.order_by("sequence"))


def tamper(sql: str, params=()) -> None:
    """Change rows behind the application's back, as someone with database access could.
    On PostgreSQL the append-only trigger has to be switched off first (the table owner
    can); on SQLite nothing stands in the way."""
    with connection.cursor() as cursor:
        if ON_POSTGRESQL:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_auditentry_append_only")
        cursor.execute(sql, params)
        if ON_POSTGRESQL:
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER audit_auditentry_append_only")


def verify_output() -> str:
    try:
        call_command("audit", "verify")
    except CommandError as exc:
        return f"FAILED: {exc}"
    return "OK"


def test_each_entry_hashes_its_canonical_json_with_the_previous_hash(demo):
    first = record_audit("auth.login_succeeded", actor=demo.samr, subject=demo.samr,
                         details={"channel": "workbench", "ip": "10.0.0.7"})
    second = record_audit("certificate.revoked", actor=demo.samr, subject_type="x.y",
                          subject_id="7", case_id=42, details={"reason": "错误"})
    # Written pending: no link yet, and the head (the one shared row) was not touched.
    assert [(e.sequence, e.prev_hash, e.hash) for e in (first, second)] == [(None, "", None)] * 2
    assert not AuditChainHead.objects.exists()
    assert seal_pending() == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.hash
    stored = AuditEntry.objects.get(sequence=1)
    expected = {
        "sequence": 1,
        "recorded_at": stored.recorded_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "kind": "auth.login_succeeded", "actor_id": demo.samr.pk,
        "actor_label": "reviewer-dc-samr", "subject_type": "accounts.user",
        "subject_id": str(demo.samr.pk), "case_id": None,
        "details": {"channel": "workbench", "ip": "10.0.0.7"}, "prev_hash": GENESIS_HASH,
    }
    text = json.dumps(expected, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert stored.hash == hashlib.sha256(text.encode()).hexdigest()
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (2, second.hash)
    check = verify_chain()
    assert (check.ok, check.checked, check.last_sequence, check.last_hash) == (
        True, 2, 2, second.hash)
    assert verify_output() == "OK"


def test_details_and_labels_are_masked_before_they_are_stored(db):
    entry = record_audit("auth.login_failed", actor=None, actor_label="m13800138000",
                         details={"note": f"身份证 {ID_NUMBER} 手机 13800138000",
                                  "nested": [{"mobile": "+86 13912345678"}], "count": 3})
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor_label == "m138****8000"
    assert stored.details == {"note": "身份证 371402********125X 手机 138****8000",
                              "nested": [{"mobile": "+86 139****5678"}], "count": 3}
    assert verify_chain().ok


def test_bad_kinds_are_refused(db):
    for kind in ("", "login", "Auth.Login", "auth.login; drop", "a." + "b" * 70):
        with pytest.raises(AuditError):
            record_audit(kind, actor=None)
    assert AuditEntry.objects.count() == 0


def test_the_model_refuses_to_change_or_delete_an_entry(chain):
    entry = chain[0]
    entry.kind = "auth.login_succeeded"
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).kind == "case.viewed"


def _refused(sql, params):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        assert "append-only" in str(exc)
        return True
    return False


def test_postgresql_refuses_update_and_delete_of_entries(chain):
    """The database refuses whatever the client; SQLite has no such trigger here, and
    there the model guard and the chain check are what there is (checked above/below)."""
    if not ON_POSTGRESQL:
        assert not _refused(f"UPDATE {TABLE} SET kind = %s WHERE sequence = %s", ["x.y", 5])
        return
    assert _refused(f"UPDATE {TABLE} SET kind = %s WHERE sequence = %s", ["x.y", 2])
    assert _refused(f"DELETE FROM {TABLE} WHERE sequence = %s", [2])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(sequence=2).update(details={})
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(sequence=2).delete()
    assert verify_chain().ok and AuditEntry.objects.count() == 5


def test_the_trigger_migration_runs_sql_only_on_postgresql(db):
    from types import SimpleNamespace

    executed = []
    editor = SimpleNamespace(connection=SimpleNamespace(vendor="sqlite"),
                             execute=lambda sql, params=(): executed.append(sql))
    forwards = migration.Migration.operations[0].code
    backwards = migration.Migration.operations[0].reverse_code
    forwards(None, editor)
    backwards(None, editor)
    assert executed == []
    editor.connection.vendor = "postgresql"
    forwards(None, editor)
    assert len(executed) == 3 and "BEFORE UPDATE OR DELETE ON audit_auditentry" in executed[2]


def test_changed_content_is_found_at_its_entry(chain):
    tamper(f"UPDATE {TABLE} SET details = %s WHERE sequence = 3", ['{"n": 99}'])
    check = verify_chain()
    assert (check.ok, check.broken_at, check.checked) == (False, 3, 2)
    assert check.problem.startswith(f"hash: stored {chain[2].hash}, the content hashes to ")
    assert verify_output() == (
        f"FAILED: 审计日志链在第 3 条处断开 (audit chain broken at entry #3): {check.problem}; "
        "2 entries before it are intact")


def test_changed_actor_or_time_is_found(chain, demo):
    tamper(f"UPDATE {TABLE} SET actor_id = %s WHERE sequence = 2", [demo.health.pk])
    assert verify_chain().broken_at == 2


def test_a_rewritten_entry_with_a_fresh_hash_breaks_the_next_link(chain):
    """Recomputing the changed entry's own hash is not enough: its successor still
    names the old hash."""
    from onething.audit.services import entry_hash

    forged = AuditEntry.objects.get(sequence=3)
    forged.details = {"n": 99}
    new_hash = entry_hash(forged)
    tamper(f"UPDATE {TABLE} SET details = %s, hash = %s WHERE sequence = 3",
           ['{"n": 99}', new_hash])
    check = verify_chain()
    assert check.broken_at == 4
    assert check.problem == (f"prev_hash: stored {chain[2].hash}, the previous entry's hash "
                             f"is {new_hash}")


def test_a_deleted_entry_is_found(chain):
    tamper(f"DELETE FROM {TABLE} WHERE sequence = 2")
    check = verify_chain()
    assert (check.broken_at, check.problem) == (
        2, "sequence: expected #2, found #3 (entries missing)")


def test_entries_cut_off_the_end_are_found_by_the_head(chain):
    tamper(f"DELETE FROM {TABLE} WHERE sequence >= 4")
    check = verify_chain()
    assert check.broken_at == 4
    assert check.problem == (f"head: the chain ends at #3 but its head names #5 "
                             f"{chain[4].hash} (entries cut off the end)")
    assert verify_output().startswith("FAILED: 审计日志链在第 4 条处断开")


def test_a_missing_head_is_rebuilt_from_the_last_entry(chain):
    AuditChainHead.objects.all().delete()
    entry = record_audit("case.viewed", actor=None)
    assert seal_pending() == 1
    entry.refresh_from_db()
    assert (entry.sequence, entry.prev_hash) == (6, chain[4].hash)
    assert verify_chain().ok


def test_audit_list_prints_entries(chain, capsys):
    call_command("audit", "list", "--case", "2")
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("#2 ") and ' case.viewed reviewer-dc-samr applications.case:2 ' \
        in out[0] and out[0].endswith('{"n": 2}')
