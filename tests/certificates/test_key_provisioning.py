"""Keys as deployment secrets: every node holds the same keys, provisioned with
``keys export`` / ``keys import``; a node without the active key's private half
says so (``keys init``, ``/readyz``, ``check --deploy``) and never makes its own."""

from __future__ import annotations

import json
import stat

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command

from onething.certificates import keys
from onething.certificates.models import SigningKey
from onething.domain import sealed, signing

pytestmark = pytest.mark.django_db

PASSPHRASE = "operator passphrase 2026"


@pytest.fixture
def node1(settings, tmp_path):
    """This test's node 1: its own keys directory, the deployment's first key in it."""
    settings.ONETHING_KEYS_DIR = str(tmp_path / "node1")
    key, created = keys.init_keys()
    assert created
    return key


@pytest.fixture
def node2(settings, tmp_path, node1):
    """Switch to node 2: same database, an empty keys directory of its own."""
    settings.ONETHING_KEYS_DIR = str(tmp_path / "node2")
    return tmp_path / "node2"


def export_from_node1(settings, tmp_path) -> bytes:
    current = settings.ONETHING_KEYS_DIR
    settings.ONETHING_KEYS_DIR = str(tmp_path / "node1")
    data, _exported, missing = keys.export_keys(PASSPHRASE)
    settings.ONETHING_KEYS_DIR = current
    assert missing == []
    return data


def node1_check_ids():
    return [m.id for m in run_checks(include_deployment_checks=True)
            if m.id.startswith("certificates.")]


# -- keys init / setup on a node without the key ----------------------------------------

def test_keys_init_on_a_node_without_the_active_key_fails_and_makes_no_key(node1, node2):
    with pytest.raises(CommandError) as raised:
        call_command("keys", "init")
    message = str(raised.value)
    assert f"签名密钥 {node1.key_id} 的私钥不在本节点 (private key missing on this node): " \
           f"{node2 / (node1.key_id + '.pem')}" in message
    assert "onething keys import keys.sealed" in message
    assert SigningKey.objects.count() == 1
    assert not node2.exists()  # nothing generated here


def test_keys_init_refuses_a_file_that_is_not_the_databases_key(node1, node2):
    node2.mkdir()
    (node2 / f"{node1.key_id}.pem").write_bytes(signing.generate_private_key())
    with pytest.raises(CommandError, match="does not match the database's public key"):
        call_command("keys", "init")
    with pytest.raises(keys.KeyMismatch):
        keys.active_key()  # nor would an approval sign with it


def test_keys_init_says_exists_only_when_the_private_key_is_here(node1, capsys):
    call_command("keys", "init")
    out = capsys.readouterr().out
    assert out == (f"签名密钥 {node1.key_id} 已存在，私钥在本节点 (exists, private key here) — "
                   f"{keys.private_key_path(node1.key_id)}\n")


def test_keys_status_names_the_state_of_each_key(node1, node2, capsys):
    with pytest.raises(CommandError):
        call_command("keys", "status")
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"密钥目录 (keys directory): {node2}",
        f"{node1.key_id} 当前 (active) missing: {node2 / (node1.key_id + '.pem')}",
    ]


# -- export and import ----------------------------------------------------------------------

