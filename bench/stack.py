"""Shared plumbing for the benchmarks: a fresh onething (database, catalogue,
demo accounts), gunicorn on loopback, a token, an upload, the newborn payload.

Everything here talks to 127.0.0.1 only and is bounded in time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.pgcluster import cluster, free_port, server_version

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "var" / "bench"
PYTHON = sys.executable
BUNDLE = "newborn"
APPLICANT = "demo-applicant"
# A minimal file that passes the upload check (PDF signature by content).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def emit(result: dict) -> None:
    """Print the one JSON line and keep a copy under var/bench/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    line = json.dumps(result, ensure_ascii=False, sort_keys=True)
    (RESULTS / f"{result['benchmark']}.json").write_text(line + "\n")
    print(line, flush=True)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def spread(values: list[float]) -> dict:
    """Median, min, max of several runs."""
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3), "n": len(values)}


def machine() -> dict:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {"python": platform.python_version()}
    for name in ("django", "psycopg", "gunicorn", "SpiffWorkflow"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[name] = version(name)
    with contextlib.suppress(Exception):
        versions["postgresql"] = server_version()
    import sqlite3

    versions["sqlite"] = sqlite3.sqlite_version
    return {"nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "versions": versions}


def pin(cpus: set[int]) -> None:
    """Pin this process (like ``taskset``); ignored where not allowed."""
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setaffinity(0, cpus)


def loadgen_cpus() -> set[int]:
    """The load generator's CPU: the last one, away from where the server starts."""
    n = os.cpu_count() or 1
    return {n - 1} if n > 1 else {0}


# -- a fresh onething ---------------------------------------------------------------


@dataclass
class Site:
    db: str
    env: dict[str, str]
    data_dir: Path
    database_url: str = ""
    port: int = 0
    token: str = ""
    upload_id: int = 0
    plan: dict = field(default_factory=dict)
    form_data: dict = field(default_factory=dict)

    def manage(self, *args: str, capture: bool = False) -> str:
        proc = subprocess.run([PYTHON, "-m", "onething", *args], env=self.env, cwd=REPO,
                              check=True, text=True, timeout=300,
                              stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
        return proc.stdout if capture else ""

    def body(self, key: str) -> bytes:
        return json.dumps({
            "bundle": BUNDLE, "answers": self.plan["answers"], "form_data": self.form_data,
            "materials": {m["key"]: self.upload_id for m in self.plan["materials"]},
            "idempotency_key": key,
        }, ensure_ascii=False).encode()

    @property
    def cases_per_application(self) -> int:
        return len(self.plan["matters"])


@contextlib.contextmanager
def site(db: str = "postgres", *, conn_max_age: int = 60) -> Iterator[Site]:
    """A migrated database with the catalogue and demo accounts (PostgreSQL in a
    scratch cluster, or SQLite in a temporary data folder)."""
    data_dir = Path(tempfile.mkdtemp(prefix="onething-bench-data."))
    env = {**os.environ, "ONETHING_DATA_DIR": str(data_dir), "ONETHING_DEBUG": "0",
           "ONETHING_LOG_LEVEL": "WARNING", "ONETHING_DB_CONN_MAX_AGE": str(conn_max_age),
           "PYTHONPATH": str(REPO)}
    env.pop("DATABASE_URL", None)
    try:
        with (cluster() if db == "postgres" else contextlib.nullcontext("")) as url:
            if url:
                env["DATABASE_URL"] = url
            s = Site(db=db, env=env, data_dir=data_dir, database_url=url)
            started = time.monotonic()
            s.manage("setup", "--demo")
            s.plan, s.form_data = newborn_plan(env)
            log(f"[stack] {db} set up in {time.monotonic() - started:.1f} s")
            yield s
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


_PLAN_SCRIPT = """
import json, django
django.setup()
from onething.catalog import selectors
from onething.domain.planner import plan_to_dict
plan = selectors.plan_bundle(%r, {})
print(json.dumps({"plan": plan_to_dict(plan),
                  "types": {f.key: [f.type, list(f.choices)] for f in plan.fields}}))
"""


def newborn_plan(env: dict[str, str]) -> tuple[dict, dict]:
    """The plan (as the API shows it) and complete form data for it."""
    out = subprocess.run([PYTHON, "-c", _PLAN_SCRIPT % BUNDLE],
                         env={**env, "DJANGO_SETTINGS_MODULE": "onething.settings"},
                         cwd=REPO, check=True, capture_output=True, text=True, timeout=120)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    return got["plan"], fill_form(got["types"])


def fill_form(types: dict[str, list]) -> dict[str, str]:
    from onething.domain.validators import id_check_character

    def id_number(first17: str) -> str:
        return first17 + id_check_character(first17)

    values: dict[str, str] = {}
    ids = iter([id_number("37140219920305002"), id_number("37140219900101101"),
                id_number("37140219880808201")])
    for key, (kind, choices) in types.items():
        if kind == "choice":
            values[key] = choices[0]
        elif kind == "date":
            values[key] = (dt.date.today() - dt.timedelta(days=10)).isoformat()
        elif kind == "id_number":
            values[key] = next(ids, id_number("37140219950505303"))
        elif kind == "uscc":
            from onething.domain.validators import uscc_check_character

            values[key] = "91371402MA0000001" + uscc_check_character("91371402MA0000001")
        elif kind == "mobile":
            values[key] = "13800000001"
        elif kind == "number":
            values[key] = "1"
        else:
            values[key] = f"测试{key}"
    return values


# -- gunicorn ------------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(s: Site, workers: int = 4) -> Iterator[int]:
    """gunicorn (sync workers) on 127.0.0.1:PORT with the site's environment."""
    port = free_port()
    proc = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "onething.wsgi:application", "-w", str(workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60"],
        env=s.env, cwd=REPO, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited at start")
            try:
                status, _ = request(port, "GET", "/api/v1/bundles")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        s.port = port
        log(f"[stack] gunicorn -w {workers} on 127.0.0.1:{port}")
        yield port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def prepare_applicant(s: Site) -> None:
    """A token for the demo applicant and one uploaded PDF used for every material."""
    s.token = s.manage("token", "issue", APPLICANT, "--label", "bench", capture=True).strip()
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"material.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
    body += PDF + f"\r\n--{boundary}--\r\n".encode()
    status, out = request(s.port, "POST", "/api/v1/uploads", body, {
        "Authorization": f"Bearer {s.token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    if status != 201:
        raise RuntimeError(f"upload failed: {status} {out[:300]!r}")
    s.upload_id = json.loads(out)["id"]


# -- counting rows afterwards ---------------------------------------------------------


def count_rows(s: Site, key_prefix: str) -> dict[str, int]:
    """Applications / cases / distinct keys whose idempotency key starts with the prefix."""
    sql_apps = ("SELECT count(*), count(DISTINCT idempotency_key) FROM applications_application "
                "WHERE idempotency_key LIKE {p}")
    sql_cases = ("SELECT count(*) FROM applications_case c JOIN applications_application a "
                 "ON a.id = c.application_id WHERE a.idempotency_key LIKE {p}")
    sql_events = ("SELECT count(*) FROM applications_event e JOIN applications_application a "
                  "ON a.id = e.application_id WHERE a.idempotency_key LIKE {p}")
    pattern = key_prefix + "%"
    if s.db == "postgres":
        import psycopg

        with psycopg.connect(s.database_url) as conn:
            apps, keys = conn.execute(sql_apps.format(p="%s"), (pattern,)).fetchone()
            cases = conn.execute(sql_cases.format(p="%s"), (pattern,)).fetchone()[0]
            events = conn.execute(sql_events.format(p="%s"), (pattern,)).fetchone()[0]
    else:
        import sqlite3

        conn = sqlite3.connect(s.data_dir / "onething.sqlite3", timeout=30)
        try:
            apps, keys = conn.execute(sql_apps.format(p="?"), (pattern,)).fetchone()
            cases = conn.execute(sql_cases.format(p="?"), (pattern,)).fetchone()[0]
            events = conn.execute(sql_events.format(p="?"), (pattern,)).fetchone()[0]
        finally:
            conn.close()
    return {"applications": apps, "distinct_keys": keys, "cases": cases, "events": events}
