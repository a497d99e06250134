"""``onething hall erlang|demo-history|plan``: the hall's staffing maths from the terminal.

- ``onething hall erlang --arrivals-per-hour R --aht-seconds S --agents N
  --target-seconds T [--json]``: wait probability, service level, ASA and
  occupancy; with ``--target-level L`` instead of ``--agents``: the windows
  needed (``--shrinkage``, ``--max-occupancy``; ``--patience-seconds`` for
  Erlang A).
- ``onething hall demo-history --weeks 12 [--seed S] [--end DATE] [--out FILE]``:
  a synthetic ticket history as CSV (columns in
  :mod:`onething.domain.tickethistory`); with ``--load``, stored as the demo county
  centre's tickets instead (the tidal-window screen's history).
- ``onething hall plan --history FILE --date YYYY-MM-DD [--json]``: the day's
  window plan per hour with its reasons.
- ``onething hall no-shows [--inline]``: queue (or run) the marking of appointments not
  checked in by 15 minutes after their slot (爽约); hourly with the deadlines timer.

Pure domain code underneath; no database is touched. (Kept in ``core`` until
the ``hall`` app exists; it can move there unchanged.)
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onething.domain.staffing import (
    DEFAULT_TARGET_LEVEL,
    DEFAULT_TARGET_SECONDS,
    QueueMetrics,
    StaffingInputError,
    queue_metrics,
    required_agents,
)
from onething.domain.tickethistory import (
    CATEGORY_NAMES,
    DEMO_PEAKS,
    HALL_TZ,
    HistoryError,
    generate_demo_history,
    read_history_csv,
    write_history_csv,
)
from onething.domain.tidalplan import StaffingPolicy, plan_day, render_plan

LABELS = {
    "wait_probability": "需要等候的概率",
    "service_level": "目标时长内叫号的比例",
    "asa_seconds": "平均等候秒数",
    "occupancy": "窗口占用率",
    "abandonment": "离队比例",
    "offered_load": "负荷（爱尔兰）",
    "agents": "所需窗口数",
    "scheduled": "排班人数（含损耗）",
}


class Command(BaseCommand):
    help = "办事大厅窗口测算：Erlang 公式、演示历史、潮汐窗口计划 (hall staffing maths)"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        erlang = sub.add_parser("erlang", help="Erlang C/A figures or windows needed")
        erlang.add_argument("--arrivals-per-hour", type=float, required=True, metavar="R")
        erlang.add_argument("--aht-seconds", type=float, required=True, metavar="S",
                            help="average handling time")
        which = erlang.add_mutually_exclusive_group(required=True)
        which.add_argument("--agents", type=int, metavar="N", help="windows open")
        which.add_argument("--target-level", type=float, metavar="L",
                           help="service-level target, e.g. 0.8: print the windows needed")
        erlang.add_argument("--target-seconds", type=float, default=DEFAULT_TARGET_SECONDS,
                            metavar="T", help="answer-time target (default 900 = 15 min)")
        erlang.add_argument("--shrinkage", type=float, default=0.0,
                            help="share of paid time away from the window (with --target-level)")
        erlang.add_argument("--max-occupancy", type=float, default=1.0,
                            help="occupancy cap (with --target-level)")
        erlang.add_argument("--patience-seconds", type=float,
                            help="mean patience: Erlang A instead of Erlang C")
        erlang.add_argument("--json", action="store_true", help="print JSON")

        demo = sub.add_parser("demo-history", help="write a synthetic ticket history (CSV)")
        demo.add_argument("--weeks", type=int, default=12)
        demo.add_argument("--seed", type=int, default=0)
        demo.add_argument("--end", help="first day after the history (default: today)")
        demo.add_argument("--out", type=Path, help="file to write (default: standard output)")
        demo.add_argument("--load", action="store_true",
                          help="store it as the demo county centre's tickets instead "
                               "(replaces a history loaded before)")

        plan = sub.add_parser("plan", help="the day's window plan from a ticket history")
        plan.add_argument("--history", type=Path, required=True, help="CSV from demo-history")
        plan.add_argument("--date", required=True, help="the day to plan, YYYY-MM-DD")
        plan.add_argument("--target-seconds", type=float, default=DEFAULT_TARGET_SECONDS)
        plan.add_argument("--target-level", type=float, default=DEFAULT_TARGET_LEVEL)
        plan.add_argument("--max-occupancy", type=float, default=StaffingPolicy.max_occupancy)
        plan.add_argument("--shrinkage", type=float, default=StaffingPolicy.shrinkage)
        plan.add_argument("--replications", type=int, default=StaffingPolicy.replications)
        plan.add_argument("--seed", type=int, default=0)
        plan.add_argument("--json", action="store_true", help="print JSON")
        no_shows = sub.add_parser("no-shows", help="mark appointments not checked in (爽约)")
        no_shows.add_argument("--inline", action="store_true",
                              help="run here instead of queueing the task for the worker")

    def handle(self, *args: object, **options: Any) -> None:
        action = options["action"]
        if action == "erlang":
            self._erlang(options)
        elif action == "demo-history":
            self._demo(options)
        elif action == "no-shows":
            self._no_shows(options)
        else:
            self._plan(options)

    def _no_shows(self, options: dict[str, Any]) -> None:
        from onething.hall import appointment_services, tasks

        if options["inline"]:
            marked = appointment_services.mark_no_shows()
            self.stdout.write(f"爽约 {len(marked)} 个预约 (marked no-show: {len(marked)})")
            return
        result = tasks.mark_appointment_no_shows.enqueue()
        self.stdout.write(f"已排队 (queued) mark_appointment_no_shows: {result.id}")

    def _erlang(self, options: dict[str, Any]) -> None:
        try:
            if options["agents"] is not None:
                metrics = queue_metrics(options["arrivals_per_hour"], options["aht_seconds"],
                                        options["agents"], options["target_seconds"],
                                        options["patience_seconds"])
                result = _metrics_dict(metrics)
            else:
                need = required_agents(
                    options["arrivals_per_hour"], options["aht_seconds"],
                    target_seconds=options["target_seconds"],
                    target_level=options["target_level"],
                    max_occupancy=options["max_occupancy"], shrinkage=options["shrinkage"],
                    patience_seconds=options["patience_seconds"])
                result = {"agents": need.agents, "scheduled": need.scheduled,
                          "target_level": need.target_level, "shrinkage": need.shrinkage,
                          "max_occupancy": need.max_occupancy, "binding": need.binding,
                          **_metrics_dict(need.metrics)}
        except StaffingInputError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        for key, value in result.items():
            label = LABELS.get(key)
            self.stdout.write(f"{key}: {value}" + (f"  # {label}" if label else ""))

    def _demo(self, options: dict[str, Any]) -> None:
        end = (_date(options["end"], "--end") if options["end"]
               else dt.datetime.now(HALL_TZ).date())
        if options["load"]:
            from onething.hall.demo import load_demo_history
            from onething.hall.models import Hall

            try:
                count = load_demo_history(weeks=options["weeks"], end=end,
                                          seed=options["seed"])
            except (ValueError, Hall.DoesNotExist) as exc:
                raise CommandError(f"无法载入：{exc}（先运行 onething setup --demo） "
                                   f"(cannot load: run onething setup --demo first)") from exc
            self.stdout.write(f"已载入 {count} 张历史号票 (loaded {count} tickets)")
            return
        try:
            records = generate_demo_history(end=end, weeks=options["weeks"],
                                            seed=options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        text = write_history_csv(records)
        if options["out"] is None:
            self.stdout.write(text, ending="")
            return
        path: Path = options["out"]
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc} (cannot write)") from exc
        self.stderr.write(f"已写入 {len(records)} 张号票 (wrote {len(records)} tickets) "
                          f"→ {path}")

    def _plan(self, options: dict[str, Any]) -> None:
        day = _date(options["date"], "--date")
        path: Path = options["history"]
        try:
            text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc} (cannot read)") from exc
        try:
            records = read_history_csv(text)
        except HistoryError as exc:
            for problem in exc.problems:
                self.stderr.write(f"{path}:{problem.line}: {problem.message}")
            raise CommandError(f"{len(exc.problems)} 处错误 ({len(exc.problems)} problems)"
                               ) from exc
        if not records:
            raise CommandError("历史记录为空 (the history is empty)")
        policy = StaffingPolicy(
            target_seconds=options["target_seconds"], target_level=options["target_level"],
            max_occupancy=options["max_occupancy"], shrinkage=options["shrinkage"],
            replications=options["replications"], seed=options["seed"])
        try:
            plan = plan_day(records, day, policy=policy, peaks=DEMO_PEAKS, names=CATEGORY_NAMES)
        except StaffingInputError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(plan.to_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_plan(plan))


def _metrics_dict(metrics: QueueMetrics) -> dict[str, object]:
    result: dict[str, object] = {
        "model": metrics.model,
        "arrivals_per_hour": metrics.arrivals_per_hour,
        "aht_seconds": metrics.aht_seconds,
        "agents": metrics.agents,
        "target_seconds": metrics.target_seconds,
        "offered_load": round(metrics.offered_load, 6),
        "wait_probability": round(metrics.wait_probability, 6),
        "service_level": round(metrics.service_level, 6),
        "asa_seconds": round(metrics.asa_seconds, 6),
        "occupancy": round(metrics.occupancy, 6),
    }
    if metrics.patience_seconds is not None:
        result["patience_seconds"] = metrics.patience_seconds
        result["abandonment"] = round(metrics.abandonment, 6)
    return result


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} 应为 YYYY-MM-DD，而不是 {value!r} "
                           f"({option} must be YYYY-MM-DD)") from None
