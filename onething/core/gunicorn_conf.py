"""Gunicorn settings for onething.

``onething serve`` uses them; an app node can also run gunicorn itself::

    gunicorn -c python:onething.core.gunicorn_conf --bind 0.0.0.0:8000 --workers 4 \\
        onething.wsgi:application

Gunicorn reads ``FORWARDED_ALLOW_IPS`` (addresses of the reverse proxy) from the
environment; see docs/operations.md.
"""

import glob
import os
import shutil
import tempfile

wsgi_app = "onething.wsgi:application"

# One access line per request on stdout; gunicorn's own messages on stderr.
accesslog = "-"
errorlog = "-"
# %(t)s: UTC ISO 8601; %(h)s: the client, from X-Forwarded-For only when the peer is one of
# ONETHING_TRUSTED_PROXIES (onething/core/logfilters.py); the last field is the request id
# (X-Request-ID, also on the application's log lines). ONETHING_LOG_FORMAT=json: JSON lines.
access_log_format = '%(t)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" %({x-request-id}o)s'
# The same masking of ID and mobile numbers as Django's own log (onething/core/logfilters.py).
logger_class = "onething.core.gunicorn_logger.GunicornLogger"

# A request may take a minute (a 20 MB upload from a slow link without a buffering
# proxy); shutting down waits this long for requests in flight.
timeout = 60
graceful_timeout = 10
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 1000
max_requests_jitter = 100
# The heartbeat file on a RAM disk: a container's overlay filesystem can stall it.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# No control socket: its default path is per user, so two instances would collide.
control_socket_disable = True
proc_name = "onething"


# Prometheus metrics of all worker processes (onething/core/metrics.py): each worker writes
# its counts to files in PROMETHEUS_MULTIPROC_DIR and a scrape adds them up. The master
# sets the directory before it forks the workers: a fresh one of its own, removed at exit,
# unless the operator gave one (emptied here: old files would count twice).
_own_metrics_dir = None


def on_starting(server) -> None:
    global _own_metrics_dir
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        os.makedirs(given, exist_ok=True)
        for path in glob.glob(os.path.join(given, "*.db")):
            os.unlink(path)
        return
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    _own_metrics_dir = tempfile.mkdtemp(prefix="onething-metrics-", dir=base)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _own_metrics_dir


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _own_metrics_dir:
        shutil.rmtree(_own_metrics_dir, ignore_errors=True)
