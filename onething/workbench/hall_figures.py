"""Hall figures (大厅运行指标) for managers and administrators: one hall, a range of days,
by day or by hour, per category and per window; CSV and xlsx downloads of the same
figures (``?format=csv`` / ``csv&table=windows`` / ``xlsx``).

Thin view: the figures come from ``hall.figures`` (which checks the viewer again; a
hall that is not there is a 404); definitions in docs/hall.md, "Figures".
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from onething.domain.hallfigures import Granularity
from onething.hall import figures as hall_figures
from onething.hall.selectors import NotVisible
from onething.workbench.access import CENTRE_ROLES, staff_required

DEFAULT_DAYS = 7
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(raw: str, default: dt.date) -> tuple[dt.date, bool]:
    if not raw:
        return default, True
    try:
        return dt.date.fromisoformat(raw), True
    except ValueError:
        return default, False


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _category_row(f, result) -> dict:
    return {
        "period": hall_figures.period_label(f.period, result.granularity),
        "letter": f.category,
        "name": result.category_names.get(f.category, ""),
        "taken": f.taken,
        "called": f.called,
        "average": _minutes(f.average_wait),
        "p90": _minutes(f.p90_wait),
        "within": _percent(f.within_target),
        "no_show": _percent(f.no_show_rate),
        "left": _percent(f.left_rate),
        "appointments": _percent(f.appointment_share),
    }


@staff_required(*CENTRE_ROLES)
@require_GET
def figures(request: HttpRequest, hall_id: int) -> HttpResponse:
    today = timezone.localdate()
    last, last_ok = _day(request.GET.get("to", ""), today)
    first, first_ok = _day(request.GET.get("from", ""), last - dt.timedelta(days=DEFAULT_DAYS - 1))
    granularity = Granularity.HOUR if request.GET.get("by") == Granularity.HOUR else Granularity.DAY
    errors: list[str] = []
    if not (first_ok and last_ok):
        errors.append(gettext("请按“年-月-日”填写日期，例如 2026-12-01。"))
    if last < first or (last - first).days >= hall_figures.MAX_DAYS:
        errors.append(gettext("开始日期应不晚于结束日期，且范围不超过366天。"))
        first, last = last - dt.timedelta(days=DEFAULT_DAYS - 1), last
    try:
        result = hall_figures.hall_figures(
            request.user, hall_id, first, last, granularity, now=timezone.now()
        )
    except NotVisible as exc:
        raise Http404("没有这个办事大厅 (no such hall)") from exc
    wanted = request.GET.get("format", "")
    name = f"hall-{hall_id}-figures-{first:%Y%m%d}-{last:%Y%m%d}-{granularity}"
    if wanted == "csv" and not errors:
        table = "windows" if request.GET.get("table") == "windows" else "categories"
        response = HttpResponse(
            hall_figures.to_csv(result, table), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}-{table}.csv"'
        return response
    if wanted == "xlsx" and not errors:
        response = HttpResponse(hall_figures.to_xlsx(result), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    query = f"from={first:%Y-%m-%d}&to={last:%Y-%m-%d}&by={granularity}"
    return render(
        request,
        "workbench/hall_figures.html",
        {
            "figures": result,
            "hall": result.hall,
            "errors": errors,
            "query": query,
            "target_minutes": int(result.target.total_seconds() // 60),
            "service_level": round(result.service_level * 100),
            "categories": [_category_row(f, result) for f in result.categories],
            "windows": [
                {
                    "period": hall_figures.period_label(f.period, granularity),
                    "window": f.window,
                    "signed_in": _minutes(f.signed_in),
                    "serving": _minutes(f.serving),
                    "occupancy": _percent(f.occupancy),
                }
                for f in result.windows
            ],
            "by_hour": granularity is Granularity.HOUR,
        },
        status=400 if errors else 200,
    )
