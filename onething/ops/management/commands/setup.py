"""``onething setup``: migrate the database, collect static files, load the catalogue.

Safe to run again: every step only does what is missing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = ("初始化：迁移数据库、收集静态文件、加载事项目录 "
            "(migrate, collectstatic, load the catalogue)")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--catalog", help="catalogue directory (default ONETHING_CATALOG_DIR)")
        parser.add_argument("--demo", action="store_true",
                            help="create demo accounts (reviewers, clerk, applicants) and "
                                 "demo service halls with windows")

    def handle(self, *args: object, **options: object) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库已迁移 (database migrated)")
        # Whitenoise serves STATIC_ROOT; outside DEBUG it does not look in the app folders.
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"静态文件已收集 (static files collected in {settings.STATIC_ROOT})")
        path = options.get("catalog") or str(settings.CATALOG_DIR)
        call_command("catalog", "load", path, stdout=self.stdout, stderr=self.stderr)
        call_command("keys", "init", stdout=self.stdout, stderr=self.stderr)
        if options.get("demo"):
            from onething.accounts.demo import create_demo_accounts

            self.stdout.write("演示账号 (demo accounts):")
            for line in create_demo_accounts():
                self.stdout.write(f"  {line}")
            from onething.registers.demo import load_demo_registers, verify_demo_identities

            for line in [*verify_demo_identities(), *load_demo_registers()]:
                self.stdout.write(f"  {line}")
            from onething.hall.demo import create_demo_halls

            self.stdout.write("演示办事大厅 (demo service halls):")
            for line in create_demo_halls():
                self.stdout.write(f"  {line}")
            from onething.hall.demo import load_demo_history

            count = load_demo_history()
            self.stdout.write(f"  德城区政务服务中心近12周的演示号票 {count} 张"
                              "（潮汐窗口计划的历史）")
