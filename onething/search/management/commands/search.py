"""``onething search QUERY [--limit N] [--json]``: search bundles, scenarios, matters and
service halls."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.utils import OperationalError, ProgrammingError

from onething.catalog import selectors as catalog_selectors
from onething.search import selectors


class Command(BaseCommand):
    help = "搜索一件事、导办场景和事项 (search bundles, scenarios and matters)"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("query", nargs="+", help="words, pinyin or initials, e.g. 水电 sdqw")
        parser.add_argument("--limit", type=int, default=10, help="at most this many (10)")
        parser.add_argument("--json", action="store_true",
                            help="print a JSON array, best first")

    def handle(self, *args: object, **options: object) -> None:
        query = " ".join(str(q) for q in options["query"])  # type: ignore[union-attr]
        limit = int(options["limit"])  # type: ignore[arg-type]
        if limit < 1:
            raise CommandError("--limit 至少为 1 (--limit must be at least 1)")
        try:
            if not catalog_selectors.catalog_is_loaded():
                raise CommandError("目录尚未加载，请先运行 onething setup "
                                   "(catalogue not loaded: run `onething setup`)")
            hits = selectors.search(query, limit)
            suggestions = [] if hits else selectors.suggestions()
        except (OperationalError, ProgrammingError) as exc:
            raise CommandError("数据库尚未初始化，请先运行 onething setup "
                               "(database not set up: run `onething setup`)") from exc
        if options.get("json"):
            self.stdout.write(json.dumps([h.to_dict() for h in hits], ensure_ascii=False,
                                         indent=2))
        else:
            for hit in hits:
                via = f"（{hit.matched}）" if hit.matched else ""
                self.stdout.write(f"[{hit.kind_label}] {hit.title}{via}  {hit.url_path or '-'}")
        if not hits:
            names = "、".join(s.title for s in suggestions)
            self.stderr.write(f"没有找到与“{query}”相关的内容。可以试试：{names} "
                              "(nothing found; try fewer words, pinyin such as shuidian, "
                              "or one of these bundles)")
