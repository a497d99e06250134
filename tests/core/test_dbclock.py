"""Deadlines shared between machines use the database's clock, and /readyz reports a
node whose clock is off.

The node with a wrong clock is a real process whose clock runs a minute fast
(Debian's faketime, scripts/ensure-faketime.sh), talking to the test database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from onething.core.dbclock import clock_skew, db_now

from .conftest import REPO

ON_POSTGRESQL = connection.vendor == "postgresql"
NODE = """
import json, django
django.setup()
from django.test import Client
r = Client().get("/readyz")
print(json.dumps([r.status_code, r.json()]))
"""


def database_url() -> str:
    s = connection.settings_dict
    return (f"postgres://{quote(s['USER'] or '', safe='')}:{quote(s['PASSWORD'] or '', safe='')}"
            f"@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}")


def readyz_on_a_node(clean_env, shift: str, database: str | None = None) -> tuple[int, dict]:
    faketime = shutil.which("faketime")
    assert faketime, "faketime is missing: run scripts/ensure-faketime.sh"
    # Only the clock is looked at here: no task worker runs for this node, so the
    # worker and queue checks of /readyz are switched off (0) for it.
    env = {**clean_env, "DATABASE_URL": database or database_url(),
           "DJANGO_SETTINGS_MODULE": "onething.settings",
           "ONETHING_READY_WORKER_STALE_SECONDS": "0", "ONETHING_READY_QUEUE_AGE_SECONDS": "0"}
    out = subprocess.run([faketime, "-f", shift, sys.executable, "-c", NODE], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    status, body = json.loads(out.stdout.strip().splitlines()[-1])
    return status, body


@pytest.mark.django_db
def test_db_now_is_the_database_servers_time_in_utc():
    before = timezone.now()
    now = db_now()
    assert now.tzinfo == dt.UTC
    if ON_POSTGRESQL:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement_timestamp()")
            (later,) = cursor.fetchone()
        assert now <= later
    # Same machine here: both clocks agree to well within a second.
    assert abs(now - before) < dt.timedelta(seconds=1)
    assert abs(clock_skew()) < dt.timedelta(seconds=1)


@pytest.mark.skipif(not ON_POSTGRESQL,
                    reason="SQLite lives on the node: its clock is the node's (next test)")
@pytest.mark.django_db(transaction=True)
def test_readyz_reports_a_node_whose_clock_runs_a_minute_fast(clean_env):
    assert readyz_on_a_node(clean_env, "+0s") == (200, {"status": "ready"})
    status, body = readyz_on_a_node(clean_env, "+60s")
    assert status == 503
    assert body["status"] == "unavailable"
    found = re.fullmatch(r"clock differs from the database's by \+(\d+\.\d{3}) s "
                         r"\(more than 5 s: check NTP\)", body["reason"])
    assert found, body
    assert 59.0 < float(found.group(1)) < 61.0
    # Within the threshold it serves.
    assert readyz_on_a_node(clean_env, "+3s") == (200, {"status": "ready"})


@pytest.mark.skipif(ON_POSTGRESQL, reason="on PostgreSQL the previous test applies")
def test_with_sqlite_the_database_clock_is_the_nodes(clean_env, tmp_path):
    """SQLite is a file on the node: a node with a fast clock agrees with it."""
    path = tmp_path / "node.sqlite3"
    env = {**clean_env, "DATABASE_URL": f"sqlite:///{path}"}
    subprocess.run([sys.executable, "-m", "onething", "migrate", "-v", "0"], cwd=REPO, env=env,
                   check=True, capture_output=True, timeout=120)
    status, body = readyz_on_a_node(env, "+60s", database=f"sqlite:///{path}")
    assert (status, body) == (200, {"status": "ready"})
