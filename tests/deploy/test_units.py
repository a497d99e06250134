"""The systemd units under deploy/systemd: verified by systemd itself, hardened, and
running commands that exist."""

from __future__ import annotations

import configparser
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .tools import DEPLOY, tool

UNITS = DEPLOY / "systemd"
SERVICES = ["onething-web.service", "onething-worker.service", "onething-sweeper.service",
            "onething-housekeeping.service", "onething-deadlines.service",
            "onething-procedures.service"]
TIMERS = ["onething-sweeper.timer", "onething-housekeeping.timer", "onething-deadlines.timer",
          "onething-procedures.timer"]
INSTALLED = "/opt/onething/venv/bin/onething"


def parse(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(UNITS / name)
    return parser


def copies(tmp_path: Path, mutate=lambda text: text) -> list[str]:
    """The units with ExecStart pointing at this checkout's onething (systemd-analyze
    checks that the program exists and is executable)."""
    here = str(Path(sys.executable).parent / "onething")
    paths = []
    for name in SERVICES + TIMERS:
        text = mutate((UNITS / name).read_text().replace(INSTALLED, here))
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    return paths


def verify(paths: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("systemd-analyze"), "verify", "--man=no", *paths],
                          capture_output=True, text=True, timeout=120)


def test_exactly_these_units_ship():
    assert sorted(p.name for p in UNITS.iterdir()) == sorted(SERVICES + TIMERS)


def test_systemd_analyze_verify_accepts_every_unit(tmp_path):
    result = verify(copies(tmp_path))
    # Unknown keys and bad values are only logged (exit 0): nothing may be logged.
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize(("mistake", "message"), [
    (("NoNewPrivileges=yes", "NoNewPrivilege=yes"), "Unknown key 'NoNewPrivilege'"),
    (("OnCalendar=*-*-* 03:30:00", "OnCalendar=*-*-* 27:30:00"),
     "Failed to parse calendar specification"),
])
def test_verify_would_catch_a_mistake(tmp_path, mistake, message):
    # The same check on a copy with one typo: it reports it, so the test above can fail.
    result = verify(copies(tmp_path, lambda text: text.replace(*mistake)))
    assert message in result.stderr


@pytest.mark.parametrize("name", SERVICES)
def test_services_run_as_the_service_user_with_hardening(name):
    service = parse(name)["Service"]
    assert service["User"] == service["Group"] == "onething"
    assert service["EnvironmentFile"] == "/etc/onething/onething.env"
    assert service["WorkingDirectory"] == service["ReadWritePaths"] == "/srv/onething"
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict",
                       "PrivateTmp": "yes", "ProtectHome": "yes", "UMask": "0077",
                       "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes"}.items():
        assert service[key] == value, key


@pytest.mark.parametrize("name", ["onething-web.service", "onething-worker.service"])
def test_long_running_services_are_restarted_and_exposed_little(tmp_path, name):
    service = parse(name)["Service"]
    assert (service["Restart"], service["RestartSec"]) == ("always", "5")
    copies(tmp_path)
    result = subprocess.run([tool("systemd-analyze"), "security", "--offline=true",
                             "--threshold=25", str(tmp_path / name)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    level = float(re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)[1])
    assert level <= 2.5


def test_each_service_runs_the_intended_command():
    commands = {name: parse(name)["Service"]["ExecStart"] for name in SERVICES}
    assert commands == {
        "onething-web.service":
            f"{INSTALLED} serve --no-worker --host 0.0.0.0 --port 8000",
        "onething-worker.service": f"{INSTALLED} worker --no-reload",
        "onething-sweeper.service": f"{INSTALLED} deliveries retry",
        "onething-housekeeping.service": f"{INSTALLED} housekeeping",
        "onething-deadlines.service": f"{INSTALLED} deadlines deem-accepted",
        "onething-procedures.service": f"{INSTALLED} procedures run",
    }


@pytest.mark.parametrize("args", [["serve", "--no-worker"], ["worker", "--no-reload"],
                                  ["deliveries", "retry"], ["housekeeping"],
                                  ["deadlines", "deem-accepted"], ["procedures", "run"]])
def test_the_commands_exist(args, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "ONETHING_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "onething", *args, "--help"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ")


@pytest.mark.parametrize(("timer", "spec", "first_gap"), [
    ("onething-sweeper.timer", "*-*-* *:*:00", "1min"),
    ("onething-housekeeping.timer", "*-*-* 03:30:00", "1 day"),
    ("onething-deadlines.timer", "*-*-* *:05:00", "1h"),
    ("onething-procedures.timer", "*-*-* 00:20:00", "1 day"),
])
def test_timers_start_their_service_on_schedule(timer, spec, first_gap):
    section = parse(timer)["Timer"]
    assert section["OnCalendar"] == spec
    assert section["Unit"] == timer.replace(".timer", ".service")
    assert parse(timer)["Install"]["WantedBy"] == "timers.target"
    result = subprocess.run([tool("systemd-analyze"), "calendar", "--iterations=2", spec],
                            capture_output=True, text=True, timeout=60, env={"TZ": "UTC"})
    assert result.returncode == 0, result.stderr
    elapses = re.findall(r"(?:Next elapse|Iter\. #2): \w{3} (\S+ \S+) UTC", result.stdout)
    first, second = (dt.datetime.fromisoformat(e) for e in elapses)
    assert second - first == {"1min": dt.timedelta(minutes=1), "1h": dt.timedelta(hours=1),
                              "1 day": dt.timedelta(days=1)}[first_gap]
