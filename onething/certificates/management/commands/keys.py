"""``onething keys init|rotate|status|export|import``: the certificate signing keys.

* ``init`` — make the deployment's first key; on a node where the database already
  names an active key it only checks that this node holds its private half, and
  fails (exit 1) with the way forward when it does not.
* ``rotate`` — a new active key at once; old keys stay to verify what they signed
  (for a keys directory every node mounts).
* ``prepare`` / ``activate KEY_ID`` — rotation in two steps for nodes holding copies:
  prepare a key, provision it on every node, then activate it.
* ``status`` — every key, where its private half is expected on this node and whether
  it is there and matches; exit 1 when the active key is not usable here.
* ``export --out FILE`` / ``import FILE`` — all private keys sealed with the operator's
  passphrase (``--passphrase-file`` or ``ONETHING_KEYS_PASSPHRASE``).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onething.certificates import keys
from onething.certificates.models import SigningKey
from onething.domain import sealed


class Command(BaseCommand):
    help = ("电子证照签名密钥：init 创建首个密钥，rotate 轮换，status 状态，export/import 导出导入 "
            "(certificate signing keys)")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["init", "rotate", "prepare", "activate",
                                               "status", "export", "import"])
        parser.add_argument("file", nargs="?",
                            help="import: the export file; activate: the key id")
        parser.add_argument("--out", help="export: the file to write (0600, must not exist)")
        parser.add_argument("--passphrase-file",
                            help="file holding the passphrase (else ONETHING_KEYS_PASSPHRASE)")

    def handle(self, *args: object, **options: object) -> None:
        action = options["action"]
        try:
            getattr(self, f"_{action}")(options)
        except (keys.KeyMissing, keys.KeyImportError, sealed.SealError) as exc:
            raise CommandError(str(exc)) from exc

    def _init(self, options: dict) -> None:
        key, created = keys.init_keys()
        note = "已创建 (created)" if created else "已存在，私钥在本节点 (exists, private key here)"
        self.stdout.write(f"签名密钥 {key.key_id} {note} — {keys.private_key_path(key.key_id)}")

    def _rotate(self, options: dict) -> None:
        key = keys.rotate_key()
        self.stdout.write(f"签名密钥 {key.key_id} 已轮换，旧密钥仍用于核验 (rotated; old keys "
                          f"still verify) — {keys.private_key_path(key.key_id)}")
        self.stdout.write("把新密钥分发到每个节点 (provision the new key on every node): "
                          "onething keys export / onething keys import")

    def _prepare(self, options: dict) -> None:
        key = keys.prepare_key()
        self.stdout.write(f"签名密钥 {key.key_id} 已生成，尚未启用 (prepared, not signing yet) — "
                          f"{keys.private_key_path(key.key_id)}")
        self.stdout.write("分发到每个节点后启用 (provision it on every node, then): "
                          f"onething keys activate {key.key_id}")

    def _activate(self, options: dict) -> None:
        key_id = options.get("file")
        if not key_id:
            raise CommandError("activate 需要密钥标识 (activate needs the key id)")
        key = keys.activate_key(str(key_id))
        self.stdout.write(f"签名密钥 {key.key_id} 已启用，旧密钥仍用于核验 (active; old keys "
                          f"still verify)")

    def _status(self, options: dict) -> None:
        self.stdout.write(f"密钥目录 (keys directory): {keys.keys_dir()}")
        rows = list(SigningKey.objects.order_by("-created_at", "-id"))
        if not rows:
            self.stdout.write("数据库中没有签名密钥 (no signing key in the database): "
                              "onething keys init")
            return
        failing = None
        for key in rows:
            state = keys.key_state(key)
            role = ("当前 (active)" if key.active else "已停用 (retired)" if key.retired_at
                    else "待启用 (prepared)")
            self.stdout.write(f"{key.key_id} {role} {state.state}: {state.path}")
            if key.active and not state.ok:
                failing = state
        if failing is not None:
            raise keys.KeyMissing(f"{failing.problem()}。{keys.IMPORT_HINT}")

    def _export(self, options: dict) -> None:
        out = options.get("out")
        if not out:
            raise CommandError("export 需要 --out FILE (export needs --out FILE)")
        passphrase = keys.read_passphrase(options.get("passphrase_file"))
        data, exported, missing = keys.export_keys(passphrase)
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise CommandError(f"{out} 已存在 (already exists)") from exc
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        self.stdout.write(f"已导出 {len(exported)} 个密钥 (exported {len(exported)} keys) "
                          f"到 {out}: {', '.join(exported)}")
        for key_id in missing:
            self.stderr.write(f"已停用密钥 {key_id} 的私钥不在本节点，未导出 (retired key's "
                              f"private key not on this node; not exported)")

    def _import(self, options: dict) -> None:
        source = options.get("file")
        if not source:
            raise CommandError("import 需要导出文件 (import needs the export file)")
        passphrase = keys.read_passphrase(options.get("passphrase_file"))
        for key_id, outcome in keys.import_keys(Path(source).read_bytes(), passphrase):
            note = "已写入 (written)" if outcome == "written" else "已存在且一致 (already here)"
            self.stdout.write(f"签名密钥 {key_id} {note} — {keys.private_key_path(key_id)}")
