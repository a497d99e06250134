"""Real onething processes for end-to-end tests: web nodes (``onething serve
--no-worker``), task workers (``onething worker``), and plain HTTP to them.

Every process writes its output to a log file (a pipe nobody reads would fill and
block a busy node); a failed wait shows the end of that log.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .conftest import REPO, onething

T = TypeVar("T")


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


def wait_for(check: Callable[[], T], seconds: float, what: str) -> T:
    """``check()``'s first true result, polled every 0.2 s; fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def request(method: str, url: str, *, token: str = "", json_body: Any = None,
            body: bytes | None = None, headers: dict[str, str] | None = None,
            timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request; (status, headers, body) also for 4xx/5xx answers. Connection
    errors (refused, reset) are raised as ``OSError``."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    prepared = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def upload(base: str, token: str, content: bytes, name: str = "f.pdf") -> tuple[int, dict]:
    """``POST /api/v1/uploads`` with one file as multipart/form-data; (status, JSON body)."""
    boundary = "onething-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n").encode() + \
        content + f"\r\n--{boundary}--\r\n".encode()
    status, _, answer = request(
        "POST", f"{base}/api/v1/uploads", token=token, body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    return status, json.loads(answer or b"{}")


def readyz(base: str) -> tuple[int, dict]:
    status, _, body = request("GET", f"{base}/readyz", timeout=10)
    return status, json.loads(body)


@dataclass
class Process:
    """A started onething command and where its output goes."""

    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def output(self, tail: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-tail:]


@dataclass
class WebNode(Process):
    url: str

    def ready(self) -> bool:
        assert self.running(), f"the web node exited:\n{self.output()}"
        try:
            return readyz(self.url)[0] == 200
        except OSError:
            return False


def _log_file(log: Path | None, name: str) -> Path:
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        return log
    fd, path = tempfile.mkstemp(prefix=f"onething-{name}-", suffix=".log")
    os.close(fd)
    return Path(path)


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(onething(*args), cwd=REPO, env=env, start_new_session=True,
                                stdout=out, stderr=subprocess.STDOUT)


def _kill_tree(process: subprocess.Popen, tree: dict[int, str]) -> None:
    for pid in [process.pid, *tree]:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)  # a stopped process is killed all the same,
                os.kill(pid, signal.SIGKILL)  # but SIGCONT first never hurts
    if process.poll() is None:
        process.wait()


@contextlib.contextmanager
def web_node(env: dict[str, str], *, workers: int = 1, deployment_checks: bool = False,
             log: Path | None = None) -> Iterator[WebNode]:
    """``onething serve --no-worker`` with ``workers`` gunicorn workers, once it answers
    ``/healthz``; killed (with its gunicorn processes) afterwards.

    Without ``deployment_checks`` no task worker is expected: the readiness checks of the
    deployment's worker and queue are off (0), so ``/readyz`` is about the node itself.
    With them, the environment's own settings apply (a worker must be running)."""
    if not deployment_checks:
        env = {"ONETHING_READY_WORKER_STALE_SECONDS": "0",
               "ONETHING_READY_QUEUE_AGE_SECONDS": "0", **env}
    port = free_port()
    log = _log_file(log, "web")
    server = _start(["serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port),
                     "--workers", str(workers)], env, log)
    node = WebNode(server, log, f"http://127.0.0.1:{port}")
    tree: dict[int, str] = {}
    try:
        def answers() -> bool:
            assert node.running(), f"the web node exited:\n{node.output()}"
            try:
                return get(f"{node.url}/healthz")[0] == 200  # the process itself is fine
            except OSError:
                return False
        wait_for(answers, 60, "gunicorn did not answer /healthz")
        tree = descendants(server.pid)
        yield node
    finally:
        _kill_tree(server, {**tree, **descendants(server.pid)})


@contextlib.contextmanager
def task_worker(env: dict[str, str], *, log: Path | None = None) -> Iterator[Process]:
    """``onething worker --no-reload``, as the worker unit runs it; SIGTERM afterwards
    (SIGKILL if it does not stop within 30 s)."""
    log = _log_file(log, "worker")
    worker = Process(_start(["worker", "--no-reload"], env, log), log)
    try:
        yield worker
    finally:
        if worker.running():
            os.kill(worker.pid, signal.SIGCONT)
            worker.process.send_signal(signal.SIGTERM)
            try:
                worker.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
