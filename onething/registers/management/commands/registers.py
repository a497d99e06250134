"""`onething registers load REGISTER FILE` / `onething registers show`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from onething.domain.registers import REGISTERS
from onething.registers.selectors import latest_loads
from onething.registers.services import load_register


class Command(BaseCommand):
    help = "加载或查看共享数据库（犯罪记录、社保缴费、应缴费用）(load or show registers)"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="用 CSV 文件整体替换一个数据库 (replace from CSV)")
        load.add_argument("register", choices=sorted(REGISTERS))
        load.add_argument("file", type=Path)
        sub.add_parser("show", help="各数据库最近一次导入 (latest loads)")

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "show":
            loads = latest_loads()
            for key, spec in REGISTERS.items():
                load = loads.get(key)
                shown = load if load else "尚未导入 (never loaded)"
                self.stdout.write(f"{key}\t{spec.name}\t{shown}")
            return
        register = str(options["register"])
        path = Path(str(options["file"]))
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc} (cannot read)") from exc
        result = load_register(register, data, actor=None, filename=path.name)
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"{path}:{problem.line}: {problem.message}")
            raise CommandError(f"{len(result.problems)} 处错误，未导入任何数据 "
                               f"({len(result.problems)} problems, nothing loaded)")
        self.stdout.write(f"已导入 (loaded) {result.load}")
