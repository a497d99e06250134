"""deploy/onething-admin runs a command with the service environment and umask 077."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from pathlib import Path

from .tools import DEPLOY

ADMIN = DEPLOY / "onething-admin"


def test_runs_onething_with_the_environment_file(tmp_path):
    data = tmp_path / "data"
    env_file = tmp_path / "onething.env"
    env_file.write_text(f"# comment\nONETHING_DATA_DIR={data}\nONETHING_REGION=371402\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ONETHING_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update({"ONETHING_ENV_FILE": str(env_file), "ONETHING_USER": getpass.getuser(),
                "ONETHING_BIN": str(Path(sys.executable).parent / "onething")})
    result = subprocess.run([str(ADMIN), "migrate", "--verbosity", "0"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    # The data directory and the database it created are the service user's alone.
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "onething.sqlite3").stat().st_mode & 0o777 == 0o600


def test_refuses_without_a_readable_environment_file(tmp_path):
    result = subprocess.run([str(ADMIN), "check"], capture_output=True, text=True, timeout=60,
                            env={"PATH": os.environ["PATH"],
                                 "ONETHING_ENV_FILE": str(tmp_path / "missing.env")})
    assert result.returncode == 1
    assert result.stderr == f"onething-admin: cannot read {tmp_path}/missing.env (run as root)\n"
