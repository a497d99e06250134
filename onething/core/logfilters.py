"""Logging filter that keeps personal data out of the logs.

``settings.LOGGING`` puts :class:`PersonalDataFilter` on every handler. Outside
the development mode that shows sign-in codes (``ONETHING_LOG_SMS_CODES``) it
rewrites each record's message, arguments, exception text and stack so that
resident ID numbers and mobile numbers are masked (``onething.domain.redaction``)
before any handler formats it.
"""

from __future__ import annotations

import logging
import time

from onething.domain.redaction import mask_personal_text

_FORMATTER = logging.Formatter()


def log_personal_data() -> bool:
    """True only in the development mode that logs SMS texts whole (the demo sign-in)."""
    from django.conf import settings

    try:
        return bool(getattr(settings, "ONETHING_LOG_SMS_CODES", False))
    except Exception:  # settings not configured (a bare gunicorn master): mask
        return False


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_onething_masked", False) or log_personal_data():
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, masked
            message = f"{record.msg} {record.args}"
        record.msg = mask_personal_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_text(record.stack_info)
        record._onething_masked = True  # several handlers: mask once
        return True


def gunicorn_logger_class():
    """Gunicorn's logger with the filter on its access and error handlers: access lines
    carry addresses and referrers, which must not leak a number either. Times are UTC ISO
    8601; the client is the forwarded one behind a trusted proxy (ONETHING_TRUSTED_PROXIES);
    ONETHING_LOG_FORMAT=json writes JSON lines (onething/core/logformat.py)."""
    import json

    from gunicorn import glogging

    from onething.core import logformat

    class GunicornLogger(glogging.Logger):
        def setup(self, cfg) -> None:
            super().setup(cfg)
            self._trusted = logformat.trusted_proxies()
            self._json = logformat.json_format()
            error_format = (logformat.JsonFormatter() if self._json else
                            logformat.UtcFormatter("%(asctime)s [%(process)d] "
                                                   "%(levelname)s gunicorn %(message)s"))
            for handler in self.error_log.handlers:
                handler.setFormatter(error_format)
            if self._json:
                for handler in self.access_log.handlers:
                    handler.setFormatter(logging.Formatter("%(message)s"))
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.addFilter(PersonalDataFilter())

        def now(self) -> str:
            return logformat.utc_iso(time.time())

        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            atoms["h"] = logformat.forwarded_client(environ.get("REMOTE_ADDR", "-"),
                                                    environ.get("HTTP_X_FORWARDED_FOR", ""),
                                                    self._trusted)
            return atoms

        def access(self, resp, req, environ, request_time) -> None:
            if not self._json:
                return super().access(resp, req, environ, request_time)
            if not self.access_log_enabled:
                return None
            atoms = self.atoms(resp, req, environ, request_time)
            request_id = next((value for name, value in resp.headers
                               if name.lower() == "x-request-id"), "-")
            self.access_log.info(json.dumps({
                "time": atoms["t"], "level": "INFO", "logger": "gunicorn.access",
                "client": atoms["h"], "request_id": request_id, "method": atoms["m"],
                "path": environ.get("RAW_URI", ""), "status": int(atoms["s"]),
                "bytes": atoms["B"] or 0, "duration_ms": atoms["M"],
                "referer": atoms["f"], "user_agent": atoms["a"],
            }, ensure_ascii=False))
            return None

    return GunicornLogger
