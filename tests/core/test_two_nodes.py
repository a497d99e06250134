"""Two web nodes and one task worker on PostgreSQL, deployed as docs/operations.md says,
then backup → destroy → restore on a fresh machine.

The deployment: the environment of ``deploy/env.example`` (production mode, persistent
connections) with this machine's addresses; one database owned by a role without
superuser rights; per node its own ``ONETHING_DATA_DIR``; the shared uploads folder
mounted at ``$ONETHING_DATA_DIR/uploads`` on every node; the signing keys in one
directory mounted **read-only** at ``ONETHING_KEYS_DIR`` on every node (way 2 of
"Signing keys"; the first key is made by ``onething setup`` on the one machine that
mounts it read-write); ``onething serve --no-worker`` on both nodes and one separate
``onething worker --no-reload`` on node 2. Mounts are real bind mounts (root, as
``make test-postgres`` runs).

Everything a reviewer and an applicant do goes through the REST API with tokens from
``onething token issue``. What a stopped worker does to the metrics is tested in
test_observability_serve.py; here: both nodes become unready at once.

The SQLite (single machine) variant of backup and restore is test_backup_restore.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import PDF, RESTAURANT_FORM
from tests.deploy.tools import env_example

from .conftest import REPO, onething
from .nodes import readyz, request, task_worker, upload, wait_for, web_node
from .test_backup_restore import PASSPHRASE, result_line, run

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not POSTGRES_URL.startswith("postgres"),
    reason="PostgreSQL: run under scripts/test-postgres.sh (make test-postgres, make faults)")

API = "/api/v1"
ACCOUNTS = """
from onething.accounts.demo import create_demo_accounts
from onething.accounts.models import User

