"""``onething plan SLUG [--answer Q=O ...] [--start YYYY-MM-DD] [--json]``."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.utils import OperationalError, ProgrammingError

from onething.catalog import selectors
from onething.domain.baseline import describe_baseline
from onething.domain.calendar import CalendarDataMissing
from onething.domain.catalog import MATTER_KINDS
from onething.domain.outcomes import ReformOutcome, outcome_to_dict
from onething.domain.planner import Plan, PlanningError, plan_to_dict


class Command(BaseCommand):
    help = "为一件事生成办理方案 (plan a bundle for the given answers)"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="bundle slug, e.g. restaurant")
        parser.add_argument("--answer", "-a", action="append", default=[],
                            metavar="QUESTION=OPTION", help="an answer; repeat for more")
        parser.add_argument("--start", help="start date YYYY-MM-DD: adds planned dates")
        parser.add_argument("--strict", action="store_true",
                            help="fail instead of using the provisional schedule for years "
                                 "whose holiday notice is not entered")
        parser.add_argument("--provisional", action="store_true",
                            help=argparse.SUPPRESS)  # the default now; kept for old scripts
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: object, **options: object) -> None:
        answers: dict[str, str] = {}
        bad = []
        for raw in options["answer"]:  # type: ignore[union-attr]
            question, sep, option = str(raw).partition("=")
            if not sep or not question or not option:
                bad.append(f"回答应写成 问题=选项，而不是 {raw!r} (expected QUESTION=OPTION)")
            answers[question.strip()] = option.strip()
        start = None
        if options.get("start"):
            try:
                start = dt.date.fromisoformat(str(options["start"]))
            except ValueError:
                bad.append(f"开始日期应为 YYYY-MM-DD，而不是 {options['start']!r} "
                           "(start must be YYYY-MM-DD)")
        if bad:
            raise CommandError("；".join(bad))
        try:
            if not selectors.catalog_is_loaded():
                raise CommandError("目录尚未加载，请先运行 onething setup "
                                   "(catalogue not loaded: run `onething setup`)")
            plan = selectors.plan_bundle(str(options["slug"]), answers, start=start,
                                         provisional=not options.get("strict"))
        except (OperationalError, ProgrammingError) as exc:
            raise CommandError("数据库尚未初始化，请先运行 onething setup "
                               "(database not set up: run `onething setup`)") from exc
        except PlanningError as exc:
            raise CommandError("\n".join(exc.problems)) from exc
        except CalendarDataMissing as exc:
            raise CommandError(str(exc)) from exc
        outcome = selectors.reform_outcome(plan)
        if options.get("json"):
            data = {**plan_to_dict(plan), "outcome": outcome_to_dict(outcome)}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_text(plan, outcome))


def render_text(plan: Plan, outcome: ReformOutcome | None = None) -> str:
    lines = [f"{plan.bundle_name}（{plan.bundle}）"]
    lines.append("情形: " + ", ".join(f"{q}={o}" for q, o in plan.answers.items()))
    lines.append("")
    lines.append(f"办理事项 {len(plan.matters)} 项，涉及部门 {len(plan.departments)} 个：")
    for stage_no, stage in enumerate(plan.stages, start=1):
        lines.append(f"  第{stage_no}批（并联）")
        for code in stage:
            m = plan.matter(code)
            after = f"，需先办 {', '.join(m.depends_on)}" if m.depends_on else ""
            dates = (f"，{m.start}{_mark(m.start_provisional)} 起，"
                     f"{m.due}{_mark(m.due_provisional)} 前办结") if m.due else ""
            mark = " *" if m.critical else ""
            lines.append(f"    - {m.name} [{m.code}] {MATTER_KINDS.get(m.kind, m.kind)}，"
                         f"{m.department_name}，承诺{m.promised_label}{after}{dates}{mark}")
    lines.append("")
    lines.append(f"一表申请：{len(plan.fields)} 项信息，每项只填一次")
    for f in plan.provided_fields:
        lines.append(f"    · {f.label}：由 {f.provided_by} 办理结果自动带入，无需填写")
    lines.append(f"申请材料：{plan.material_count_merged} 份"
                 f"（各事项分别要求共 {plan.material_count_separate} 份，减少 "
                 f"{plan.materials_saved} 份）")
    for m in plan.materials:
        lines.append(f"    - {m.name}（用于 {', '.join(m.needed_by)}）")
    for m in plan.provided_materials:
        lines.append(f"    · {m.name}：由 {m.provided_by} 办理结果直接提供，无需提交")
    lines.append("")
    lines.append(f"串联办理 {plan.serial_days} 个工作日 → 并联办理 {plan.parallel_days} 个工作日"
                 f"（* 为关键路径）")
    if outcome is not None:
        lines.append(f"电子证照复用后材料 {outcome.materials_after_reuse} 份（分别办理 "
                     f"{outcome.materials_separate} 份，合并去重 {outcome.materials_merged} 份）")
        if outcome.baseline is not None:
            lines.append(describe_baseline(outcome.baseline))
    if plan.due:
        lines.append(f"自 {plan.start} 起，预计 {plan.due}{_mark(plan.provisional)} 前全部办结")
    if any(m.due_provisional for m in plan.matters):
        lines.append(PROVISIONAL_NOTE)
    return "\n".join(lines)


PROVISIONAL_MARK = "（暂定）"
PROVISIONAL_NOTE = ("暂定 (provisional)：该日期涉及国务院办公厅尚未公布节假日安排的年份，"
                    "按《全国年节及纪念日放假办法》推算，公布后以正式安排为准。"
                    "(The date depends on a year whose holiday notice is not out yet; it is "
                    "estimated from the statutory holiday rules.)")


def _mark(provisional: bool) -> str:
    return PROVISIONAL_MARK if provisional else ""
