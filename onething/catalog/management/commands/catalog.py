"""``onething catalog check [PATH]`` and ``onething catalog load [PATH]``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onething.catalog.services import CatalogInvalid, load_catalog
from onething.domain.catalog import missing_english, read_catalog


class Command(BaseCommand):
    help = "检查或加载事项目录 (check or load the YAML catalogue)"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="validate the catalogue; print file:line problems")
        check.add_argument("path", nargs="?", help="catalogue directory or file")
        load = sub.add_parser("load", help="load the catalogue into the database")
        load.add_argument("path", nargs="?", help="catalogue directory")
        load.add_argument("--force", action="store_true",
                          help="rewrite every entry, also undoing admin edits")

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options.get("path") or settings.CATALOG_DIR))
        if options["action"] == "check":
            result = read_catalog(path)
            for problem in result.problems:
                self.stderr.write(str(problem))
            if result.problems:
                raise CommandError(f"目录有 {len(result.problems)} 处问题 "
                                   f"({len(result.problems)} problem(s) in {path})")
            c = result.catalog
            untranslated = missing_english(c)
            for warning in untranslated:
                self.stderr.write(f"warning: {warning}")
            if untranslated:
                self.stderr.write(f"提示：{len(untranslated)} 处目录文字没有英文，英文界面显示中文 "
                                  f"(warning: {len(untranslated)} catalogue text(s) without "
                                  "English; the English interface shows the Chinese)")
            self.stdout.write(
                f"目录检查通过 (catalogue OK): {len(result.files)} files, "
                f"{len(c.bundles)} bundles, {len(c.matters)} matters, "
                f"{len(c.departments)} departments, {len(c.scenarios)} scenarios"
            )
            return
        try:
            report = load_catalog(path, force=bool(options.get("force")))
        except CatalogInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"目录有 {len(exc.problems)} 处问题，未加载 "
                               f"(catalogue not loaded: {len(exc.problems)} problem(s))") from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(f"目录已加载 (catalogue loaded): {report.changed} change(s)")
