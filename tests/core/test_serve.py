"""``onething serve``: gunicorn and the task worker start, serve, and stop together."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import REPO, onething

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").exists(),
                                reason="reads the process tree from /proc")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> dict[int, str]:
    """Every process below pid, with its command line."""
    found: dict[int, str] = {}
    pending = [pid]
    while pending:
        parent = pending.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            try:
                found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")\
                    .decode()
            except OSError:
                continue
            pending.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status  # a zombie has exited


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_runs_gunicorn_and_the_worker_and_stops_both_on_sigterm(clean_env):
    subprocess.run(onething("setup"), cwd=REPO, env=clean_env, check=True,
                   capture_output=True, timeout=60)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(onething("serve", "--port", str(port), "--workers", "2"),
                              cwd=REPO, env=clean_env, start_new_session=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tree: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 20
        while True:
            assert server.poll() is None, server.communicate()
            try:
                status, body = get(f"{base}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer /healthz"
                time.sleep(0.1)
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        # Ready once the worker's first heartbeat is in (it starts beside gunicorn).
        while (ready := get(f"{base}/readyz"))[0] != 200:
            assert time.monotonic() < deadline + 10, ready
            time.sleep(0.2)
        assert get(f"{base}/")[0] == 200
        status, css = get(f"{base}/static/onething/site.css")
        assert status == 200
        assert css == (REPO / "onething/portal/static/onething/site.css").read_bytes()

        tree = descendants(server.pid)
        commands = list(tree.values())
        assert sum("gunicorn" in c for c in commands) == 3  # the arbiter and two workers
        assert sum("onething tasks worker" in c for c in commands) == 1

        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=15)
        assert server.returncode == 0, err
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in tree) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [c for pid, c in tree.items() if alive(pid)] == []
        assert b'"GET /healthz HTTP/1.1" 200' in out  # access lines on stdout
    finally:
        for pid in [server.pid, *tree]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if server.poll() is None:
            server.wait()
