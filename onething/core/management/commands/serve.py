"""``onething serve``: the gunicorn web server and the background task worker.

``onething serve [--host H] [--port P] [--workers N] [--no-worker]`` starts two
child processes and watches them:

- ``gunicorn`` with N worker processes (default ``min(4, 2 × CPUs + 1)``), settings
  in ``onething/core/gunicorn_conf.py``, access lines on stdout;
- the task worker (``onething worker``, which rides out database outages and records
  a heartbeat for ``/readyz``), unless ``--no-worker``; every minute also
  ``onething deliveries retry``, which sends again what a lost worker left behind.

Ctrl-C, SIGTERM or SIGHUP stops both gracefully (a second signal stops them at once).
A task worker that exits on its own is started again after a pause (1 s, doubling
up to a minute; back to 1 s after it has run for a minute), while the web server
keeps serving. If gunicorn itself exits, the worker is stopped too and ``serve``
exits non-zero, so a process manager (systemd, a container runtime) restarts the unit.

Each child runs in its own process group, so a terminal's Ctrl-C reaches only this
process and each child gets exactly one stop signal (a second one would cut a
running background task short).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

STOP_TIMEOUT = 30  # seconds to wait for graceful shutdown before SIGKILL
# What each child takes as "stop gracefully" and "stop now".
GRACEFUL = {"web": signal.SIGTERM, "worker": signal.SIGTERM}
AT_ONCE = {"web": signal.SIGQUIT, "worker": signal.SIGINT}


# How often `serve` re-queues deliveries a killed worker left behind.
SWEEP_EVERY_SECONDS = 60
# Pauses before starting a task worker that exited: first, longest, and how long it
# must have run for the next pause to start from the first again.
RESTART_FIRST = 1.0
RESTART_MAX = 60.0
RESTART_STABLE_AFTER = 60.0


def default_workers() -> int:
    return min(4, 2 * (os.cpu_count() or 1) + 1)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _die_with_parent() -> None:
    """Runs in the child before exec: own process group, and on Linux a SIGTERM
    when ``serve`` itself dies without cleaning up (SIGKILL)."""
    os.setpgid(0, 0)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Command(BaseCommand):
    help = "启动网站（gunicorn）与后台任务进程 (serve the site with gunicorn and the task worker)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=_positive, default=None,
                            help="web worker processes (default min(4, 2*CPUs+1))")
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the background task worker")

    def handle(self, *args: object, **options: object) -> None:
        host, port = str(options["host"]), int(options["port"])
        workers = options.get("workers") or default_workers()
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        commands = {
            "web": [sys.executable, "-m", "gunicorn",
                    "--config", "python:onething.core.gunicorn_conf",
                    "--bind", bind, "--workers", str(workers),
                    "onething.wsgi:application"],
        }
        if not options.get("no_worker"):
            # --no-reload: the autoreloader's extra parent would not pass signals on.
            # The worker records a heartbeat for /readyz (onething/core/heartbeat.py).
            commands["worker"] = [sys.executable, "-m", "onething", "worker", "--no-reload"]
        self._warn_if_static_missing()

        children: dict[str, subprocess.Popen[bytes]] = {}
        signals_received: list[int] = []

        def on_signal(signum: int, frame: object) -> None:
            signals_received.append(signum)
            table = GRACEFUL if len(signals_received) == 1 else AT_ONCE
            for name, child in children.items():
                if child.poll() is None:
                    child.send_signal(table[name])

        stop_signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # HUP: terminal closed
        previous = {s: signal.signal(s, on_signal) for s in stop_signals}
        try:
            for name, command in commands.items():
                children[name] = subprocess.Popen(command, preexec_fn=_die_with_parent)
            self.stdout.write(f"onething 已启动：http://{bind}/ （{workers} 个网站进程"
                              f"{'' if options.get('no_worker') else '，1 个后台任务进程'}；"
                              "Ctrl-C 停止 / to stop)")
            self.stdout.flush()
            sweep = None if options.get("no_worker") else [
                sys.executable, "-m", "onething", "deliveries", "retry"]
            failed = self._watch(children, signals_received, sweep, commands)
        finally:
            self._stop(children, signals_received)
            for s, handler in previous.items():
                signal.signal(s, handler)
        if failed:
            raise CommandError(failed)
        self.stdout.write("onething 已停止 (stopped)")

    def _watch(self, children: dict[str, subprocess.Popen[bytes]],
               signals_received: list[int], sweep: list[str] | None = None,
               commands: dict[str, list[str]] | None = None) -> str | None:
        """Waits until a stop signal arrives or the web server exits; says why if unexpected.

        A task worker that exits is started again after a growing pause. With a
        task worker, every minute it also runs ``deliveries retry``, which
        re-queues notifications whose worker was lost.
        """
        next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
        sweeper: subprocess.Popen[bytes] | None = None
        started = dict.fromkeys(children, time.monotonic())
        pause = RESTART_FIRST
        restart_at: float | None = None
        while not signals_received:
            now = time.monotonic()
            for name, child in children.items():
                code = child.poll()
                if code is None:
                    continue
                if name != "worker" or commands is None:
                    return f"{name} 进程意外退出 (exited unexpectedly), code {code}"
                if restart_at is None:
                    if now - started[name] >= RESTART_STABLE_AFTER:
                        pause = RESTART_FIRST
                    self.stderr.write(f"后台任务进程退出，code {code}，{pause:g} 秒后重启 "
                                      f"(worker exited with code {code}; restarting in "
                                      f"{pause:g} s)")
                    self.stderr.flush()
                    restart_at = now + pause
            if restart_at is not None and now >= restart_at and commands is not None:
                children["worker"] = subprocess.Popen(commands["worker"],
                                                      preexec_fn=_die_with_parent)
                started["worker"] = time.monotonic()
                restart_at = None
                pause = min(pause * 2, RESTART_MAX)
            if sweep and now >= next_sweep and (
                    sweeper is None or sweeper.poll() is not None):
                sweeper = subprocess.Popen(sweep, stdout=subprocess.DEVNULL,
                                           preexec_fn=_die_with_parent)
                next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
            time.sleep(0.2)
        return None

    def _stop(self, children: dict[str, subprocess.Popen[bytes]],
              signals_received: list[int]) -> None:
        if not signals_received:  # a child failed: stop the rest
            for name, child in children.items():
                if child.poll() is None:
                    child.send_signal(GRACEFUL[name])
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def _warn_if_static_missing(self) -> None:
        root = settings.STATIC_ROOT
        if not settings.WHITENOISE_USE_FINDERS and not any(root.glob("*")):
            self.stderr.write(f"静态文件尚未收集 (no static files in {root}): "
                              "先运行 / run `onething setup`")
