"""Debian tools the deployment tests run (systemd-analyze, haproxy, nginx, openssl), and
the shipped environment file read as systemd and sh read it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
ENSURE = REPO / "scripts" / "ensure-deploy-tools.sh"
ENV_EXAMPLE = DEPLOY / "env.example"


def env_example() -> dict[str, str]:
    """deploy/env.example's variables, as systemd (EnvironmentFile=) and sh read them."""
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            if len(value) > 1 and value[0] == value[-1] == '"':
                value = value[1:-1]  # systemd and sh both remove the quotes
            assert not set(value) & set("$`\\'"), line
            assert re.fullmatch(r"[A-Z_][A-Z0-9_]*", name), line
            assert name not in pairs, f"{name} twice"
            pairs[name] = value
    return pairs


def tool(name: str) -> str:
    """The program's path, installing the Debian packages when missing (as the other
    scripts/ensure-*.sh do); a clear failure, never a skip, when that is impossible."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if found:
        return found
    result = subprocess.run([str(ENSURE)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    found = shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    assert found, f"{name} is still missing after {ENSURE.name}"
    return found


def pg_bin() -> Path:
    """Debian's newest PostgreSQL server programs (installed when missing)."""
    def newest() -> Path | None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"),
                       key=lambda p: int(p.parts[-3]))
        return found[-1].parent if found else None

    if newest() is None:
        result = subprocess.run([str(ENSURE)], capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
    found = newest()
    assert found, "PostgreSQL is still missing after ensure-deploy-tools.sh"
    return found