def test_export_import_provisions_node2(node1, node2, settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ONETHING_KEYS_PASSPHRASE", PASSPHRASE)
    settings.ONETHING_KEYS_DIR = str(tmp_path / "node1")
    out = tmp_path / "keys.sealed"
    call_command("keys", "export", "--out", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" not in out.read_bytes()
    settings.ONETHING_KEYS_DIR = str(node2)
    call_command("keys", "import", str(out))
    path = node2 / f"{node1.key_id}.pem"
    assert path.read_bytes() == (tmp_path / "node1" / f"{node1.key_id}.pem").read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(node2.stat().st_mode) == 0o700
    assert keys.active_key_state().state == "ok"
    call_command("keys", "import", str(out))  # again: nothing changes
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == [f"签名密钥 {node1.key_id} 已写入 (written) — {path}",
                          f"签名密钥 {node1.key_id} 已存在且一致 (already here) — {path}"]


def test_export_carries_retired_keys_too(node1, settings, tmp_path):
    rotated = keys.rotate_key()
    data, exported, missing = keys.export_keys(PASSPHRASE)
    assert exported == [node1.key_id, rotated.key_id] and missing == []
    document = json.loads(sealed.unseal(data, PASSPHRASE))
    assert [(k["key_id"], k["active"]) for k in document["keys"]] == [
        (node1.key_id, False), (rotated.key_id, True)]


def test_wrong_passphrase_writes_nothing(node1, node2, settings, tmp_path):
    data = export_from_node1(settings, tmp_path)
    with pytest.raises(keys.KeyImportError) as raised:
        keys.import_keys(data, "not the operator passphrase")
    assert str(raised.value) == "口令错误，未写入任何密钥 (wrong passphrase; nothing written)"
    assert not node2.exists()


def test_wrong_passphrase_from_the_command_exits_nonzero(node1, node2, settings, tmp_path):
    (tmp_path / "keys.sealed").write_bytes(export_from_node1(settings, tmp_path))
    (tmp_path / "pass").write_text("guessed passphrase!\n")
    with pytest.raises(CommandError, match="wrong passphrase; nothing written"):
        call_command("keys", "import", str(tmp_path / "keys.sealed"),
                     "--passphrase-file", str(tmp_path / "pass"))
    assert not node2.exists()


def test_a_key_that_differs_from_the_databases_public_key_is_refused(node1, node2, settings,
                                                                      tmp_path):
    data = export_from_node1(settings, tmp_path)
    # The database holds another public key under this id (e.g. the export came from
    # another deployment whose key has the same id would be refused the same way).
    other = signing.public_key_pem(signing.generate_private_key())
    SigningKey.objects.filter(pk=node1.pk).update(public_key_pem=other)
    with pytest.raises(keys.KeyImportError) as raised:
        keys.import_keys(data, PASSPHRASE)
    assert str(raised.value) == (f"密钥 {node1.key_id} 与数据库中的公钥不符，未写入任何密钥 "
                                 f"(does not match the database's public key; nothing written)")
    assert not node2.exists()


def test_a_key_filed_under_another_id_is_refused(node1, node2):
    forged = {"format": keys.EXPORT_FORMAT, "version": 1, "keys": [
        {"key_id": node1.key_id, "private_key_pem": signing.generate_private_key().decode()}]}
    data = sealed.seal(json.dumps(forged).encode(), PASSPHRASE)
    with pytest.raises(keys.KeyImportError, match="the key is not the one its id names"):
        keys.import_keys(data, PASSPHRASE)
    assert not node2.exists()


def test_import_never_overwrites_a_different_file(node1, node2, settings, tmp_path):
    data = export_from_node1(settings, tmp_path)
    node2.mkdir()
    stray = node2 / f"{node1.key_id}.pem"
    stray.write_bytes(b"something else")
    with pytest.raises(keys.KeyImportError, match="a different file exists; nothing written"):
        keys.import_keys(data, PASSPHRASE)
    assert stray.read_bytes() == b"something else"


def test_export_refuses_when_the_active_key_is_not_here(node1, node2):
    with pytest.raises(keys.KeyMissing, match="private key missing on this node"):
        keys.export_keys(PASSPHRASE)


def test_passphrase_comes_from_a_file_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("ONETHING_KEYS_PASSPHRASE", raising=False)
    with pytest.raises(keys.KeyImportError, match="ONETHING_KEYS_PASSPHRASE"):
        keys.read_passphrase(None)
    (tmp_path / "p").write_text("from the file\n")
    assert keys.read_passphrase(str(tmp_path / "p")) == "from the file"
    monkeypatch.setenv("ONETHING_KEYS_PASSPHRASE", "from the environment")
    assert keys.read_passphrase(None) == "from the environment"


# -- /readyz and check --deploy -----------------------------------------------------------

def test_readyz_is_ready_with_the_key_here(node1, client):
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})
    assert node1_check_ids() == []


def test_readyz_and_deploy_check_fail_without_the_private_key(node1, node2, client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason":
                               f"signing key {node1.key_id}: private key missing on this node"}
    assert node1_check_ids() == ["certificates.E001"]


def test_readyz_and_deploy_check_fail_with_a_mismatched_key(node1, node2, client):
    node2.mkdir()
    (node2 / f"{node1.key_id}.pem").write_bytes(signing.generate_private_key())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason":
                               f"signing key {node1.key_id}: private key on this node does not "
                               f"match the database's public key"}
    assert node1_check_ids() == ["certificates.E002"]


def test_readyz_and_deploy_check_fail_with_an_unreadable_key(node1, node2, client):
    node2.mkdir()
    (node2 / f"{node1.key_id}.pem").write_bytes(b"not a key")
    assert client.get("/readyz").json()["reason"] == (
        f"signing key {node1.key_id}: private key file unreadable")
    assert node1_check_ids() == ["certificates.E003"]


def test_deploy_check_warns_while_the_database_has_no_key(settings, tmp_path):
    settings.ONETHING_KEYS_DIR = str(tmp_path / "k")
    assert node1_check_ids() == ["certificates.W001"]


# -- rotation in two steps -------------------------------------------------------------------

