"""A read replica: a second PostgreSQL cluster streaming from the first, started here.

onething runs with DATABASE_URL on the primary and ONETHING_DB_REPLICA_URL on the replica:
migrations go to the primary only, the queues read from the replica, and every write —
also of an object read from the replica — goes to the primary.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from .tools import REPO, pg_bin


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    # PostgreSQL refuses to run as root.
    prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    return subprocess.run(prefix + args, capture_output=True, text=True, timeout=120,
                          **kwargs)


@pytest.fixture(scope="module")
def clusters():
    bin_dir = pg_bin()
    # Not under pytest's temporary folders: those are the test user's alone.
    root = Path(tempfile.mkdtemp(prefix="onething-replica-"))
    if os.getuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary, replica = root / "primary", root / "replica"
    ports = {"primary": free_port(), "replica": free_port()}
    started = []

    def check(result):
        assert result.returncode == 0, result.stdout + result.stderr

    def start(data, port):
        check(as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", f"{data}.log", "-w",
                           "start", "-o", f"-p {port} -c listen_addresses=127.0.0.1 -k {root} "
                           "-c fsync=off -c wal_level=replica -c max_wal_senders=4"]))
        started.append(data)

    try:
        # initdb's default pg_hba.conf lets local connections replicate (trust).
        check(as_postgres([str(bin_dir / "initdb"), "-D", str(primary), "-U", "postgres",
                           "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]))
        start(primary, ports["primary"])
        check(as_postgres([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p",
                           str(ports["primary"]), "-U", "postgres", "onething"]))
        # The replica: a base backup with standby.signal and primary_conninfo (-R).
        check(as_postgres([str(bin_dir / "pg_basebackup"), "-h", "127.0.0.1", "-p",
                           str(ports["primary"]), "-U", "postgres", "-D", str(replica),
                           "-R", "-X", "stream", "--no-sync", "--checkpoint=fast"]))
        start(replica, ports["replica"])
        yield {name: f"postgres://postgres@127.0.0.1:{port}/onething"
               for name, port in ports.items()}
    finally:
        for data in reversed(started):
            as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                         "stop"])
        shutil.rmtree(root, ignore_errors=True)


def run(clusters, args: list[str], replica: bool = True):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ONETHING_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update({"DATABASE_URL": clusters["primary"], "DJANGO_SETTINGS_MODULE": "onething.settings",
                "ONETHING_DATA_DIR": "/tmp"})
    if replica:
        env["ONETHING_DB_REPLICA_URL"] = clusters["replica"]
    result = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


SCRIPT = textwrap.dedent("""
    import json, time
    import django
    django.setup()
    from django.db import connections, DatabaseError
    from onething.accounts.models import Role, User
    from onething.applications.selectors import department_queue
    from onething.catalog.models import Department, Region
    from onething.core.routers import reader

    out = {"reader": reader()}
    with connections["replica"].cursor() as cursor:
        cursor.execute("select pg_is_in_recovery()")
        out["replica_in_recovery"] = cursor.fetchone()[0]
    with connections["default"].cursor() as cursor:
        cursor.execute("select pg_is_in_recovery()")
        out["primary_in_recovery"] = cursor.fetchone()[0]

    region = Region.objects.create(code="371402", name="德城区")
    department = Department.objects.create(code="dc-test", name="测试局", kind="government",
                                           region=region)
    reviewer = User.objects.create(username="reviewer-dc-test", role=Role.REVIEWER,
                                   department=department)
    # Streaming replication: the rows reach the replica within moments.
    for _ in range(100):
        if Department.objects.using("replica").filter(code="dc-test").exists():
            break
        time.sleep(0.1)
    queue = department_queue(reviewer)
    out["queue_db"] = queue.db
    out["queue_rows"] = len(queue)

    # An object read from the replica is saved to the primary.
    copy = Department.objects.using(reader()).get(code="dc-test")
    copy.short_name = "测试"
    copy.save()
    out["saved_on_primary"] = Department.objects.using("default").get(
        code="dc-test").short_name
    # The replica itself refuses writes: it really is a read-only standby.
    try:
        Region.objects.using("replica").create(code="371403", name="陵城区")
        out["replica_write"] = "accepted"
    except DatabaseError as error:
        out["replica_write"] = type(error).__name__
    print(json.dumps(out))
""")


def test_reads_from_the_replica_writes_to_the_primary(clusters):
    # Migrations run on the primary only; the replica follows by replication.
    run(clusters, [sys.executable, "-m", "onething", "migrate", "--verbosity", "0"])
    out = json.loads(run(clusters, [sys.executable, "-c", SCRIPT]).splitlines()[-1])
    assert out == {"reader": "replica", "replica_in_recovery": True,
                   "primary_in_recovery": False, "queue_db": "replica", "queue_rows": 0,
                   "saved_on_primary": "测试", "replica_write": "InternalError"}


def test_without_a_replica_every_read_stays_on_the_primary(clusters):
    script = ("import django; django.setup(); from django.conf import settings; "
              "from onething.core.routers import reader; "
              "print(reader(), sorted(settings.DATABASES))")
    output = run(clusters, [sys.executable, "-c", script], replica=False)
    assert output.split() == ["default", "['default']"]
