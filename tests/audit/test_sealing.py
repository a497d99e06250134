"""Pending entries and the sealer (onething/audit/services.py): writers lock nothing
shared; the sealer links pending entries in id order; tampering with sealed entries is
still found; entries left pending too long are flagged; concurrent writers on real
PostgreSQL connections no longer wait for each other, and an entry whose transaction
commits after a later-numbered one is sealed, not skipped."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from onething.audit import tasks
from onething.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
from onething.audit.services import entry_hash, record_audit, seal_pending, verify_chain
from tests.audit.test_chain import TABLE, tamper
from tests.pg_race import failures, needs_postgresql, race

WRITTEN = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def _write(n: int, label: str = "w") -> AuditEntry:
    return record_audit(
        "case.viewed",
        actor=None,
        actor_label=label,
        subject_type="x.y",
        subject_id=n,
        details={"n": n},
    )


def _links() -> list[tuple[int, int | None, str, str | None]]:
    return list(
        AuditEntry.objects.order_by("id").values_list("details__n", "sequence", "prev_hash", "hash")
    )


@pytest.mark.django_db
def test_sealing_links_pending_entries_in_id_order_in_batches():
    written = [_write(n) for n in range(1, 6)]
    assert all(e.pending for e in written)
    assert [n for n, *_ in _links()] == [1, 2, 3, 4, 5]
    assert {(s, p, h) for _, s, p, h in _links()} == {(None, "", None)}
    assert seal_pending(batch=2) == 5  # three rounds: 2 + 2 + 1
    rows = list(AuditEntry.objects.order_by("id"))
    assert [(e.details["n"], e.sequence) for e in rows] == [(n, n) for n in range(1, 6)]
    previous = GENESIS_HASH
    for entry in rows:
        assert entry.prev_hash == previous and entry.hash == entry_hash(entry)
        previous = entry.hash
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (5, rows[4].hash)
    # Nothing pending: a second seal does nothing; later entries continue the chain.
    assert seal_pending() == 0
    _write(6)
    assert seal_pending() == 1
    sixth = AuditEntry.objects.get(details__n=6)
    assert (sixth.sequence, sixth.prev_hash) == (6, rows[4].hash)
    check = verify_chain()
    assert (check.ok, check.checked, check.last_sequence, check.pending) == (True, 6, 6, 0)


@pytest.mark.django_db
def test_verify_seals_first_and_reports_what_is_still_pending():
    _write(1)
    _write(2)
    unsealed = verify_chain(seal=False)
    assert (unsealed.ok, unsealed.checked, unsealed.pending, unsealed.stale_pending) == (
        True,
        0,
        2,
        0,
    )
    check = verify_chain()
    assert (check.ok, check.checked, check.pending) == (True, 2, 0)


@pytest.mark.django_db
def test_an_entry_pending_too_long_is_flagged(capsys):
    with time_machine.travel(WRITTEN, tick=False):
        old = _write(1)
    late = WRITTEN + dt.timedelta(minutes=10, seconds=1)
    check = verify_chain(seal=False, now=late)
    assert (check.ok, check.pending, check.stale_pending, check.oldest_pending) == (
        True,
        1,
        1,
        old.recorded_at,
    )
    assert verify_chain(seal=False, now=WRITTEN + dt.timedelta(minutes=10)).stale_pending == 0
    # The command seals first, so a stale entry there means sealing fails: it says so.
    from onething.audit import services

    real = services.seal_pending
    services.seal_pending = lambda **kwargs: 0  # a sealer that cannot seal
    try:
        with time_machine.travel(late, tick=False), pytest.raises(CommandError) as failed:
            call_command("audit", "verify")
    finally:
        services.seal_pending = real
    assert str(failed.value) == (
        "1 条审计日志待封链超过 10 分钟 (1 audit entries pending for over 10 minutes, "
        "oldest recorded 2026-12-07T09:00:00+00:00): sealing is not keeping up; the 0 sealed "
        "entries are intact"
    )
    call_command("audit", "verify")
    assert capsys.readouterr().out.startswith(
        "审计日志完整 (audit trail intact): 1 entries, last #1 "
    )


@pytest.mark.django_db
def test_tampering_after_sealing_is_found():
    for n in range(1, 5):
        _write(n)
    seal_pending()
    tamper(f"UPDATE {TABLE} SET actor_label = 'someone' WHERE sequence = 2")
    check = verify_chain()
    assert (check.ok, check.broken_at, check.checked) == (False, 2, 1)
    assert check.problem.endswith("(the entry was changed after it was written)")


@pytest.mark.django_db
def test_a_sealed_entry_made_pending_again_leaves_a_gap():
    """Turning a sealed entry back into a pending one (to have it re-sealed at the end
    with other content) leaves its place in the chain empty."""
    for n in range(1, 5):
        _write(n)
    seal_pending()
    tamper(f"UPDATE {TABLE} SET sequence = NULL, hash = NULL, prev_hash = '' WHERE sequence = 2")
    check = verify_chain()
    assert (check.ok, check.broken_at, check.problem) == (
        False,
        2,
        "sequence: expected #2, found #3 (entries missing)",
    )


@pytest.mark.django_db
def test_reordered_entries_are_found():
    for n in range(1, 5):
        _write(n)
    seal_pending()
    # Swap the places of #2 and #3 (through a free number: sequence is unique).
    tamper(f"UPDATE {TABLE} SET sequence = 99 WHERE sequence = 2")
    tamper(f"UPDATE {TABLE} SET sequence = 2 WHERE sequence = 3")
    tamper(f"UPDATE {TABLE} SET sequence = 3 WHERE sequence = 99")
    check = verify_chain()
    assert (check.ok, check.broken_at) == (False, 2)
    assert check.problem.startswith("prev_hash: stored ")


@pytest.mark.django_db
def test_one_seal_is_queued_per_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for n in range(1, 4):
                _write(n)
            assert AuditEntry.objects.filter(hash__isnull=True).count() == 3
    assert len(callbacks) == 1  # coalesced: one seal for the transaction's three entries
    # The tests' task backend runs the task at once: the three are sealed.
    assert [(n, s) for n, s, *_ in _links()] == [(1, 1), (2, 2), (3, 3)]


@pytest.mark.django_db
def test_a_rolled_back_savepoint_does_not_lose_the_seal(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    _write(1)
                    raise ValueError("the inner change fails")
            except ValueError:
                pass
            _write(2)
    assert len(callbacks) == 1
    assert [(n, s) for n, s, *_ in _links()] == [(2, 1)]


@pytest.mark.django_db
def test_the_database_backend_queues_one_waiting_seal(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    tasks.queue_seal()
    tasks.queue_seal()
    waiting = DBTaskResult.objects.filter(task_path=tasks.seal_audit_chain.module_path)
    assert waiting.count() == 1
    waiting.update(status="SUCCESSFUL")  # the worker ran it: the next commit queues again
    tasks.queue_seal()
    assert waiting.count() == 2


@needs_postgresql
@pytest.mark.django_db
def test_postgresql_allows_sealing_and_nothing_else():
    """The trigger (migration 0003): a pending entry may be given its link, nothing
    else; a sealed entry may not be re-linked; content never changes; nothing deleted."""
    entry = _write(1)

    def refused(sql, params=()):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
        except DatabaseError as exc:
            assert "append-only" in str(exc)
            return True
        return False

    assert refused(f"UPDATE {TABLE} SET details = '{{}}' WHERE id = %s", [entry.pk])
    assert refused(
        f"UPDATE {TABLE} SET sequence = 1, hash = %s, kind = 'x.y' WHERE id = %s",
        ["a" * 64, entry.pk],
    )
    assert refused(f"DELETE FROM {TABLE} WHERE id = %s", [entry.pk])
    assert seal_pending() == 1
    assert refused(f"UPDATE {TABLE} SET hash = NULL, sequence = NULL WHERE id = %s", [entry.pk])
    assert refused(f"UPDATE {TABLE} SET prev_hash = %s WHERE id = %s", ["b" * 64, entry.pk])
    assert verify_chain().ok


# -- real concurrent connections (scripts/test-postgres.sh) ----------------------------


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_writers_holding_uncommitted_entries_do_not_wait_for_each_other():
    """A keeps its audited write uncommitted until B has written *and committed* its own.
    With the head locked in the writer's transaction B waited for A, and A's wait for B
    timed out; now both go through at once."""
    a_written, b_done = threading.Event(), threading.Event()

    def a() -> bool:
        with transaction.atomic():
            _write(1, "a")
            a_written.set()
            return b_done.wait(10)

    def b() -> str:
        assert a_written.wait(10)
        with transaction.atomic():
            _write(2, "b")
        b_done.set()
        return "b"

    outcomes = race(a, b)
    assert failures(outcomes) == [] and outcomes == [True, "b"], outcomes
    check = verify_chain()
    assert (check.ok, check.checked, check.pending) == (True, 2, 0)
    # B committed first and was sealed first (its own commit queued the seal).
    assert list(AuditEntry.objects.order_by("sequence").values_list("actor_label", flat=True)) == [
        "b",
        "a",
    ]


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_lower_id_committing_later_is_sealed_not_skipped():
    """A takes its id first but commits after B; the seal after B's commit sees only B.
    A stays pending (nothing skips it: the sealer takes whatever is pending, it keeps no
    "sealed up to id" mark) and is sealed after its own commit, as #2."""
    a_written, b_sealed = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def a() -> int:
        with transaction.atomic():
            entry = _write(1, "a")
            a_written.set()
            assert b_sealed.wait(10)
        return entry.pk

    def b() -> int:
        assert a_written.wait(10)
        with transaction.atomic():
            entry = _write(2, "b")
        # The seal queued by B's commit has run (the tests' immediate task backend).
        seen["after_b"] = list(
            AuditEntry.objects.order_by("id").values_list("actor_label", "sequence")
        )
        b_sealed.set()
        return entry.pk

    outcomes = race(a, b)
    assert failures(outcomes) == [], outcomes
    a_id, b_id = outcomes
    assert a_id < b_id
    assert seen["after_b"] == [("b", 1)]  # A's row not committed yet: not visible, not sealed
    rows = list(AuditEntry.objects.order_by("id").values_list("id", "actor_label", "sequence"))
    assert rows == [(a_id, "a", 2), (b_id, "b", 1)]
    check = verify_chain(seal=False)
    assert (check.ok, check.checked, check.pending) == (True, 2, 0)
