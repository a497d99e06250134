"""Gunicorn settings for onething.

``onething serve`` uses them; an app node can also run gunicorn itself::

    gunicorn -c python:onething.core.gunicorn_conf --bind 0.0.0.0:8000 --workers 4 \\
        onething.wsgi:application

Gunicorn reads ``FORWARDED_ALLOW_IPS`` (addresses of the reverse proxy) from the
environment; see docs/operations.md.
"""

import os

wsgi_app = "onething.wsgi:application"

# One access line per request on stdout; gunicorn's own messages on stderr.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
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
