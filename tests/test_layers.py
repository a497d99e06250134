"""Mechanical guards on the layers (shared/ARCHITECTURE.md)."""

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parent.parent / "onething" / "domain"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_imports_no_django():
    offenders = {
        path.name: sorted(m for m in imported_modules(path) if m.split(".")[0] == "django")
        for path in DOMAIN.glob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) >= 5  # calendar, catalog, planner, validators, yamlsource


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
