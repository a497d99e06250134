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
