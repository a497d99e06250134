"""``onething serve``: gunicorn and the task worker start, serve, and stop together."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import REPO, onething
from .nodes import alive, descendants, free_port, get

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").exists(),
                                reason="reads the process tree from /proc")


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
        # Each worker warms up (URLs, search index) before it answers: allow for a busy machine.
        deadline = time.monotonic() + 60
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
        assert sum("onething worker" in c for c in commands) == 1

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


def test_serve_restarts_a_dead_worker_with_growing_pauses_and_keeps_serving(clean_env, tmp_path):
    subprocess.run(onething("setup"), cwd=REPO, env=clean_env, check=True,
                   capture_output=True, timeout=60)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    err = tmp_path / "serve.err"
    with err.open("wb") as err_file:
        server = subprocess.Popen(onething("serve", "--port", str(port), "--workers", "1"),
                                  cwd=REPO, env=clean_env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=err_file)
    tree: dict[int, str] = {}

    def worker_pids() -> list[int]:
        return [pid for pid, c in descendants(server.pid).items()
                if "onething worker" in c and alive(pid)]

    def wait_for(predicate, what: str, seconds: float = 30):
        deadline = time.monotonic() + seconds
        while not (found := predicate()):
            assert server.poll() is None, err.read_text()
            assert time.monotonic() < deadline, what
            time.sleep(0.05)
        return found

    try:
        wait_for(lambda: _answers(f"{base}/healthz"), "gunicorn did not answer /healthz")
        killed = []
        for pause in (1, 2):
            (pid,) = wait_for(worker_pids, "no task worker running")
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            line = f"worker exited with code -9; restarting in {pause} s"
            wait_for(lambda line=line: line in err.read_text(), f"no notice: {line}")
            # Meanwhile the site answers.
            assert get(f"{base}/healthz")[0] == 200
            (new,) = wait_for(worker_pids, "the worker was not restarted", 10)
            assert new not in killed
        tree = descendants(server.pid)
        assert sum("gunicorn" in c for c in tree.values()) == 2  # the arbiter and one worker
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)  # a graceful stop; slow on a loaded machine
        assert server.returncode == 0, err.read_text()
    finally:
        for pid in [server.pid, *tree]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if server.poll() is None:
            server.wait()


def _answers(url: str) -> bool:
    try:
        return get(url)[0] == 200
    except OSError:
        return False