create_demo_accounts()
print("RESULT", User.objects.get(username="demo-applicant").id_number)
"""


# -- the machines ------------------------------------------------------------------------

@contextlib.contextmanager
def bind_mount(source: Path, target: Path, *, read_only: bool = False) -> Iterator[None]:
    """``source`` mounted at ``target`` (what an NFS mount is to the node)."""
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "--bind", str(source), str(target)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"cannot bind-mount for the two-node test (run as root): {mounted.stderr}")
    try:
        if read_only:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(target)], check=True)


@pytest.fixture
def cluster():
    """Make databases owned by one role without superuser rights (Install step 4) on the
    test cluster; yields ``new_database(name) -> DATABASE_URL``, drops them afterwards."""
    import psycopg

    base, _, _ = POSTGRES_URL.rpartition("/")
    scheme, _, rest = base.partition("://")
    host = rest.rpartition("@")[2]
    tag = uuid.uuid4().hex[:10]
    role = f"onething_{tag}"
    made: list[str] = []

    def admin():
        return psycopg.connect(f"{base}/postgres", autocommit=True)

    with admin() as connection:
        connection.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')

    def new_database(name: str) -> str:
        database = f"onething_{tag}_{name}"
        with admin() as connection:
            connection.execute(f'CREATE DATABASE "{database}" OWNER "{role}" '
                               f"ENCODING 'UTF8' TEMPLATE template0")
        made.append(database)
        return f"{scheme}://{role}@{host}/{database}"

    def drop(url: str) -> None:
        with admin() as connection:
            connection.execute(f'DROP DATABASE "{url.rpartition("/")[2]}" WITH (FORCE)')

    new_database.drop = drop  # type: ignore[attr-defined]
    try:
        yield new_database
    finally:
        with admin() as connection:
            for database in made:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            connection.execute(f'DROP ROLE IF EXISTS "{role}"')


def deployment_env(clean_env: dict[str, str], secret_key: str, sms_file: Path) -> dict[str, str]:
    """deploy/env.example with what an operator fills in for this machine."""
    return {
        **clean_env, **env_example(),
        "ONETHING_SECRET_KEY": secret_key,  # the same on every node
        "ONETHING_ALLOWED_HOSTS": "127.0.0.1",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "GUNICORN_CMD_ARGS": "--proxy-protocol=auto --proxy-allow-from=127.0.0.1",
        "ONETHING_CATALOG_DIR": str(REPO / "catalog"),
        # The gateway: a provider that deduplicates by message id, writing what it sends.
        "ONETHING_SMS_BACKEND": "tests.production.worker_support.FileSmsBackend",
        "ONETHING_TEST_SMS_FILE": str(sms_file),
        "ONETHING_PAYMENT_BACKEND": "tests.deploy.backends.AcquirerPaymentBackend",
        "ONETHING_KEYS_PASSPHRASE": PASSPHRASE,
        # Short enough for a test: a worker beats every 0.5 s and is stale after 3 s.
        "ONETHING_WORKER_HEARTBEAT_SECONDS": "0.5",
        "ONETHING_READY_WORKER_STALE_SECONDS": "3",
    }


# -- what an applicant and a reviewer do, over HTTP ---------------------------------------

def api(method: str, url: str, token: str, body=None, **headers: str) -> tuple[int, dict]:
    status, _, answer = request(method, url, token=token, json_body=body, headers=headers)
    return status, json.loads(answer or b"{}")


def apply(base: str, token: str, id_number: str, key: str) -> dict:
    """A restaurant application through ``base``: its files uploaded there, submitted
    with an Idempotency-Key."""
    status, plan = api("GET", f"{base}{API}/bundles/restaurant/plan?answers=%7B%7D", token)
    assert status == 200, plan
    form = {f["key"]: RESTAURANT_FORM.get(f["key"], "x") for f in plan["fields"]}
    form["legal_representative_id_number"] = id_number
    form.pop("uscc", None)
    materials = {}
    for material in plan["materials"]:
        status, stored = upload(base, token, PDF + f"% {key} {material['key']}".encode())
        assert status == 201, stored
        materials[material["key"]] = stored["id"]
    status, application = api("POST", f"{base}{API}/applications", token,
                              {"bundle": "restaurant", "answers": {}, "form_data": form,
                               "materials": materials,
                               # 告知承诺: the fire check's commitment, signed as shown
                               "commitments": {c["matter"]: c["sha256"]
                                               for c in plan["commitments"]}},
                              **{"Idempotency-Key": key})
    assert status == 201, application
    return application


def approve_registration(base: str, token: str, application: dict) -> dict:
    """The market regulator (市场监管) accepts and approves the business registration
    through ``base``: a certificate-issuing approval. Returns the certificate."""
    case_id = next(c["id"] for c in application["cases"]
                   if c["matter"]["code"] == "business-registration")
    status, case = api("POST", f"{base}{API}/cases/{case_id}/actions/accept", token)
    assert status == 200, case
    status, case = api("POST", f"{base}{API}/cases/{case_id}/actions/approve", token)
    assert status == 200, case
    assert case["status"] == "approved"
    certificate = case["certificate"]
    # Under the deployment's public address (ONETHING_PUBLIC_URL of deploy/env.example).
    assert certificate["verify_url"] == (
        f"{env_example()['ONETHING_PUBLIC_URL']}/verify/{quote(certificate['number'])}/")
    return certificate


def verification(base: str, certificate: dict) -> dict:
    path = certificate["verify_url"].removeprefix(env_example()["ONETHING_PUBLIC_URL"])
    status, _, body = request("GET", base + path,
                              headers={"Accept": "application/json"})
    assert status == 200, body
    return json.loads(body)


def sent_sms(sms_file: Path) -> list[str]:
    if not sms_file.exists():
        return []
    return [line.split()[1] for line in sms_file.read_text().splitlines()
            if line.startswith("sent ")]


# -- the test ------------------------------------------------------------------------------

def test_two_nodes_and_a_worker_approve_on_either_node_then_backup_destroy_restore(
        clean_env, tmp_path, cluster):
    sms_file = tmp_path / "sms.log"
    common = deployment_env(clean_env, secrets.token_urlsafe(50), sms_file)
    database_url = cluster("live")
    nfs = tmp_path / "nfs"  # what the NFS server exports: uploads, and the keys
    (nfs / "uploads").mkdir(mode=0o700, parents=True)
    (nfs / "keys").mkdir(mode=0o700)
    data = {n: tmp_path / f"node{n}" / "srv" for n in (1, 2)}
    env = {n: {**common, "DATABASE_URL": database_url, "ONETHING_DATA_DIR": str(data[n]),
               "ONETHING_KEYS_DIR": str(data[n] / "keys")} for n in (1, 2)}
    archive = tmp_path / "backups" / "nightly.tar.sealed"

    with contextlib.ExitStack() as machines:
        for n in (1, 2):
            data[n].mkdir(mode=0o700, parents=True)
            machines.enter_context(bind_mount(nfs / "uploads", data[n] / "uploads"))
            machines.enter_context(bind_mount(nfs / "keys", data[n] / "keys", read_only=True))

        # Install step 6. The first setup makes the deployment's key: on the machine that
        # mounts the keys read-write. Node 2's setup finds it on its read-only mount.
        made = run(onething("setup"), {**env[1], "ONETHING_KEYS_DIR": str(nfs / "keys")})
        key_id = re.search(r"签名密钥 ([0-9a-f]+) 已创建 \(created\)", made.stdout).group(1)
        again = run(onething("setup"), env[2])
        assert "已创建" not in again.stdout
        assert run(onething("keys", "status"), env[2]).returncode == 0
        with pytest.raises(OSError):  # really read-only on the node
            (data[2] / "keys" / "x").write_bytes(b"")
        id_number = result_line(run(onething("shell", "-c", ACCOUNTS), env[1]).stdout)
        applicant = run(onething("token", "issue", "demo-applicant"), env[1]).stdout.strip()
        reviewer = run(onething("token", "issue", "reviewer-dc-samr"), env[2]).stdout.strip()

        node = {n: machines.enter_context(web_node(env[n], deployment_checks=True,
                                                   log=tmp_path / f"web{n}.log"))
                for n in (1, 2)}
        worker = machines.enter_context(task_worker(env[2], log=tmp_path / "worker.log"))
        for n in (1, 2):
            wait_for(node[n].ready, 30, f"node {n} did not become ready:\n{worker.output()}")

        # A certificate-issuing approval through each node, verified on the other.
        first = apply(node[1].url, applicant, id_number, "e2e-1")
        certificate_1 = approve_registration(node[1].url, reviewer, first)
        second = apply(node[2].url, applicant, id_number, "e2e-2")
        certificate_2 = approve_registration(node[2].url, reviewer, second)
        assert certificate_1["number"] != certificate_2["number"]
        for certificate, other in ((certificate_1, node[2]), (certificate_2, node[1])):
            answer = verification(other.url, certificate)
            assert (answer["status"], answer["certificate"]["number"]) == (
                "valid", certificate["number"]), answer
        # The worker on node 2 sent what either node queued.
        wanted = {f"sms:application:{a['id']}:received" for a in (first, second)}
        wait_for(lambda: wanted <= set(sent_sms(sms_file)), 30,
                 f"the worker did not send the notifications:\n{worker.output()}")

        # The worker hangs (SIGSTOP): both nodes turn unready at once, with the reason.
        os.kill(worker.pid, signal.SIGSTOP)
        try:
            for n in (1, 2):
                status, body = wait_for(lambda n=n: (a := readyz(node[n].url))[0] == 503 and a,
                                        15, f"node {n} stayed ready with the worker stopped")
                assert re.fullmatch(r"task worker heartbeat stale: last seen \d+ s ago "
                                    r"\(limit 3 s\)", body["reason"]), body
        finally:
            os.kill(worker.pid, signal.SIGCONT)
        for n in (1, 2):
            wait_for(node[n].ready, 15, f"node {n} not ready again after the worker resumed")

        # The daily backup, on node 1 (it mounts the shared uploads).
        created = run(onething("backup", "create", str(archive), "--encrypt"), env[1])
        assert f"备份已写入 (backup written): {archive}" in created.stdout
        assert stat.S_IMODE(archive.stat().st_mode) == 0o600
        verified = run(onething("backup", "verify", str(archive)), env[1])
        assert f"备份完整可读 (backup complete and readable): {archive}" in verified.stdout
    uploaded = sorted(p.name for p in (nfs / "uploads").rglob("*") if p.is_file())
    assert len(uploaded) == 2 * 13  # both nodes' 13 materials each, in the one shared folder

    # Destroy: the database, both machines, the shared folder with the keys.
    cluster.drop(database_url)
    shutil.rmtree(tmp_path / "node1")
    shutil.rmtree(tmp_path / "node2")
    shutil.rmtree(nfs)

    # A fresh machine: an empty database owned by the role, a new data directory (the keys
    # go to its own $ONETHING_DATA_DIR/keys: way 1, copies on each node).
    fresh = {**common, "DATABASE_URL": cluster("restored"),
             "ONETHING_DATA_DIR": str(tmp_path / "restored" / "srv")}
    (tmp_path / "restored" / "srv").mkdir(mode=0o700, parents=True)
    restored = run(onething("backup", "restore", str(archive)), fresh)
    assert f"{key_id}: written" in restored.stdout, restored.stdout
    key_file = tmp_path / "restored" / "srv" / "keys" / f"{key_id}.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    files = [p for p in (tmp_path / "restored" / "srv" / "uploads").rglob("*") if p.is_file()]
    assert sorted(p.name for p in files) == uploaded
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
    run(onething("setup"), fresh)

    with web_node(fresh, deployment_checks=True, log=tmp_path / "web-restored.log") as node3, \
            task_worker(fresh, log=tmp_path / "worker-restored.log") as worker3:
        wait_for(node3.ready, 30, f"the restored node did not become ready:\n{worker3.output()}")
        assert readyz(node3.url) == (200, {"status": "ready"})
        for certificate in (certificate_1, certificate_2):  # old certificates still verify
            assert verification(node3.url, certificate)["status"] == "valid"
        # The tokens were restored with the database; a new approval signs with the key.
        third = apply(node3.url, applicant, id_number, "e2e-3")
        certificate_3 = approve_registration(node3.url, reviewer, third)
        assert verification(node3.url, certificate_3)["status"] == "valid"
        status = run(onething("keys", "status"), fresh).stdout
        assert key_id in status and "missing" not in status, status

    # A second restore onto the now-filled database is refused, changing nothing.
    again = run(onething("backup", "restore", str(archive)), fresh, check=False)
    assert again.returncode == 1
    assert "the database is not empty: restore into a new, empty database" in again.stderr
