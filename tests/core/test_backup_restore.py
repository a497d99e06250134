"""Backup and restore, end to end, the way an operator runs them: ``onething setup``,
a certificate-issuing approval, ``backup create`` → ``backup verify`` → a fresh data
directory and an empty database → ``backup restore`` → ``/readyz`` 200, the old
certificate verifies, a new certificate-issuing approval succeeds.

Here on SQLite, the single-machine set-up. On PostgreSQL the same procedure runs through
a two-node deployment with a separate worker, over HTTP: test_two_nodes.py (make
test-postgres, make faults). The checks of ``verify`` below are the same for both."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from .conftest import REPO, onething

PASSPHRASE = "backup passphrase for tests"

CREATE = """
from onething.accounts.demo import create_demo_accounts
from onething.accounts.models import User
from onething.registers.demo import verify_demo_identities
from onething.applications.services import submit_application, transition_case
from onething.certificates.models import Certificate
from onething.domain.cases import Action
from tests.conftest import PDF, restaurant_submission, upload_pdf

create_demo_accounts()
verify_demo_identities()
applicant = User.objects.get(username="demo-applicant")
samr = User.objects.get(username="reviewer-dc-samr")
application = submit_application(restaurant_submission(applicant), actor=applicant,
                                 applicant=applicant)
extra = upload_pdf(applicant, PDF + b"% a second, different file")
case = application.cases.get(matter__code="business-registration")
transition_case(case.pk, Action.ACCEPT, actor=samr)
transition_case(case.pk, Action.APPROVE, actor=samr, result={"note": "ok"})
print("RESULT", Certificate.objects.get(case=case).number, application.pk, extra.sha256)
"""

AFTER = """
import hashlib, json
from django.test import Client
from onething.accounts.models import User
from onething.applications.models import Application, Upload
from onething.applications.services import transition_case
from onething.applications.storage import path_for
from onething.certificates.models import Certificate
from onething.domain.cases import Action

from onething.core.heartbeat import record_heartbeat

record_heartbeat("restored-node:1")  # the restored machine's task worker has started
client = Client()
ready = client.get("/readyz")
old = client.get("/verify/%(number)s/", HTTP_ACCEPT="application/json").json()
files = {u.sha256: hashlib.sha256(path_for(u.sha256).read_bytes()).hexdigest() == u.sha256
         for u in Upload.objects.all()}
samr = User.objects.get(username="reviewer-dc-samr")
food = Application.objects.get(pk=%(application)s).cases.get(
    matter__code="food-business-licence")
transition_case(food.pk, Action.ACCEPT, actor=samr)
transition_case(food.pk, Action.APPROVE, actor=samr)
new = Certificate.objects.get(case=food)
fresh = client.get(f"/verify/{new.number}/", HTTP_ACCEPT="application/json").json()
print("RESULT " + json.dumps({"ready": [ready.status_code, ready.json()],
                              "old": old["status"], "files": files,
                              "new": fresh["status"], "new_key": new.key.key_id}))
"""


def run(args, env, check=True):
    result = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def result_line(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("RESULT ")).split(
        " ", 1)[1]


def node_env(clean_env, data_dir: Path) -> dict[str, str]:
    """A machine whose SQLite database is in its data directory."""
    return {**clean_env, "ONETHING_DATA_DIR": str(data_dir),
            "ONETHING_KEYS_PASSPHRASE": PASSPHRASE}


def test_backup_verify_destroy_restore_then_approve_and_verify(clean_env, tmp_path):
    old = node_env(clean_env, tmp_path / "old")
    run(onething("setup"), old)
    number, application, extra_sha = result_line(
        run(onething("shell", "-c", CREATE), old).stdout).split()

    archive = tmp_path / "backups" / "nightly.tar.sealed"
    created = run(onething("backup", "create", str(archive), "--encrypt"), old)
    assert f"备份已写入 (backup written): {archive}" in created.stdout
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(archive.parent.stat().st_mode) == 0o700
    assert b"PRIVATE KEY" not in archive.read_bytes()
    verified = run(onething("backup", "verify", str(archive)), old)
    assert f"备份完整可读 (backup complete and readable): {archive}" in verified.stdout

    # Destroy: a fresh machine — new data directory, new empty database.
    new = node_env(clean_env, tmp_path / "new")
    restored = run(onething("backup", "restore", str(archive)), new)
    assert "签名密钥" in restored.stdout and ": written" in restored.stdout
    key_file = next((tmp_path / "new" / "keys").glob("*.pem"))
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes() == (tmp_path / "old" / "keys" / key_file.name).read_bytes()
    uploaded = tmp_path / "new" / "uploads" / extra_sha[:2] / extra_sha
    assert stat.S_IMODE(uploaded.stat().st_mode) == 0o600

    after = json.loads(result_line(run(onething("shell", "-c", AFTER % {
        "number": number, "application": application}), new).stdout))
    assert after["ready"] == [200, {"status": "ready"}]
    assert after["old"] == "valid"
    assert after["new"] == "valid"
    assert after["new_key"] == key_file.stem
    assert len(after["files"]) == 2 and all(after["files"].values())

    # A second restore onto the now-filled database is refused, changing nothing.
    again = run(onething("backup", "restore", str(archive)), new, check=False)
    assert again.returncode == 1
    assert "the database is not empty: restore into a new, empty database" in again.stderr


# -- verify catches what is wrong ----------------------------------------------------------

@pytest.fixture
def plain_backup(clean_env, tmp_path):
    env = node_env(clean_env, tmp_path / "data")
    run(onething("migrate", "-v0"), env)
    run(onething("keys", "init"), env)
    uploads = tmp_path / "data" / "uploads" / "ab"
    uploads.mkdir(parents=True)
    (uploads / ("ab" + "0" * 62)).write_bytes(b"%PDF-1.4 a file")
    archive = tmp_path / "plain.tar"
    run(onething("backup", "create", str(archive)), env)
    return env, archive


def rewrite(archive: Path, target: Path, change) -> None:
    """Copy ``archive`` member by member into ``target``, letting ``change`` alter them."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            kept = change(member.name, data)
            if kept is not None:
                member.size = len(kept)
                out.addfile(member, io.BytesIO(kept))


