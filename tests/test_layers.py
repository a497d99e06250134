"""Mechanical guards on the layers (shared/ARCHITECTURE.md).

The import rules — the domain imports no Django and no app, UI apps read no other app's
models, no import cycles between apps, nothing imports onething.ops — are import-linter
contracts in pyproject.toml, run by `make test` (`lint-imports`; docs/architecture.md).
What they cannot see is checked here.
"""

from pathlib import Path

DOMAIN = Path(__file__).resolve().parent.parent / "onething" / "domain"


ROOT = DOMAIN.parent


def test_case_status_changes_only_in_the_service():
    """One entry point per state change: transition_case (shared/ARCHITECTURE.md), which
    applies the table through ``transitions.apply_transition`` (the only assignment)."""
    import re

    assign = re.compile(r"\b(case|dependent)\.status\s*=[^=]")
    bulk = re.compile(r"\.update\(\s*status=")
    mentions_case = re.compile(r"\bCase\b|\.cases\b|\bcases\b")
    allowed = {ROOT / "applications" / "transitions.py"}
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path in allowed or "migrations" in path.parts:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            window = "\n".join(lines[max(0, number - 4):number])
            if assign.search(line) or (bulk.search(line) and mentions_case.search(window)):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
