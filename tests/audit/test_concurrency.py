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