def test_prepare_provision_activate_keeps_every_node_ready(node1, node2, settings, tmp_path,
                                                           client, capsys):
    settings.ONETHING_KEYS_DIR = str(tmp_path / "node1")
    data, _, _ = keys.export_keys(PASSPHRASE)
    settings.ONETHING_KEYS_DIR = str(node2)
    keys.import_keys(data, PASSPHRASE)
    settings.ONETHING_KEYS_DIR = str(tmp_path / "node1")
    call_command("keys", "prepare")
    prepared = SigningKey.objects.get(active=False, retired_at=None)
    # Prepared but not active: node 2 lacks it and is still ready; nothing signs with it.
    settings.ONETHING_KEYS_DIR = str(node2)
    assert client.get("/readyz").status_code == 200
    assert keys.active_key() == node1
    with pytest.raises(CommandError, match="private key missing on this node"):
        call_command("keys", "activate", prepared.key_id)  # not before node 2 holds it
    settings.ONETHING_KEYS_DIR = str(tmp_path / "node1")
    data, exported, _ = keys.export_keys(PASSPHRASE)
    assert exported == [node1.key_id, prepared.key_id]
    settings.ONETHING_KEYS_DIR = str(node2)
    assert keys.import_keys(data, PASSPHRASE) == [(node1.key_id, "unchanged"),
                                                 (prepared.key_id, "written")]
    call_command("keys", "activate", prepared.key_id)
    node1.refresh_from_db()
    assert not node1.active and node1.retired_at is not None
    assert keys.active_key().key_id == prepared.key_id
    assert client.get("/readyz").status_code == 200
    with pytest.raises(CommandError, match="a retired key is not activated again"):
        call_command("keys", "activate", node1.key_id)


# -- an approval on a node without the key -------------------------------------------------

@pytest.fixture
def registration_case(demo):
    from onething.applications.services import submit_application
    from onething.applications.services import transition_case as transition
    from onething.domain.cases import Action
    from tests.conftest import restaurant_submission

    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    case = application.cases.get(matter__code="business-registration")
    transition(case.pk, Action.ACCEPT, actor=demo.samr)
    case.refresh_from_db()
    return case


def test_workbench_approval_without_the_key_is_503_and_changes_nothing(
        node1, node2, registration_case, demo, client, caplog):
    from onething.certificates.models import Certificate

    status_before = registration_case.status
    assert status_before == "accepted"
    client.force_login(demo.samr)
    response = client.post(f"/workbench/cases/{registration_case.pk}/", {"action": "approve"})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert keys.SIGNING_UNAVAILABLE in response.content.decode()
    assert str(node2) not in response.content.decode()  # no server paths shown
    registration_case.refresh_from_db()
    assert registration_case.status == status_before
    assert not Certificate.objects.exists()
    assert f"private key missing on this node): {node2}" in caplog.text


def test_api_approval_without_the_key_is_503(node1, node2, registration_case, demo, client):
    from onething.accounts.services import issue_api_token

    token = issue_api_token(demo.samr, label="t")
    response = client.post(f"/api/v1/cases/{registration_case.pk}/actions/approve",
                           "{}", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response.json() == {"code": "signing_key_missing",
                               "message": keys.SIGNING_UNAVAILABLE, "errors": {}}


def test_instant_approval_without_the_key_leaves_the_case_for_a_reviewer(node1, node2, demo,
                                                                          caplog):
    from onething.applications.models import CaseStatus
    from onething.applications.services import submit_application
    from onething.certificates.models import Certificate
    from tests.instant.test_instant_approval import kiosk_submission, load_demo_criminal

    load_demo_criminal()
    application = submit_application(kiosk_submission(), actor=demo.applicant,
                                     applicant=demo.applicant, channel="kiosk")
    case = application.cases.get()
    assert case.status == CaseStatus.SUBMITTED
    assert list(case.events.values_list("action", flat=True)) == ["submit"]
    assert not Certificate.objects.exists()
    assert "left for a reviewer: certificate signing failed on this node" in caplog.text


def test_deploy_check_warns_when_other_users_can_read_the_keys(node1):
    path = keys.private_key_path(node1.key_id)
    path.chmod(0o644)
    warnings = [m for m in run_checks(include_deployment_checks=True)
                if m.id == "certificates.W002"]
    assert [w.msg for w in warnings] == [
        f"{path} 的权限为 644，其他用户可以访问签名私钥 (other users can reach the signing keys)"]
    assert warnings[0].hint == f"chmod 600 {path}"
    path.parent.chmod(0o755)
    path.chmod(0o600)
    assert [m.hint for m in run_checks(include_deployment_checks=True)
            if m.id == "certificates.W002"] == [f"chmod 700 {path.parent}"]
    path.parent.chmod(0o700)
    assert node1_check_ids() == []
