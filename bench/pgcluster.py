"""A throwaway PostgreSQL cluster for benchmarks: ``with cluster() as url: ...``.

initdb in a temporary directory (as the ``postgres`` OS user when running as
root, since PostgreSQL refuses root), a free loopback port, durability off
(it is a scratch cluster), stopped and removed at exit. Loopback only.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


def pg_bin() -> Path:
    """The newest PostgreSQL bin directory (Debian keeps one per major version)."""
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                  key=lambda d: [int(p) for p in Path(d).parent.name.split(".") if p.isdigit()])
    for d in reversed(dirs):
        if Path(d, "initdb").exists():
            return Path(d)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_pg(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def cluster(dbname: str = "onething_bench", *, max_connections: int = 100,
            settings: dict[str, str] | None = None) -> Iterator[str]:
    """Start a scratch cluster and yield ``postgres://postgres@127.0.0.1:PORT/dbname``."""
    bindir = pg_bin()
    tmp = Path(tempfile.mkdtemp(prefix="onething-bench-pg."))
    data = tmp / "data"
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    port = free_port()
    options = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(tmp),
        "max_connections": str(max_connections),
        # A scratch cluster: nothing here must survive a crash.
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "shared_buffers": "256MB",
        **(settings or {}),
    }
    opts = " ".join(f"-c {k}={v}" for k, v in options.items())
    started = False
    try:
        subprocess.run(_as_pg([str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                               "--auth=trust", "--encoding=UTF8", "--locale=C"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        proc = subprocess.run(_as_pg([str(bindir / "pg_ctl"), "-D", str(data), "-l",
                                      str(tmp / "server.log"), "-w", "-t", "60",
                                      "-o", f"-p {port} {opts}", "start"]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            log = (tmp / "server.log").read_text(errors="replace") if (
                tmp / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {proc.stderr.decode()}\n{log}")
        started = True
        subprocess.run([str(bindir / "psql"), "-q", "-h", "127.0.0.1", "-p", str(port),
                        "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                        "-c", f'CREATE DATABASE "{dbname}"'], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"[pgcluster] PostgreSQL on 127.0.0.1:{port} ({tmp})", file=sys.stderr)
        yield f"postgres://postgres@127.0.0.1:{port}/{dbname}"
    finally:
        if started:
            subprocess.run(_as_pg([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                   "-w", "stop"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


def server_version() -> str:
    out = subprocess.run([str(pg_bin() / "postgres"), "--version"], capture_output=True,
                         text=True)
    return out.stdout.strip()


if __name__ == "__main__":
    with cluster() as url:
        print(url)
