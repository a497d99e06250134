"""Helpers to run ``python -m onething`` in a clean environment of its own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(tmp_path) -> dict[str, str]:
    """The current environment without onething's settings, data in a temporary folder."""
    # Other tests set DJANGO_ALLOW_ASYNC_UNSAFE (browser tests), DATABASE_URL (PostgreSQL).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ONETHING_", "DJANGO_")) and k != "DATABASE_URL"}
    env["ONETHING_DATA_DIR"] = str(tmp_path / "data")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def onething(*args: str) -> list[str]:
    return [sys.executable, "-m", "onething", *args]
