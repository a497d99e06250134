"""deploy/env.example: every variable is documented, and with a deployment's own plug-ins
in place of the placeholders it passes `onething check --deploy` without a warning."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from .tools import REPO, env_example


def test_every_variable_is_in_the_readme_table():
    readme = (REPO / "README.md").read_text()
    undocumented = [name for name in env_example()
                    if name.startswith("ONETHING_") and f"`{name}`" not in readme]
    assert undocumented == []


def test_the_example_passes_check_deploy(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ONETHING_", "DJANGO_")) and k != "DATABASE_URL"}
    example = env_example()
    assert example["ONETHING_PRODUCTION"] == "1"
    env.update(example)
    # The placeholder key itself fails the check (security.W009):
    assert example["ONETHING_SECRET_KEY"] == "change-me-to-50-random-characters"
    env.update({
        # This machine's stand-ins for what the operator fills in.
        "ONETHING_SECRET_KEY": secrets.token_urlsafe(50),
        "ONETHING_DATA_DIR": str(tmp_path / "data"),
        "ONETHING_CATALOG_DIR": str(REPO / "catalog"),
        "ONETHING_SMS_BACKEND": "tests.deploy.backends.GatewaySmsBackend",
        "ONETHING_PAYMENT_BACKEND": "tests.deploy.backends.AcquirerPaymentBackend",
    })
    del env["DATABASE_URL"]  # SQLite in the temporary data directory
    result = subprocess.run([sys.executable, "-m", "onething", "check", "--deploy",
                             "--fail-level", "WARNING"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("System check identified no issues")


def test_pgbouncer_mode_turns_server_side_cursors_off(tmp_path):
    script = ("import django; django.setup(); from django.conf import settings; "
              "print(settings.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS'), "
              "settings.DATABASES['default']['CONN_MAX_AGE'])")
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("ONETHING_", "DJANGO_")) and k != "DATABASE_URL"}
    base.update({"DJANGO_SETTINGS_MODULE": "onething.settings",
                 "ONETHING_DATA_DIR": str(tmp_path),
                 "DATABASE_URL": "postgres://onething@127.0.0.1:6432/onething"})
    outputs = [subprocess.run([sys.executable, "-c", script], env={**base, **extra},
                              capture_output=True, text=True, timeout=60).stdout.split()
               for extra in ({}, {"ONETHING_DB_PGBOUNCER": "1", "ONETHING_DB_CONN_MAX_AGE": "0"},
                             {"ONETHING_DB_CONN_MAX_AGE": "60"})]
    assert outputs == [["False", "0"], ["True", "0"], ["False", "60"]]