def test_plain_archive_holds_sealed_keys_and_a_manifest(plain_backup):
    _env, archive = plain_backup
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        keys_member = tar.extractfile("keys.sealed").read()
        modes = {m.name: m.mode for m in tar.getmembers()}
    assert names == ["database.sqlite3", "keys.sealed", f"uploads/ab/ab{'0' * 62}",
                     "manifest.json"]
    assert set(modes.values()) == {0o600}
    assert keys_member.startswith(b"OTSEAL1\n") and b"PRIVATE" not in keys_member
    assert manifest["format"] == "onething-backup" and manifest["encrypted"] is False
    assert sorted(manifest["members"]) == names[:3]
    assert manifest["uploads"] == {"files": 1, "bytes": 15}
    assert manifest["database"]["vendor"] == "sqlite"


def test_verify_finds_an_altered_upload(plain_backup, tmp_path):
    env, archive = plain_backup
    bad = tmp_path / "altered.tar"
    rewrite(archive, bad, lambda name, data: data + b"x" if name.startswith("uploads/")
            else data)
    result = run(onething("backup", "verify", str(bad)), env, check=False)
    assert result.returncode == 1
    assert (f"altered ['uploads/ab/ab{'0' * 62}']") in result.stderr


def test_verify_finds_a_missing_member_and_a_missing_manifest(plain_backup, tmp_path):
    env, archive = plain_backup
    bad = tmp_path / "missing.tar"
    rewrite(archive, bad, lambda name, data: None if name.startswith("uploads/") else data)
    result = run(onething("backup", "verify", str(bad)), env, check=False)
    assert result.returncode == 1
    assert f"missing ['uploads/ab/ab{'0' * 62}']" in result.stderr
    cut = tmp_path / "cut.tar"
    rewrite(archive, cut, lambda name, data: None if name == "manifest.json" else data)
    result = run(onething("backup", "verify", str(cut)), env, check=False)
    assert result.returncode == 1
    assert "manifest missing: incomplete backup" in result.stderr


def test_verify_finds_a_truncated_archive(plain_backup, tmp_path):
    env, archive = plain_backup
    cut = tmp_path / "truncated.tar"
    cut.write_bytes(archive.read_bytes()[:40000])
    result = run(onething("backup", "verify", str(cut)), env, check=False)
    assert result.returncode == 1
    assert "backup unreadable" in result.stderr or "incomplete backup" in result.stderr


def test_verify_and_restore_refuse_a_wrong_passphrase(plain_backup, tmp_path):
    env, archive = plain_backup
    sealed_archive = tmp_path / "sealed.tar.sealed"
    run(onething("backup", "create", str(sealed_archive), "--encrypt"), env)
    wrong = {**env, "ONETHING_KEYS_PASSPHRASE": "not the right passphrase"}
    result = run(onething("backup", "verify", str(sealed_archive)), wrong, check=False)
    assert result.returncode == 1
    assert "口令错误 (wrong passphrase)" in result.stderr
    fresh = {**wrong, "ONETHING_DATA_DIR": str(tmp_path / "fresh")}
    result = run(onething("backup", "restore", str(archive)), fresh, check=False)
    assert result.returncode == 1
    assert "wrong passphrase for the keys" in result.stderr
    assert not (tmp_path / "fresh" / "keys").exists()
    assert not any((tmp_path / "fresh" / "uploads").glob("*/*"))


def test_restore_refuses_before_writing_when_a_different_key_file_is_there(plain_backup,
                                                                           tmp_path):
    env, archive = plain_backup
    with tarfile.open(archive) as tar:
        key_ids = json.loads(tar.extractfile("manifest.json").read())["keys"]["key_ids"]
    fresh = {**env, "ONETHING_DATA_DIR": str(tmp_path / "fresh")}
    (tmp_path / "fresh" / "keys").mkdir(parents=True)
    (tmp_path / "fresh" / "keys" / f"{key_ids[0]}.pem").write_bytes(b"another key")
    result = run(onething("backup", "restore", str(archive)), fresh, check=False)
    assert result.returncode == 1
    assert "a different file exists; nothing written" in result.stderr
    assert not any((tmp_path / "fresh" / "uploads").glob("*/*"))
    tables = run(onething("shell", "-c", "from django.db import connection; "
                          "print(len(connection.introspection.table_names()))"), fresh)
    assert tables.stdout.strip().splitlines()[-1] == "0"
