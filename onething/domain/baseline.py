"""A bundle's recorded pre-reform baseline (改革前): what applying took before the
一件事 reform, as a province or the country published it, with its source and year.

The catalogue records it under a bundle's ``metrics`` as ``baseline``::

    metrics:
      baseline:
        materials: 35          # 份, the materials asked for before the reform
        working_days: 48       # 个工作日
        published_by: 四川省    # who published the figure: shown with it
        year: 2024
        source: shared/reference/national-bundles.md §2.1   # the citation, for maintainers
        uncertain: 年份按……推定   # optional: what is not checked against the original
        en: {published_by: Sichuan Province}

``calendar_days`` (自然日, may be a decimal: 22.9) stands where a source counts
calendar days instead of working days. At least one figure is required.
The page shows the figures (改革前：材料35份、48个工作日（四川省，2024）), never the
maintainer's ``uncertain`` note itself, only that the figure is uncertain.

Pure Python: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

BASELINE_FIGURES = ("materials", "working_days", "calendar_days")
BASELINE_REQUIRED = ("published_by", "year", "source")
BASELINE_KEYS = (*BASELINE_FIGURES, *BASELINE_REQUIRED, "uncertain", "en")
BASELINE_ENGLISH = ("published_by",)
EARLIEST_YEAR = 1990
LATEST_YEAR = 2100
# More than this many materials or days is a typing slip, not a published figure.
MAX_FIGURE = 1000


@dataclass(frozen=True)
class Baseline:
    published_by: str
    year: int
    source: str  # the citation, for maintainers (not shown, not in the API)
    materials: int | None = None
    working_days: int | None = None
    calendar_days: float | None = None
    uncertain: str = ""  # maintainers' note: never shown, only flagged (待核实)
    en: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_uncertain(self) -> bool:
        return bool(self.uncertain)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def baseline_problems(metrics: Mapping[str, Any]) -> list[str]:
    """Every problem of ``metrics['baseline']`` (none when there is no baseline)."""
    raw = metrics.get("baseline")
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        return ["metrics.baseline must be a mapping"]
    problems = [
        f"metrics.baseline: unknown key '{key}' (allowed: {', '.join(BASELINE_KEYS)})"
        for key in raw
        if key not in BASELINE_KEYS
    ]
    for key in BASELINE_REQUIRED:
        if key not in raw or raw[key] in (None, ""):
            problems.append(
                f"metrics.baseline: '{key}' is required (the figure's source and "
                "year are shown with it)"
            )
    for key in ("published_by", "source", "uncertain"):
        if key in raw and not isinstance(raw[key], str):
            problems.append(f"metrics.baseline.{key} must be text")
    year = raw.get("year")
    if year is not None and not (_whole(year) and EARLIEST_YEAR <= year <= LATEST_YEAR):
        problems.append(
            f"metrics.baseline.year must be a year from {EARLIEST_YEAR} to "
            f"{LATEST_YEAR}, not {year!r}"
        )
    if not any(raw.get(key) is not None for key in BASELINE_FIGURES):
        problems.append(f"metrics.baseline needs at least one of {', '.join(BASELINE_FIGURES)}")
    for key in ("materials", "working_days"):
        value = raw.get(key)
        if value is not None and not (_whole(value) and 0 < value <= MAX_FIGURE):
            problems.append(
                f"metrics.baseline.{key} must be a whole number from 1 to "
                f"{MAX_FIGURE}, not {value!r}"
            )
    days = raw.get("calendar_days")
    if days is not None and not (_number(days) and 0 < days <= MAX_FIGURE):
        problems.append(
            f"metrics.baseline.calendar_days must be a number above 0 and at most "
            f"{MAX_FIGURE}, not {days!r}"
        )
    english = raw.get("en")
    if english is not None:
        if not isinstance(english, Mapping):
            problems.append("metrics.baseline.en must be a mapping")
        else:
            for key, value in english.items():
                if key not in BASELINE_ENGLISH:
                    problems.append(
                        f"metrics.baseline.en: no text '{key}' to translate "
                        f"(allowed: {', '.join(BASELINE_ENGLISH)})"
                    )
                elif not isinstance(value, str) or not value.strip():
                    problems.append(f"metrics.baseline.en.{key} must be text")
    return problems


def baseline_from_metrics(metrics: Mapping[str, Any] | None) -> Baseline | None:
    """The bundle's baseline, or None when it has none or it does not pass the check."""
    if not metrics or metrics.get("baseline") is None or baseline_problems(metrics):
        return None
    raw: Mapping[str, Any] = metrics["baseline"]
    days = raw.get("calendar_days")
    return Baseline(
        published_by=raw["published_by"].strip(),
        year=raw["year"],
        source=raw["source"].strip(),
        materials=raw.get("materials"),
        working_days=raw.get("working_days"),
        calendar_days=float(days) if days is not None else None,
        uncertain=(raw.get("uncertain") or "").strip(),
        en={str(k): str(v).strip() for k, v in (raw.get("en") or {}).items()},
    )


def baseline_to_dict(baseline: Baseline) -> dict[str, object]:
    """JSON-ready; the citation stays in the catalogue and the maintainers' note is
    reduced to ``uncertain: true/false``."""
    return {
        "materials": baseline.materials,
        "working_days": baseline.working_days,
        "calendar_days": baseline.calendar_days,
        "published_by": baseline.published_by,
        "published_by_en": baseline.en.get("published_by", ""),
        "year": baseline.year,
        "uncertain": baseline.is_uncertain,
    }


def describe_baseline(baseline: Baseline) -> str:
    """In Chinese, as the command line prints it: 改革前：材料35份、48个工作日（四川省，2024）."""
    parts = []
    if baseline.materials is not None:
        parts.append(f"材料{baseline.materials}份")
    if baseline.working_days is not None:
        parts.append(f"{baseline.working_days}个工作日")
    if baseline.calendar_days is not None:
        parts.append(f"{baseline.calendar_days:g}天")
    note = "，尚未经官方确认" if baseline.is_uncertain else ""
    return f"改革前：{'、'.join(parts)}（{baseline.published_by}，{baseline.year}{note}）"
