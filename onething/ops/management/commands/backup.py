"""``onething backup create|verify|restore``: database, uploads and signing keys together.

* ``create DIR|FILE [--encrypt]`` — writes one archive (0600; new folders 0700). The
  keys inside are always sealed with the passphrase; ``--encrypt`` seals the whole
  archive too (it holds personal data).
* ``verify FILE`` — reads it all: checksums, nothing missing or extra, the database
  dump readable, and (with the passphrase) the keys open. Exit 1 when anything fails.
* ``restore FILE`` — into a new, empty database and an empty uploads folder (a fresh
  ``ONETHING_DATA_DIR``); verifies first, then restores database, uploads and keys.

The passphrase comes from ``--passphrase-file`` or ``ONETHING_KEYS_PASSPHRASE``.
See docs/operations.md ("Backup and restore").
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onething.certificates import keys
from onething.domain import sealed
from onething.ops import backup


class Command(BaseCommand):
    help = "备份与恢复：数据库、上传材料、签名密钥 (backup and restore: database, uploads, keys)"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "verify", "restore"])
        parser.add_argument("path", help="create: a folder or the file to write; "
                                         "verify/restore: the archive")
        parser.add_argument("--encrypt", action="store_true",
                            help="create: seal the whole archive with the passphrase")
        parser.add_argument("--passphrase-file",
                            help="file holding the passphrase (else ONETHING_KEYS_PASSPHRASE)")

    def handle(self, *args: object, **options: object) -> None:
        action = options["action"]
        path = Path(str(options["path"]))
        try:
            if action == "create":
                passphrase = keys.read_passphrase(options.get("passphrase_file"))
                archive, manifest = backup.create_backup(
                    str(options["path"]), passphrase=passphrase, encrypt=bool(options["encrypt"]))
                self.stdout.write(f"备份已写入 (backup written): {archive}")
                self._summary(manifest)
            elif action == "verify":
                try:
                    passphrase = keys.read_passphrase(options.get("passphrase_file"))
                except keys.KeyImportError:
                    passphrase = None
                contents = backup.verify_backup(path, passphrase)
                self.stdout.write(f"备份完整可读 (backup complete and readable): {path}")
                self._summary(contents.manifest)
                for note in contents.notes:
                    self.stdout.write(note)
            else:
                passphrase = keys.read_passphrase(options.get("passphrase_file"))
                contents = backup.restore_backup(path, passphrase)
                self.stdout.write(f"已恢复 (restored) {path}")
                self._summary(contents.manifest)
                for note in contents.notes:
                    self.stdout.write(note)
                self.stdout.write("下一步 (next): onething setup; onething keys status")
        except (backup.BackupError, keys.KeyImportError, keys.KeyMissing,
                sealed.SealError, OSError) as exc:
            raise CommandError(str(exc)) from exc

    def _summary(self, manifest: dict) -> None:
        database = manifest["database"]
        self.stdout.write(
            f"  创建于 (created at) {manifest['created_at']}; 数据库 (database) "
            f"{database['vendor']}; 上传文件 (uploads) {manifest['uploads']['files']} "
            f"({manifest['uploads']['bytes']} bytes); 签名密钥 (keys) "
            f"{', '.join(manifest['keys']['key_ids']) or '-'}; "
            f"{len(manifest['members']) + 1} 个条目 (members)")
