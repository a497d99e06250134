"""Appends from several processes at once still form one unbroken chain.

Real processes with their own database connections (like tests/production): on
PostgreSQL they share the test database (a transactional test), on SQLite a migrated
database file. Without the lock on the chain head two appends would read the same
predecessor and collide on the sequence (or fork the chain).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.production.test_workers import (  # noqa: F401  (fixtures)
    ON_POSTGRESQL,
    REPO,
    TIMEOUT,
    migrated_sqlite,
    shared,
)

pytestmark = [pytest.mark.django_db(transaction=True)] if ON_POSTGRESQL else []
PROCESSES, EACH = 4, 50

REPORT = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
django.setup()
from onething.audit.models import AuditEntry
from onething.audit.services import verify_chain
check = verify_chain()
print(json.dumps({"ok": check.ok, "problem": check.problem, "checked": check.checked,
                  "sequences": list(AuditEntry.objects.order_by("sequence")
                                    .values_list("sequence", flat=True)),
                  "labels": sorted(AuditEntry.objects.values_list("actor_label", flat=True))}))
"""


def test_concurrent_appends_form_one_chain(shared, tmp_path):  # noqa: F811
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    writers = [shared.start("tests.audit.append_support", str(EACH), f"p{n}", str(barrier),
                            str(PROCESSES)) for n in range(PROCESSES)]
    for writer in writers:
        out, _ = writer.communicate(timeout=TIMEOUT)
        assert writer.returncode == 0, out
    result = subprocess.run([sys.executable, "-c", REPORT], cwd=REPO, env=shared.env,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    total = PROCESSES * EACH
    assert report["sequences"] == list(range(1, total + 1))
    assert (report["ok"], report["problem"], report["checked"]) == (True, "", total)
    assert report["labels"] == sorted(f"p{n}" for n in range(PROCESSES) for _ in range(EACH))

    # The command line: exit status 0 on an intact chain, 1 at the first broken link.
    intact = subprocess.run([sys.executable, "-m", "onething", "audit", "verify"], cwd=REPO,
                            env=shared.env, capture_output=True, text=True, timeout=TIMEOUT)
    assert intact.returncode == 0, intact.stderr
    assert f"审计日志完整 (audit trail intact): {total} entries, last #{total} " in intact.stdout
    _tamper(shared, "UPDATE audit_auditentry SET actor_label = 'someone' WHERE sequence = 77")
    broken = subprocess.run([sys.executable, "-m", "onething", "audit", "verify"], cwd=REPO,
                            env=shared.env, capture_output=True, text=True, timeout=TIMEOUT)
    assert broken.returncode == 1
    assert "审计日志链在第 77 条处断开 (audit chain broken at entry #77): hash: stored " \
        in broken.stderr


def _tamper(database, sql: str) -> None:
    """Rewrite a row as someone with database access could (on PostgreSQL the owner
    switches the append-only trigger off first)."""
    if ON_POSTGRESQL:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER "
                           "audit_auditentry_append_only")
            cursor.execute(sql)
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER "
                           "audit_auditentry_append_only")
        return
    import sqlite3

    path = database.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute(sql)
