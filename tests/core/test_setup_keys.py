"""``onething setup`` on a second node tells the truth about the signing key: two nodes
share one database (here one SQLite file) but each has its own keys directory."""

from __future__ import annotations

import re
import subprocess

from .conftest import REPO, onething

PASSPHRASE = "provisioning passphrase"


def run(args, env):
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_second_node_setup_fails_truthfully_until_the_key_is_imported(clean_env, tmp_path):
    data = tmp_path / "data"
    node1 = {**clean_env, "ONETHING_DATA_DIR": str(data), "ONETHING_KEYS_PASSPHRASE": PASSPHRASE}
    node2 = {**node1, "ONETHING_KEYS_DIR": str(tmp_path / "node2-keys")}

    first = run(onething("setup"), node1)
    assert first.returncode == 0, first.stdout + first.stderr
    key_id = re.search(r"签名密钥 ([0-9a-f]{16}) 已创建 \(created\) — (\S+)", first.stdout)
    assert key_id is not None, first.stdout
    assert key_id.group(2) == str(data / "keys" / f"{key_id.group(1)}.pem")
    key_id = key_id.group(1)

    second = run(onething("setup"), node2)
    assert second.returncode == 1
    expected = tmp_path / "node2-keys" / f"{key_id}.pem"
    assert (f"签名密钥 {key_id} 的私钥不在本节点 (private key missing on this node): "
            f"{expected}") in second.stderr
    assert "onething keys import keys.sealed" in second.stderr
    assert "已存在" not in second.stdout and "exists" not in second.stdout
    assert not (tmp_path / "node2-keys").exists()  # no key of its own

    check = run(onething("check", "--deploy"), node2)
    assert check.returncode == 1
    assert f"?: (certificates.E001) 签名密钥 {key_id} 的私钥不在本节点" in check.stderr

    exported = run(onething("keys", "export", "--out", str(tmp_path / "keys.sealed")), node1)
    assert exported.returncode == 0, exported.stderr
    imported = run(onething("keys", "import", str(tmp_path / "keys.sealed")), node2)
    assert imported.returncode == 0, imported.stderr
    again = run(onething("keys", "init"), node2)
    assert again.returncode == 0, again.stderr
    assert again.stdout == (f"签名密钥 {key_id} 已存在，私钥在本节点 (exists, private key here) — "
                            f"{expected}\n")
    check = run(onething("check", "--deploy"), node2)
    assert "certificates." not in check.stdout + check.stderr
