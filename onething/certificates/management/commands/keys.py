"""``onething keys init`` / ``onething keys rotate``: the certificate signing keys."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from onething.certificates import keys


class Command(BaseCommand):
    help = "电子证照签名密钥：init 创建首个密钥，rotate 轮换 (certificate signing keys)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["init", "rotate"])

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "init":
            key, created = keys.init_keys()
            note = "已创建 (created)" if created else "已存在 (exists)"
        else:
            key = keys.rotate_key()
            note = "已轮换，旧密钥仍用于核验 (rotated; old keys still verify)"
        self.stdout.write(f"签名密钥 {key.key_id} {note} — {keys.private_key_path(key.key_id)}")
