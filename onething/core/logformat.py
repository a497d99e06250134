"""Log line formats shared by Django's logging (settings.LOGGING) and gunicorn's
(onething/core/gunicorn_logger.py). No Django import: gunicorn's master uses it too.

* One time zone everywhere: UTC, ISO 8601 with milliseconds (``2026-12-02T01:30:00.123Z``),
  whatever ``TIME_ZONE`` (Django switches the process's local time to Asia/Shanghai).
* ``ONETHING_LOG_FORMAT=json``: one JSON object per line with ``time``, ``level``,
  ``logger``, ``message``, ``request_id``, ``client`` and ``exception`` (when there is
  one); otherwise plain text lines.
* The client address: REMOTE_ADDR, or — only when REMOTE_ADDR is one of
  ``ONETHING_TRUSTED_PROXIES`` — the address that proxy put in ``X-Forwarded-For``.

The personal-data filter (onething/core/logfilters.py) runs before any of these
formatters, so what they print is already masked.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import ipaddress
import json
import logging
import os

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
CLIENT: contextvars.ContextVar[str] = contextvars.ContextVar("client", default="-")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def json_format() -> bool:
    return os.environ.get("ONETHING_LOG_FORMAT", "plain").strip().lower() == "json"


def utc_iso(timestamp: float) -> str:
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_networks(text: str) -> list[Network]:
    """``10.0.0.2, 10.0.1.0/24`` → networks; raises ValueError on a bad entry."""
    return [ipaddress.ip_network(item.strip(), strict=False)
            for item in text.split(",") if item.strip()]


def trusted_proxies() -> list[Network]:
    return parse_networks(os.environ.get("ONETHING_TRUSTED_PROXIES", ""))


def _within(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(remote_addr: str, forwarded_for: str, trusted: list[Network]) -> str:
    """The client's address: REMOTE_ADDR unless that is a trusted proxy; then the right-most
    address in X-Forwarded-For that is not itself a trusted proxy (what a client writes
    into the header itself, further left, is never believed)."""
    if not trusted or not forwarded_for or not _within(remote_addr, trusted):
        return remote_addr or "-"
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote_addr  # garbage in the header: keep what we know
        if not _within(hop, trusted):
            return hop
    return hops[0] if hops else remote_addr


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``client`` (``-`` outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        if not hasattr(record, "client"):
            record.client = CLIENT.get()
        return True


class UtcFormatter(logging.Formatter):
    """Plain lines, ``asctime`` in UTC ISO 8601."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return utc_iso(record.created)


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": utc_iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
            "client": getattr(record, "client", CLIENT.get()),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


PLAIN = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def django_formatter() -> dict:
    """The ``formatters`` entry settings.LOGGING uses."""
    if json_format():
        return {"()": "onething.core.logformat.JsonFormatter"}
    return {"()": "onething.core.logformat.UtcFormatter", "format": PLAIN}
