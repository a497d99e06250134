"""The load balancer (deploy/haproxy, deploy/nginx): valid for Debian's haproxy and nginx,
and HAProxy really keeps a node that answers /readyz with 503 out of rotation."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .tools import DEPLOY, tool

HAPROXY_CFG = DEPLOY / "haproxy" / "haproxy.cfg"
NGINX_SITE = DEPLOY / "nginx" / "onething.conf"
HOST = "zwfw.example.gov.cn"


def test_haproxy_accepts_the_shipped_configuration():
    result = subprocess.run([tool("haproxy"), "-c", "-f", str(HAPROXY_CFG)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration file is valid" in result.stdout + result.stderr


def test_nginx_accepts_the_shipped_site(tmp_path):
    crt, key = tmp_path / "site.crt", tmp_path / "site.key"
    subprocess.run([tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", str(key), "-out", str(crt), "-days", "1", "-subj", f"/CN={HOST}"],
                   check=True, capture_output=True, timeout=60)
    site = NGINX_SITE.read_text()
    assert f"/etc/ssl/onething/{HOST}.crt" in site
    site = (site.replace(f"/etc/ssl/onething/{HOST}.crt", str(crt))
            .replace(f"/etc/ssl/onething/{HOST}.key", str(key)))
    (tmp_path / "site.conf").write_text(site)
    # Debian's /etc/nginx/nginx.conf includes sites-enabled/* inside http {}; the same here.
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n")
    result = subprocess.run([tool("nginx"), "-t", "-c", str(tmp_path / "nginx.conf"),
                             "-e", str(tmp_path / "error.log")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_passes_the_client_address_and_forwards_to_haproxy():
    site = NGINX_SITE.read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "server 127.0.0.1:8081;" in site
    assert "bind 127.0.0.1:8081" in HAPROXY_CFG.read_text()


# -- HAProxy with the shipped health check, two stand-in nodes -------------------------

class Node(ThreadingHTTPServer):
    """Answers like an app node: / always 200 with its name, /readyz 200 or 503."""

    daemon_threads = True

    def __init__(self, name: str, ready: bool):
        self.name, self.ready, self.probes, self.clients = name, ready, [], []
        super().__init__(("127.0.0.1", 0), NodeHandler)


class NodeHandler(BaseHTTPRequestHandler):
    """Takes a PROXY protocol v1 line first, as gunicorn --proxy-protocol=auto does."""

    server: Node

    def setup(self):
        super().setup()
        self.proxied_client = None
        if self.rfile.peek(6)[:6] == b"PROXY ":
            # PROXY TCP4 <client> <proxy> <client port> <proxy port>
            self.proxied_client = self.rfile.readline().split()[2].decode()

    def do_GET(self):
        if self.path == "/readyz":
            self.server.probes.append((self.headers.get("Host"), self.proxied_client))
            status = 200 if self.server.ready else 503
        else:
            self.server.clients.append(self.proxied_client)
            status = 200
        body = self.server.name.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except ConnectionResetError:
            pass  # HAProxy closes a probe's connection as soon as it has the status


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def balancer(tmp_path):
    """The shipped haproxy.cfg with the nodes' and the listener's addresses replaced."""
    nodes = [Node("node-a", ready=True), Node("node-b", ready=False)]
    for node in nodes:
        threading.Thread(target=node.serve_forever, daemon=True).start()
    port = free_port()
    config = HAPROXY_CFG.read_text()
    for old, new in [("10.0.0.11:8000", f"127.0.0.1:{nodes[0].server_port}"),
                     ("10.0.0.12:8000", f"127.0.0.1:{nodes[1].server_port}"),
                     ("bind 127.0.0.1:8081", f"bind 127.0.0.1:{port}"),
                     ("bind 127.0.0.1:8404", f"bind 127.0.0.1:{free_port()}"),
                     # Run in the foreground as the test's user, without syslog.
                     ("    user haproxy\n", ""), ("    group haproxy\n", ""),
                     ("    daemon\n", ""), ("    log /dev/log local0\n", "")]:
        assert old in config
        config = config.replace(old, new)
    path = tmp_path / "haproxy.cfg"
    path.write_text(config)
    process = subprocess.Popen([tool("haproxy"), "-db", "-f", str(path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield nodes, f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)
        for node in nodes:
            node.shutdown()
            node.server_close()


def get(url: str, client: str = "203.0.113.7") -> tuple[int, str]:
    # X-Forwarded-For as nginx sets it: the client's address only.
    request = urllib.request.Request(url, headers={"Host": HOST, "X-Forwarded-For": client})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, ConnectionError):
        return 0, ""  # haproxy still starting


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def served_by(url: str, requests: int = 20) -> Counter[str]:
    return Counter(get(url)[1] for _ in range(requests))


def test_a_node_that_is_not_ready_gets_no_traffic(balancer):
    (node_a, node_b), url = balancer
    # node-b answers / with 200 (like a node with pending migrations) but /readyz with 503:
    # after two failed probes (2 s apart) it is out.
    assert wait_until(lambda: len(node_b.probes) >= 2 and get(url)[0] == 200, 15)
    assert wait_until(lambda: served_by(url) == Counter({"node-a": 20}), 10)
    time.sleep(2.5)  # more probes: it stays out
    assert served_by(url, 40) == Counter({"node-a": 40})
    # The probes ask /readyz with a Host Django accepts (ONETHING_ALLOWED_HOSTS), their
    # PROXY line naming the balancer; requests arrive with the client's address in it.
    assert set(node_a.probes) == set(node_b.probes) == {(HOST, "127.0.0.1")}
    assert set(node_a.clients) == {"203.0.113.7"}
    assert node_b.clients == []
    get(url, client="198.51.100.20")
    assert node_a.clients[-1] == "198.51.100.20"

    # Ready again: back in after three good probes, and both nodes share the requests.
    node_b.ready = True
    assert wait_until(lambda: served_by(url)["node-b"] > 0, 15)
    assert served_by(url, 40) == Counter({"node-a": 20, "node-b": 20})

    # No node ready: the balancer answers 503 itself rather than send to an unready node.
    node_a.ready = node_b.ready = False
    assert wait_until(lambda: get(url)[0] == 503, 15)
    assert served_by(url, 5) == Counter({"": 5})


def test_a_real_node_sees_the_client_address_through_haproxy(tmp_path):
    """onething serve with env.example's GUNICORN_CMD_ARGS behind the shipped HAProxy: the
    access log (REMOTE_ADDR) shows the client, not the balancer; plain HTTP still works."""
    import os
    import sys

    from .tools import env_example

    gunicorn_args = env_example()["GUNICORN_CMD_ARGS"]
    assert gunicorn_args == "--proxy-protocol=auto --proxy-allow-from=10.0.0.10"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ONETHING_", "DJANGO_")) and k != "DATABASE_URL"}
    # No task worker runs beside this node: its heartbeat check is off (0), or HAProxy
    # would rightly keep the node out; the client address is what is tested here.
    env.update({"ONETHING_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1",
                "ONETHING_ALLOWED_HOSTS": HOST, "ONETHING_READY_WORKER_STALE_SECONDS": "0",
                "GUNICORN_CMD_ARGS": gunicorn_args.replace("10.0.0.10", "127.0.0.1")})
    onething = [sys.executable, "-m", "onething"]
    subprocess.run([*onething, "migrate", "--verbosity", "0"], env=env, check=True,
                   timeout=300)
    node_port, lb_port = free_port(), free_port()
    config = HAPROXY_CFG.read_text()
    for old, new in [("    server node1 10.0.0.11:8000 check\n",
                      f"    server node1 127.0.0.1:{node_port} check\n"),
                     ("    server node2 10.0.0.12:8000 check\n", ""),
                     ("bind 127.0.0.1:8081", f"bind 127.0.0.1:{lb_port}"),
                     ("bind 127.0.0.1:8404", f"bind 127.0.0.1:{free_port()}"),
                     ("    user haproxy\n", ""), ("    group haproxy\n", ""),
                     ("    daemon\n", ""), ("    log /dev/log local0\n", "")]:
        assert old in config
        config = config.replace(old, new)
    (tmp_path / "haproxy.cfg").write_text(config)
    log = (tmp_path / "node.log").open("w")
    node = subprocess.Popen([*onething, "serve", "--no-worker", "--port", str(node_port),
                             "--workers", "1"], env=env, stdout=log, stderr=subprocess.STDOUT)
    balancer = subprocess.Popen([tool("haproxy"), "-db", "-f", str(tmp_path / "haproxy.cfg")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: get(f"http://127.0.0.1:{lb_port}/healthz")[0] == 200, 60)
        assert get(f"http://127.0.0.1:{lb_port}/healthz?via=balancer")[0] == 200
        assert get(f"http://127.0.0.1:{node_port}/healthz?via=direct")[0] == 200
    finally:
        for process in (balancer, node):
            process.terminate()
            process.wait(timeout=60)
        log.close()
    lines = (tmp_path / "node.log").read_text().splitlines()
    [through_balancer] = [line for line in lines if "via=balancer" in line]
    [direct] = [line for line in lines if "via=direct" in line]
    assert "203.0.113.7" in through_balancer and "127.0.0.1" not in through_balancer
    assert "127.0.0.1" in direct and "203.0.113.7" not in direct
